// frontend/get_translations in the simulated HA, as core answers it: `{resources}` with flat
// `component.<domain>.title` keys, one integration or a list, nothing for one that is not loaded;
// and the panel's read of location titles from it (`fetchIntegrationTitles`), which falls back to
// no answer (asked again later; locations meanwhile named by domain, as HA does) when HA refuses.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import type { HaConnection } from "../../../src/data/connection.js";
import { fetchIntegrationTitles } from "../../../src/data/translations.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { closeAfterTest, closeOpened, connectHA } from "../../support/ha-client.js";

afterEach(closeOpened);

let sim: SimHandle;
before(async () => {
  sim = await startSimulatedHA({ port: 0, backups: 1, stageDelayMs: 5 });
});
after(() => sim.close());

describe("integration titles", () => {
  it("answers titles of loaded integrations, for one name or a list, in core's flat shape", async () => {
    const c = closeAfterTest(await connectHA(sim.url, sim.userToken));
    assert.deepEqual(await c.sendMessagePromise({ type: "frontend/get_translations", language: "de", category: "title", integration: ["cloud", "not_loaded"] }), {
      resources: { "component.cloud.title": "Home Assistant Cloud" },
    });
    assert.deepEqual(await c.sendMessagePromise({ type: "frontend/get_translations", language: "en", category: "title", integration: "backup" }), {
      resources: { "component.backup.title": "Backup" },
    });
    const all = await c.sendMessagePromise<{ resources: Record<string, string> }>({ type: "frontend/get_translations", language: "en", category: "title" });
    assert.equal(all.resources["component.hassio.title"], "Home Assistant Supervisor");
    await assert.rejects(c.sendMessagePromise({ type: "frontend/get_translations", category: "title" }), (e: { code: string }) => e.code === "invalid_format");
  });

  it("the panel's read: every loaded integration's title; no answer when HA refuses", async () => {
    const c = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    // The panel's read, alongside its first load: every loaded integration's title.
    const all = await fetchIntegrationTitles(c, "en");
    assert.equal(all!.cloud, "Home Assistant Cloud");
    assert.equal(all!.backup, "Backup");
    const refusing = { sendMessagePromise: () => Promise.reject({ code: "unknown_command", message: "Unknown command." }) } as unknown as HaConnection;
    assert.equal(await fetchIntegrationTitles(refusing, "en"), null, "not answered: asked again later");
  });
});
