// Nothing the registry puts into HA holds a key: after a whole key change through our flow, old
// kits loaded (their backups proven), the vault's copy turned on and HA's key changed elsewhere,
// every value in the HA user's frontend storage — read back over the WebSocket API, every mirror
// part decompressed, and the simulated HA's `--state` file of that storage on disk — is searched
// for every key, in the form HA holds it and in the tidied forms a user might type.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { inProcessLocks } from "../../../src/common/locks.js";
import { KeyChangeFlow } from "../../../src/flows/key-change/flow.js";
import { registryPort } from "../../../src/flows/key-change/registry-port.js";
import { tidyKeyInput } from "../../../src/keys/format.js";
import { parseEmergencyKit } from "../../../src/kit/parse.js";
import { unpackPart } from "../../../src/registry/mirror-codec.js";
import { MIRROR_KEY, RegistryMirror, chunkKey, type MirrorManifest } from "../../../src/registry/mirror.js";
import { Registry } from "../../../src/registry/registry.js";
import { Vault } from "../../../src/registry/vault.js";
import { verifyOnline } from "../../../src/registry/verify.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { connectHA } from "../../support/ha-client.js";

let dir: string;
let sim: SimHandle;
let conn: Connection;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "bk-no-keys-"));
  sim = await startSimulatedHA({ port: 0, backups: 6, now: "2026-11-27T12:00:00Z", stageDelayMs: 5, state: join(dir, "ha.json") });
  conn = await connectHA(sim.url, sim.adminToken);
});
after(async () => {
  conn.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every form of a key worth searching for: as HA holds it, tidied, without separators, lower case. */
const forms = (key: string) => [...new Set([key, tidyKeyInput(key), key.replace(/[-\s]/g, ""), key.toLowerCase(), key.replace(/[-\s]/g, "").toLowerCase()])].filter((f) => f.length >= 8);

it("no key, in any form, in anything stored in HA's user data", { timeout: 120_000 }, async () => {
  const locks = inProcessLocks();
  const registry = await Registry.open(`no-keys-${process.pid}`, locks);
  const mirror = new RegistryMirror(registry, conn, { lifecycle: null });
  try {
    await mirror.start();
    const keys = new Set((await sim.control({ type: "demo_keys" })) as string[]);
    const downloads: { name: string; text: string }[] = [];
    const flow = new KeyChangeFlow({
      conn,
      registry: registryPort(registry, sim.url),
      locks,
      kit: { instanceName: "Home", url: sim.url, language: "en", timeZone: "UTC", locationNames: {} },
      download: (name, text) => downloads.push({ name, text }),
      randomBytes: (k) => new Uint8Array(randomBytes(k)),
      now: () => new Date(),
    });
    // A whole key change: old kit, new key proven, committed.
    await flow.start();
    await flow.proveOldKey("local");
    flow.downloadOldKit();
    flow.acknowledgeOldKit(true);
    flow.next();
    await flow.downloadNewKit();
    const newKey = parseEmergencyKit(downloads.at(-1)!.text).key;
    keys.add(newKey);
    assert.equal(flow.proveWithKit(downloads.at(-1)!.text), true);
    await flow.commit();
    assert.equal(flow.state.step, "done", JSON.stringify(flow.state.problem));
    const instanceId = flow.state.instanceId!;
    // Old kits loaded: every key proves what it opens.
    await verifyOnline(registry, conn, instanceId, [...keys], { pauseMs: 0 });
    // The vault, with the current key in it, mirrored on its own opt-in.
    const vault = new Vault(registry);
    await vault.create("a long vault passphrase");
    await vault.store((await registry.generations(instanceId)).find((g) => g.status === "active")!.id, newKey);
    await mirror.setVaultMirrored(true);
    // And HA's key changed elsewhere, seen by the next reconciliation.
    const elsewhere = "QQQQ-RRRR-SSSS-TTTT-UUUU-VVVV-WWWW";
    keys.add(elsewhere);
    await sim.control({ type: "set_password", password: elsewhere });
    await registry.reconcile(conn, sim.url);
    await mirror.flush();
    assert.equal(mirror.status.state, "synced");

    // Everything the user's frontend storage holds, over HA's API, with the mirror's parts decompressed.
    const all = (await conn.sendMessagePromise<{ value: Record<string, unknown> }>({ type: "frontend/get_user_data" })).value;
    const manifest = all[MIRROR_KEY] as MirrorManifest;
    assert.ok(manifest && Object.keys(manifest.parts).length > 0, "the mirror is there");
    const texts = [JSON.stringify(all)];
    for (const [p, ref] of Object.entries(manifest.parts)) {
      const chunks = Array.from({ length: ref.chunks }, (_, n) => all[chunkKey(p, ref.slot, n)] as string);
      texts.push(await unpackPart(chunks, ref.sha256));
    }
    const onDisk = readFileSync(join(dir, "ha.json.frontend.json"), "utf8");
    texts.push(onDisk);
    assert.ok(onDisk.includes(MIRROR_KEY), "the sim saved the user's frontend storage");
    assert.ok(texts.join("").includes(instanceId), "the search reads the registry's own text (its instance id is there)");
    for (const key of keys) {
      for (const form of forms(key)) {
        for (const text of texts) assert.ok(!text.includes(form), `a form of a key (${form.length} characters) is stored in HA`);
      }
    }
  } finally {
    mirror.stop();
    registry.close();
  }
});
