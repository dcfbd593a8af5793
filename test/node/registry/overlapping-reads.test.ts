// Two reads of HA that overlap (a slow HA, two tabs, a card and a panel): the one asked later is
// the newer picture, whichever answers last. An older read folded after it must not undo it.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { BackupContent } from "../../../src/data/backup.js";
import type { InstanceSnapshot } from "../../../src/data/instance.js";
import { Registry } from "../../../src/registry/registry.js";
import { KeyringSession } from "../../../src/ui/keyring-session.js";
import { backupInfo, listedBackup } from "../../support/listing.js";

const OWN = "0".repeat(31) + "7";
const OLD_KEY = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG";
const NEW_KEY = "HHHH-JJJJ-KKKK-LLLL-MMMM-NNNN-PPPP";
const URL = "http://homeassistant.local:8123";
let n = 0;
const open: Registry[] = [];
after(() => open.forEach((r) => r.close()));
const fresh = async () => {
  const name = `overlap-${process.pid}-${++n}`;
  const r = await Registry.open(name);
  open.push(r);
  return { r, name };
};

const backup = (id: string, date: string): BackupContent =>
  listedBackup({ id, date, who: "automatic", agents: { "hassio.local": { protected: true, size: 100 } }, ownId: OWN, foreignId: "f".repeat(32) });
const A = backup("a1", "2026-11-01T03:00:00+00:00");
const B = backup("b2", "2026-12-01T03:00:00+00:00");
// Read times just past (a stored time ahead of the clock is not trusted, by design).
const t1 = new Date(Date.now() - 60_000);
const t0 = new Date(t1.getTime() - 1000);

describe("overlapping reads of HA", () => {
  it("an older read folded after a newer one changes nothing: the backup made in between is not deleted, the newer key stays current", async () => {
    const { r } = await fresh();
    await r.fold({ url: URL, locationName: "Home", password: OLD_KEY, info: backupInfo([A]), readAt: new Date(t0.getTime() - 3_600_000) });
    // The newer read: a key change and a backup happened since.
    const newer = await r.fold({ url: URL, locationName: "Home", password: NEW_KEY, info: backupInfo([A, B]), readAt: t1 });
    const before = await r.dump();
    const late = await r.fold({ url: URL, locationName: "Home", password: OLD_KEY, info: backupInfo([A]), readAt: t0 });
    assert.equal(late.instanceId, newer.instanceId);
    assert.equal(late.active?.number, newer.active?.number, "the result names the generation HA has now");
    assert.equal(late.deleted, 0);
    const now = await r.dump();
    assert.deepEqual(now.copies, before.copies, "no copy marked deleted");
    assert.deepEqual(now.generations, before.generations, "the newer key is not retired, the old one not reactivated");
    assert.equal(now.journal.length, before.journal.length, "no History line");
  });

  it("a later read still folds (deletions it saw are marked), and so does one without a read time", async () => {
    const { r } = await fresh();
    await r.fold({ url: URL, locationName: "Home", password: OLD_KEY, info: backupInfo([A, B]), readAt: t0 });
    const later = await r.fold({ url: URL, locationName: "Home", password: OLD_KEY, info: backupInfo([B]), readAt: t1 });
    assert.equal(later.deleted, 1, "a1 deleted in HA, read after");
    const untimed = await r.fold({ url: URL, locationName: "Home", password: OLD_KEY, info: backupInfo([]) });
    assert.equal(untimed.deleted, 1, "a fold without a read time is taken as current");
  });

  it("the key-change flow's own reconciliation (resolvePending) is never skipped as older news", async () => {
    const { r } = await fresh();
    await r.fold({ url: URL, locationName: "Home", password: OLD_KEY, info: backupInfo([A, B]), readAt: t1 });
    const flow = await r.fold({ url: URL, locationName: "Home", password: OLD_KEY, info: backupInfo([B]), readAt: t0 }, { resolvePending: true });
    assert.equal(flow.deleted, 1, "folded although read before the newest");
  });

  it("a stored read time ahead of this clock (the clock was put back) does not block every later read", async () => {
    const { r } = await fresh();
    const ahead = new Date(Date.now() + 365 * 86_400_000);
    await r.fold({ url: URL, locationName: "Home", password: OLD_KEY, info: backupInfo([A, B]), readAt: ahead });
    const res = await r.fold({ url: URL, locationName: "Home", password: OLD_KEY, info: backupInfo([B]), readAt: new Date() });
    assert.equal(res.deleted, 1);
  });

  it("the session keeps the newer snapshot's key: a re-key after a late, older answer uses the key HA has now", async () => {
    const { r, name } = await fresh();
    const snapshot = (password: string, backups: BackupContent[], readAt: Date) =>
      ({
        user: { id: "u", name: "Admin", is_owner: true, is_admin: true },
        core: { location_name: "Home", time_zone: "UTC", version: "2026.11.0" },
        backup: { config: { create_backup: { password } }, info: backupInfo(backups), agents: [] },
        readAt,
        readOrder: readAt.getTime(),
      }) as unknown as InstanceSnapshot;
    const session = new KeyringSession(name, () => undefined);
    try {
      await session.fold(snapshot(NEW_KEY, [A, B], t1), URL);
      await session.fold(snapshot(OLD_KEY, [A], t0), URL);
      assert.ok(session.rekeyKey() === NEW_KEY, "the current key is the newer read's");
      assert.ok(
        session.facts.copies.some((c) => c.backupId === "b2" && !c.deleted),
        "b2 still listed, not deleted",
      );
    } finally {
      session.close();
    }
    const gens = await r.generations((await r.instances())[0]!.id);
    assert.deepEqual(
      gens.map((g) => [g.number, g.status]),
      [[1, "active"]],
      "the old key was never recorded as a new generation",
    );
    assert.equal(gens[0]!.fingerprint, await r.fingerprint(NEW_KEY));
  });
});
