// One emergency kit's facts for tests (a made-up key, HA's documented sample instance).
import type { KitFacts } from "../../src/kit/render.js";

export const SAMPLE_KEY = "AB12-CD34-EF56-GH78-IJ90-KL12-MN34";

export const sampleKitFacts = (over: Partial<KitFacts> = {}): KitFacts => ({
  key: SAMPLE_KEY,
  instanceName: "Home",
  url: "http://homeassistant.local:8123",
  date: new Date("2025-01-15T14:05:00Z"),
  language: "en",
  timeZone: "UTC",
  ...over,
});
