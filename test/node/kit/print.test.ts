import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { localizeFor } from "../../../src/common/localize.js";
import { renderPrintableKit } from "../../../src/kit/print.js";
import { makeKeyQrCode } from "../../../src/kit/qr.js";
import type { KitFacts } from "../../../src/kit/render.js";
import { SAMPLE_KEY, sampleKitFacts } from "../../support/kit-facts.js";

const KEY = SAMPLE_KEY;
const facts = (over: Partial<KitFacts> = {}): KitFacts => sampleKitFacts({
  generation: { number: 4, fingerprint: "7f3a91c20b5e".padEnd(64, "0"), startedAt: "2026-04-20T10:00:00Z" },
  backups: [{ backup_id: "f3d70b29", date: "2026-05-01T04:45:00+00:00", name: "Automatic backup 2026.5.0", locations: ["hassio.local", "cloud.cloud"] }],
  ...over,
});

describe("printable kit", () => {
  it("holds the same facts as the text kit, and blanks to fill in", async () => {
    const html = await renderPrintableKit(facts());
    for (const s of ["Home Assistant Backup Emergency Kit", KEY, "http://homeassistant.local:8123", "January 15, 2025", "7F3A-91C2-0B5E", "2026-04-20", "f3d70b29", "Automatic backup 2026.5.0", "hassio.local, cloud.cloud", "Stored where:", "Checked on:", "https://www.home-assistant.io/more-info/backup-emergency-kit"]) {
      assert.ok(html.includes(s), s);
    }
    assert.match(html, /<dd>4<\/dd>/);
    assert.ok(html.startsWith("<!doctype html>"));
  });

  it("is self-contained: no scripts, no external resources", async () => {
    const html = await renderPrintableKit(facts(), { includeQrCode: true });
    assert.doesNotMatch(html, /<script|<link|<img|\bsrc=|\bhref=|url\(/i);
  });

  it("escapes every text it prints", async () => {
    const html = await renderPrintableKit(
      facts({ instanceName: `<script>alert("x")</script>`, key: `pa<ss>"&'`, backups: [{ backup_id: "<b>", date: "x", name: "<i>n</i>", locations: ["<u>"] }] }),
    );
    assert.ok(!html.includes("<script>alert"));
    assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert.ok(html.includes("pa&lt;ss&gt;&quot;&amp;&#39;"));
    assert.ok(!/<(b|i|u)>/.test(html));
  });

  it("chooses A4 or Letter for @page", async () => {
    assert.match(await renderPrintableKit(facts()), /@page \{ size: A4;/);
    assert.match(await renderPrintableKit(facts(), { paper: "letter" }), /@page \{ size: letter;/);
  });

  it("shows the QR code only when asked, with the warning", async () => {
    const plain = await renderPrintableKit(facts());
    assert.ok(!plain.includes("<svg"));
    assert.ok(!plain.includes("Anyone who can see this QR code"));
    const withQr = await renderPrintableKit(facts(), { includeQrCode: true });
    assert.equal(withQr.match(/<svg/g)?.length, 1);
    assert.ok(withQr.includes("Anyone who can see this QR code can read your encryption key."));
    // A generated key (34 alphanumeric-mode characters at level M) fits version 2: 25×25 modules.
    assert.match(withQr, /data-qr-version="2" data-qr-modules="25"/);
  });

  it("uses the user's language for our labels", async () => {
    const localize = await localizeFor("de");
    const html = await renderPrintableKit(facts({ language: "de", localize }));
    assert.match(html, /<html lang="de">/);
    assert.ok(html.includes("15. Januar 2025"));
  });
});

describe("QR code of the key", () => {
  it("is deterministic per key, different between keys, with QR's fixed finder patterns", async () => {
    const a = await makeKeyQrCode(KEY);
    const b = await makeKeyQrCode(KEY);
    const c = await makeKeyQrCode("ZZ12-CD34-EF56-GH78-IJ90-KL12-MN34");
    assert.deepEqual(a.dark, b.dark);
    assert.notDeepEqual(a.dark, c.dark);
    assert.equal(a.moduleCount, 17 + 4 * a.version);
    // Finder pattern: the top-left 7×7 ring with a 3×3 core.
    const finder = a.dark.slice(0, 7).map((r) => r.slice(0, 7).map((x) => (x ? 1 : 0)).join(""));
    assert.deepEqual(finder, ["1111111", "1000001", "1011101", "1011101", "1011101", "1000001", "1111111"]);
  });

  it("encodes a legacy password as UTF-8 bytes (bigger code than the alphanumeric key)", async () => {
    const legacy = await makeKeyQrCode("mein altes Passwort äöü ß — long enough to need more modules");
    assert.ok(legacy.version > 2);
  });
});
