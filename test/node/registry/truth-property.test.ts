// Property: for random histories of key changes (through our flow or elsewhere), observations
// (reconciliations) and checks, no kit ever lists under `- ` a backup its key does not open.
// The truth (which key really encrypted each backup) is kept beside the registry.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BackupInfo } from "../../../src/data/backup.js";
import { parseEmergencyKit } from "../../../src/kit/parse.js";
import { renderEmergencyKit } from "../../../src/kit/render.js";
import { Registry } from "../../../src/registry/registry.js";

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

interface Backup {
  id: string;
  date: string;
  key: string | null;
}

function info(backups: Backup[]): BackupInfo {
  return {
    backups: backups.map((b) => ({
      addons: [],
      agents: { "hassio.local": { protected: b.key !== null, size: 100 } },
      backup_id: b.id,
      database_included: true,
      date: b.date,
      extra_metadata: { instance_id: "prop-instance", with_automatic_settings: true },
      failed_agent_ids: [],
      folders: [],
      homeassistant_included: true,
      homeassistant_version: "2026.11.0",
      name: `Backup ${b.id}`,
      with_automatic_settings: true,
    })),
    agent_errors: {},
    last_attempted_automatic_backup: null,
    last_completed_automatic_backup: null,
    last_action_event: null,
    next_automatic_backup: null,
    next_automatic_backup_additional: false,
    state: "idle",
  } as unknown as BackupInfo;
}

async function history(seed: number): Promise<{ kits: number; listed: number; guessed: number }> {
  const rand = rng(seed);
  const reg = await Registry.open(`truth-property-${process.pid}-${seed}`);
  try {
    let t = Date.UTC(2026, 0, 1);
    const tick = () => (t += (1 + rand(48)) * 3_600_000);
    const iso = () => new Date(t).toISOString();
    const keys = ["K0", "K1", "K2", "K3", "K4"].map((k) => `${k}-${seed}`);
    let haKey: string | null = keys[rand(3)]!;
    const backups: Backup[] = [];
    // Changes elsewhere since our last look: at most one (a key that goes away and comes back
    // between two looks is indistinguishable from one that never left; see assign.ts).
    let changedSinceLook = false;
    let looked = false;
    let instanceId: string | null = null;
    const observe = async () => {
      const r = await reg.fold({ url: "http://ha.test", locationName: "Home", password: haKey, info: info(backups), now: new Date(t) });
      instanceId = r.instanceId;
      changedSinceLook = false;
      looked = true;
    };
    const steps = 20 + rand(30);
    for (let i = 0; i < steps; i++) {
      tick();
      const what = rand(10);
      if (what < 4) {
        backups.push({ id: `b${seed}-${i}`, date: iso().replace("Z", "+00:00"), key: haKey });
      } else if (what < 6) {
        await observe();
      } else if (what === 6 && !changedSinceLook) {
        // A change made elsewhere (HA's settings, a restore of .storage): possibly back to an old key.
        haKey = rand(6) === 0 ? null : keys[rand(keys.length)]!;
        changedSinceLook = true;
      } else if (what === 7 && looked && !changedSinceLook && haKey !== null && instanceId) {
        // Our own flow: it re-reads HA's key just before the commit, then commits and confirms.
        const next = `${keys[rand(keys.length)]}-flow${i}`;
        await reg.beginPending(instanceId, await reg.fingerprint(next), { kitDownloadedAt: null, kitProvenAt: null });
        haKey = next;
        await observe();
      } else if (what >= 8 && instanceId) {
        const copies = (await reg.copies(instanceId)).filter((c) => c.protected && !c.deleted);
        if (copies.length === 0) continue;
        const c = copies[rand(copies.length)]!;
        const truth = backups.find((b) => b.id === c.backupId)!.key!;
        const candidates = [...new Set([...keys, truth, ...(haKey ? [haKey] : [])])];
        const tried = candidates[rand(candidates.length)]!;
        if (tried === truth) await reg.recordCheck(instanceId, c.backupId, c.agentId, { fingerprint: await reg.fingerprint(tried) });
        else await reg.recordCheck(instanceId, c.backupId, c.agentId, { result: "failed", tried: [await reg.fingerprint(tried)] });
      }
    }
    await observe();
    let kits = 0;
    let listed = 0;
    let guessed = 0;
    const truthFp = new Map<string, string>();
    for (const b of backups) if (b.key) truthFp.set(b.id, await reg.fingerprint(b.key));
    for (const g of await reg.generations(instanceId!)) {
      if (g.status === "pending" || g.status === "abandoned") continue;
      const lists = await reg.backupsOpenedBy(instanceId!, g.id);
      const text = renderEmergencyKit({ key: "irrelevant", instanceName: "Home", url: "http://ha.test", date: new Date(t), language: "en", generation: { number: g.number, fingerprint: g.fingerprint, startedAt: g.activatedAt ?? g.firstSeenAt }, backups: lists.facts, guessed: lists.guessed });
      const parsed = parseEmergencyKit(text.replace("irrelevant", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG"));
      kits++;
      for (const b of parsed.backups ?? []) {
        listed++;
        assert.equal(truthFp.get(b.backup_id), g.fingerprint, `seed ${seed}: kit of generation ${g.number} lists ${b.backup_id} under "- ", but its key does not open it`);
      }
      guessed += parsed.guessed?.length ?? 0;
      for (const b of parsed.guessed ?? []) assert.ok(!(parsed.backups ?? []).some((x) => x.backup_id === b.backup_id), "a backup is never both fact and guess");
    }
    return { kits, listed, guessed };
  } finally {
    reg.close();
  }
}

describe("kit truth (property)", () => {
  it("random histories: no kit lists under '- ' a backup its key does not open", async () => {
    let total = { kits: 0, listed: 0, guessed: 0 };
    for (let seed = 1; seed <= 60; seed++) {
      const r = await history(seed);
      total = { kits: total.kits + r.kits, listed: total.listed + r.listed, guessed: total.guessed + r.guessed };
    }
    // The property is not vacuous: many kits list facts, and some list guesses.
    assert.ok(total.listed > 100, JSON.stringify(total));
    assert.ok(total.guessed > 0, JSON.stringify(total));
  });
});
