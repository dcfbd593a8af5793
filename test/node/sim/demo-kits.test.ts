// The demo ships the kits of its three historical keys (served by the simulated HA, linked from
// the demo page): loading them proves which backups each key opens.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { parseEmergencyKit } from "../../../src/kit/parse.js";
import { Registry } from "../../../src/registry/registry.js";
import { verifyOnline } from "../../../src/registry/verify.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { connectHA } from "../../support/ha-client.js";

let sim: SimHandle;
let conn: Connection;
before(async () => {
  sim = await startSimulatedHA({ port: 0, backups: 6, now: "2026-11-27T12:00:00Z", stageDelayMs: 5 });
  conn = await connectHA(sim.url, sim.adminToken);
});
after(async () => {
  conn.close();
  await sim.close();
});

describe("demo kits", () => {
  it("/demo/kits/ lists three kits; each holds one of the demo's keys and proves the backups made with it", async () => {
    const keys = (await sim.control({ type: "demo_keys" })) as string[];
    const index = await (await fetch(`${sim.url}/demo/kits/`)).text();
    const links = [...index.matchAll(/href="(\/demo\/kits\/[^"]+\.txt)"/g)].map((m) => m[1]!);
    assert.equal(links.length, 3);
    const reg = await Registry.open(`demo-kits-${process.pid}`);
    try {
      const r = await reg.reconcile(conn, sim.url);
      const unknownBefore = (await reg.copies(r.instanceId)).filter((c) => c.protected && c.confidence === "unknown").length;
      assert.ok(unknownBefore > 0, "a fresh registry knows nothing about the older backups");
      let proven = 0;
      for (const [i, link] of links.entries()) {
        const res = await fetch(`${sim.url}${link}`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-disposition") ?? "", /^attachment; filename=.+\.txt$/);
        const kit = parseEmergencyKit(await res.text());
        assert.equal(kit.key, keys[i], `kit ${i + 1} holds key ${i + 1}`);
        assert.equal(kit.url, sim.url);
        const opened = (await verifyOnline(reg, conn, r.instanceId, [kit.key], { pauseMs: 0 })).opened;
        // The three-key story holds with HA Cloud keeping only the newest backup: every key opens some copies.
        assert.ok(opened > 0, `kit ${i + 1} proves at least one copy`);
        proven += opened;
      }
      const copies = (await reg.copies(r.instanceId)).filter((c) => c.protected);
      // Every copy HA can check is proven by one of the three kits (the mislabelled one cannot be).
      assert.equal(copies.filter((c) => c.confidence === "verified").length, proven);
      assert.ok(copies.every((c) => c.confidence === "verified" || c.lastCheck?.result === "not_supported"));
    } finally {
      reg.close();
    }
    assert.equal((await fetch(`${sim.url}/demo/kits/nothing.txt`)).status, 404);
  });

  it("the demo page links them", () => {
    assert.match(readFileSync(new URL("../../../panel/index.html", import.meta.url), "utf8"), /href="\/demo\/kits\/"/);
  });
});
