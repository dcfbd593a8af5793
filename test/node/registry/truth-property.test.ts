// Property: for random histories of key changes (through our flow — committed, activated by a
// later look, applied late after the flow gave up, or refused — and elsewhere), observations
// (reconciliations on this browser's clock, backups dated by HA's clock up to the clock margin
// off), backups on several locations (this instance's automatic and manual ones, manual ones
// with another password, other instances' backups on shared locations), deletions and checks
// (opening, failing with other keys or with the believed generation's own key, errors):
//  - no kit, downloaded at any time, lists under `- ` a backup its key does not open;
//  - after every copy was checked with every key, each key's kit lists all backups it opens.
// The truth (which key really encrypted each backup) is kept beside the registry.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BackupInfo } from "../../../src/data/backup.js";
import { inProcessLocks } from "../../../src/common/locks.js";
import { parseEmergencyKit } from "../../../src/kit/parse.js";
import { renderEmergencyKit } from "../../../src/kit/render.js";
import { CLOCK_MARGIN_MS } from "../../../src/registry/assign.js";
import { Registry } from "../../../src/registry/registry.js";
import { backupInfo, listedBackup, type Maker } from "../../support/listing.js";

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

const OWN = "prop-instance-own";
const OTHER = "prop-instance-other";
const LOCATIONS = ["hassio.local", "cloud.cloud", "hassio.nas"] as const;

interface Backup {
  id: string;
  /** HA's clock: the browser's time of the backup plus a skew within the clock margin. */
  date: string;
  key: string | null;
  who: Maker;
  agents: string[];
  deleted: boolean;
}

function info(backups: Backup[]): BackupInfo {
  return backupInfo(
    backups
      .filter((b) => !b.deleted)
      .map((b) => listedBackup({ id: b.id, date: b.date, who: b.who, agents: Object.fromEntries(b.agents.map((a) => [a, { protected: b.key !== null, size: 100 }])), ownId: OWN, foreignId: OTHER })),
  );
}

interface Totals {
  kits: number;
  listed: number;
  guessed: number;
  foreign: number;
  manual: number;
  withdrawn: number;
  late: number;
  activatedLater: number;
  complete: number;
  races: number;
}

async function history(seed: number, totals: Totals): Promise<void> {
  const rand = rng(seed);
  let t = Date.UTC(2026, 0, 1);
  const reg = await Registry.open(`truth-property-${process.pid}-${seed}`, inProcessLocks(), { now: () => new Date(t) });
  try {
    // Steps hours apart, or seconds to minutes (a backup right after a look or a key change).
    const tick = () => (t += rand(2) === 0 ? (1 + rand(20)) * 15_000 : (1 + rand(48)) * 600_000 * (1 + rand(6)));
    // HA's clock against ours: within the margin; it drifts, and a backup's date may sit at either
    // edge of it (the worst case next to a look or a key change).
    let skew = (rand(19) - 9) * (CLOCK_MARGIN_MS / 10);
    const haDate = (edge = rand(3)) => {
      const off = edge === 0 ? -0.95 * CLOCK_MARGIN_MS : edge === 1 ? 0.95 * CLOCK_MARGIN_MS : skew;
      return new Date(t + off).toISOString().replace("Z", "+00:00");
    };
    const keys = ["K0", "K1", "K2", "K3", "K4"].map((k) => `${k}-${seed}`);
    const otherPasswords: string[] = [];
    const foreignKeys = [`F0-${seed}`, keys[0]!];
    let haKey: string | null = keys[rand(3)]!;
    const backups: Backup[] = [];
    // Changes since our last look: at most one (a key that goes away and comes back between two
    // looks is indistinguishable from one that never left; see assign.ts).
    let changedSinceLook = false;
    let looked = false;
    let instanceId: string | null = null;
    /** Our flow gave up on this key; HA may still apply it later (the update arrived late). */
    let lateKey: string | null = null;
    const observe = async () => {
      const r = await reg.fold({ url: "http://ha.test", locationName: "Home", password: haKey, info: info(backups) });
      instanceId = r.instanceId;
      changedSinceLook = false;
      looked = true;
    };
    const truthFp = async () => {
      const m = new Map<string, string>();
      for (const b of backups) if (b.key) m.set(b.id, await reg.fingerprint(b.key));
      return m;
    };
    const checkKits = async (complete: boolean) => {
      if (!instanceId) return;
      const truth = await truthFp();
      for (const g of await reg.generations(instanceId)) {
        if (g.status === "pending" || g.status === "abandoned") continue;
        const lists = await reg.backupsOpenedBy(instanceId, g.id, { "hassio.local": "Local", "cloud.cloud": "Cloud", "hassio.nas": "NAS" });
        const text = renderEmergencyKit({
          key: "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG",
          instanceName: "Home",
          url: "http://ha.test",
          date: new Date(t),
          language: "en",
          generation: { number: g.number, fingerprint: g.fingerprint, startedAt: g.activatedAt ?? g.firstSeenAt },
          backups: lists.facts,
          guessed: lists.guessed,
        });
        const parsed = parseEmergencyKit(text);
        totals.kits++;
        for (const b of parsed.backups ?? []) {
          totals.listed++;
          assert.equal(truth.get(b.backup_id), g.fingerprint, `seed ${seed}: kit of generation ${g.number} lists ${b.backup_id} under "- ", but its key does not open it`);
        }
        totals.guessed += parsed.guessed?.length ?? 0;
        for (const b of parsed.guessed ?? []) assert.ok(!(parsed.backups ?? []).some((x) => x.backup_id === b.backup_id), "a backup is never both fact and guess");
        if (complete) {
          const opens = backups
            .filter((b) => !b.deleted && b.key !== null && truth.get(b.id) === g.fingerprint)
            .map((b) => b.id)
            .sort();
          assert.deepEqual((parsed.backups ?? []).map((b) => b.backup_id).sort(), opens, `seed ${seed}: after checking everything, the kit of generation ${g.number} lists every backup its key opens`);
          totals.complete++;
        }
      }
    };
    const check = async (c: { backupId: string; agentId: string }, tried: string) => {
      const truth = backups.find((b) => b.id === c.backupId)!.key!;
      if (tried === truth) await reg.recordCheck(instanceId!, c.backupId, c.agentId, { fingerprint: await reg.fingerprint(tried) });
      else {
        const before = (await reg.copies(instanceId!)).find((x) => x.backupId === c.backupId && x.agentId === c.agentId)!;
        const r = await reg.recordCheck(instanceId!, c.backupId, c.agentId, { result: "failed", tried: [await reg.fingerprint(tried)] });
        if (r.result === "failed" && before.generationId !== null) totals.withdrawn++;
      }
    };

    const steps = 25 + rand(35);
    for (let i = 0; i < steps; i++) {
      tick();
      if (rand(4) === 0) skew = Math.max(-0.9 * CLOCK_MARGIN_MS, Math.min(0.9 * CLOCK_MARGIN_MS, skew + (rand(5) - 2) * (CLOCK_MARGIN_MS / 10)));
      // HA takes the update our flow gave up on, at a moment nobody watches.
      if (lateKey !== null && !changedSinceLook && rand(3) === 0) {
        haKey = lateKey;
        lateKey = null;
        changedSinceLook = true;
        totals.late++;
      }
      const what = rand(16);
      if (what >= 14 && looked && !changedSinceLook) {
        // The worst cases next to a look: a key change elsewhere a minute before or after it,
        // with a backup on the far side of the change dated (by HA's clock) across the look.
        const change = () => {
          haKey = rand(6) === 0 ? null : keys[rand(keys.length)]!;
          changedSinceLook = true;
        };
        const quick = () => (t += 20_000);
        if (what === 14) {
          // Made with the old key just before the change, dated after the look that sees the new one.
          backups.push({ id: `b${seed}-${i}`, date: haDate(1), key: haKey, who: "automatic", agents: ["hassio.local"], deleted: false });
          quick();
          change();
          quick();
          await observe();
        } else {
          // Made with the new key just after the change, dated before the look that still saw the old one.
          await observe();
          quick();
          change();
          quick();
          backups.push({ id: `b${seed}-${i}`, date: haDate(0), key: haKey, who: "automatic", agents: ["hassio.local"], deleted: false });
        }
        totals.races++;
        continue;
      }
      if (what < 4) {
        // A backup: automatic with HA's key, manual (maybe with another password), or another
        // instance's upload to a shared location.
        const kind = rand(6);
        const agents = LOCATIONS.filter(() => rand(2) === 0);
        if (agents.length === 0) agents.push("hassio.local");
        if (kind < 3) backups.push({ id: `b${seed}-${i}`, date: haDate(), key: haKey, who: "automatic", agents, deleted: false });
        else if (kind < 5) {
          let key = haKey;
          if (rand(3) === 0) otherPasswords.push((key = `manual-${seed}-${i}`));
          backups.push({ id: `b${seed}-${i}`, date: haDate(), key, who: "manual", agents, deleted: false });
          totals.manual++;
        } else {
          backups.push({ id: `b${seed}-${i}`, date: haDate(), key: foreignKeys[rand(foreignKeys.length)]!, who: "foreign", agents: ["cloud.cloud", "hassio.nas"].slice(rand(2)), deleted: false });
          totals.foreign++;
        }
      } else if (what < 6) {
        await observe();
      } else if (what === 6 && !changedSinceLook) {
        // A change made elsewhere (HA's settings, a restore of .storage): possibly back to an old key.
        haKey = rand(6) === 0 ? null : keys[rand(keys.length)]!;
        changedSinceLook = true;
      } else if (what === 7 && looked && !changedSinceLook && haKey !== null && instanceId) {
        // Our own flow: it re-reads HA's key just before the commit, then commits.
        const next = `${keys[rand(keys.length)]}-flow${i}`;
        const pending = await reg.beginPending(instanceId, await reg.fingerprint(next), { kitDownloadedAt: null, kitProvenAt: null });
        const how = rand(4);
        if (how === 0) {
          // Confirmed at once.
          haKey = next;
          await reg.activatePending(instanceId, pending.id);
          looked = true;
        } else if (how === 1) {
          // The flow's tab went away: HA has the key, a later look activates the pending generation.
          haKey = next;
          totals.activatedLater++;
        } else if (how === 2) {
          // The update did not arrive in time: the next look abandons it; HA may apply it later.
          await observe();
          lateKey = next;
        } else {
          // HA refused it.
          await reg.dropPending(instanceId, pending.id, "update_failed");
        }
      } else if (what < 11 && instanceId) {
        const copies = (await reg.copies(instanceId)).filter((c) => c.protected && !c.deleted);
        if (copies.length === 0) continue;
        const c = copies[rand(copies.length)]!;
        if (rand(8) === 0) {
          await reg.recordCheck(instanceId, c.backupId, c.agentId, { result: "error" });
          continue;
        }
        const truth = backups.find((b) => b.id === c.backupId)!.key!;
        const believed = c.generationId === null ? null : ((await reg.generations(instanceId)).find((g) => g.id === c.generationId) ?? null);
        const candidates = [...new Set([...keys, ...otherPasswords, ...foreignKeys, truth, ...(haKey ? [haKey] : [])])];
        // Sometimes exactly the believed generation's own key (the withdrawal path when it is wrong).
        let tried = candidates[rand(candidates.length)]!;
        if (believed && rand(3) === 0) {
          const own = await Promise.all(candidates.map(async (k) => [k, await reg.fingerprint(k)] as const));
          tried = own.find(([, fp]) => fp === believed.fingerprint)?.[0] ?? tried;
        }
        await check(c, tried);
      } else if (what === 11) {
        const live = backups.filter((b) => !b.deleted);
        if (live.length > 0) live[rand(live.length)]!.deleted = true;
      } else {
        // Someone downloads a kit now: it must hold, whatever the state.
        await checkKits(false);
      }
    }
    await observe();
    await checkKits(false);
    // "Verify all backups" with every key there is: each copy until one opens it.
    const universe = [...new Set([...keys, ...otherPasswords, ...foreignKeys, ...backups.map((b) => b.key).filter((k): k is string => k !== null)])];
    for (const c of (await reg.copies(instanceId!)).filter((x) => x.protected && !x.deleted)) {
      const truth = backups.find((b) => b.id === c.backupId)!.key!;
      for (const k of universe) {
        await check(c, k);
        if (k === truth) break;
      }
    }
    await checkKits(true);
  } finally {
    reg.close();
  }
}

describe("kit truth (property)", () => {
  it("random histories: no kit lists under '- ' a backup its key does not open; after checking everything, each kit lists all it opens", async () => {
    const totals: Totals = { kits: 0, listed: 0, guessed: 0, foreign: 0, manual: 0, withdrawn: 0, late: 0, activatedLater: 0, complete: 0, races: 0 };
    for (let seed = 1; seed <= 60; seed++) await history(seed, totals);
    // The property is not vacuous: many kits list facts, some list guesses, and every kind of
    // event happened.
    const s = JSON.stringify(totals);
    assert.ok(totals.listed > 200, s);
    assert.ok(totals.guessed > 0, s);
    assert.ok(totals.foreign > 20 && totals.manual > 20, s);
    assert.ok(totals.withdrawn > 0 && totals.late > 0 && totals.activatedLater > 0 && totals.complete > 60 && totals.races > 20, s);
  });
});
