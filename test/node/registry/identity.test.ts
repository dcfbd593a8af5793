// Which instance a listing belongs to (identity.ts), with HA's own marks: core reports
// `with_automatic_settings` as true/false only for this instance's backups, null for others'.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { BackupContent, BackupInfo } from "../../../src/data/backup.js";
import type { InstanceSnapshot } from "../../../src/data/instance.js";
import { Registry } from "../../../src/registry/registry.js";
import { KeyringSession } from "../../../src/ui/keyring-session.js";
import { backupInfo, listedBackup, type Maker } from "../../support/listing.js";

const OWN = "0".repeat(31) + "1";
const FOREIGN = "f".repeat(32);
const KEY = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG";
let n = 0;
const open: Registry[] = [];
after(() => open.forEach((r) => r.close()));
const fresh = async () => {
  const r = await Registry.open(`identity-${process.pid}-${++n}`);
  open.push(r);
  return r;
};

const backup = (id: string, date: string, who: Maker): BackupContent =>
  listedBackup({ id, date, who, agents: { "hassio.local": { protected: true, size: 100 }, "hassio.nas": { protected: true, size: 100 } }, ownId: OWN, foreignId: FOREIGN });

const info = (backups: BackupContent[]): BackupInfo => backupInfo(backups);

const HOME = "http://homeassistant.local:8123";
const AWAY = "https://example.ui.nabu.casa";

describe("instance identity", () => {
  it("a registry written by the earlier rule (the instance kept under a foreign backup's id) is corrected in place, not split", async () => {
    const reg = await fresh();
    const listed = info([backup("f1", "2026-01-01T00:00:00+00:00", "foreign"), backup("o1", "2026-01-02T00:00:00+00:00", "automatic")]);
    const first = await reg.fold({ url: HOME, locationName: "Home", password: KEY, info: listed });
    // What the earlier code stored: the first listed backup's instance_id, a foreign one.
    const stored = (await reg.instances())[0]!;
    await reg.db.put("instances", { ...stored, haInstanceId: FOREIGN });
    const again = await reg.fold({ url: HOME, locationName: "Home", password: KEY, info: listed });
    assert.equal(again.instanceId, first.instanceId, "the same records");
    const instances = await reg.instances();
    assert.deepEqual(
      instances.map((i) => i.haInstanceId),
      [OWN],
      "one instance, under its own id",
    );
    assert.deepEqual(
      (await reg.generations(first.instanceId)).map((g) => g.number),
      [1],
      "no second generation 1",
    );
    assert.equal(again.changedElsewhere, false);
  });

  it("another HA that once used the same address and name (none of its backups are ours) stays apart", async () => {
    const reg = await fresh();
    await reg.fold({ url: HOME, locationName: "Home", password: KEY, info: info([backup("f1", "2026-01-01T00:00:00+00:00", "foreign")]) });
    const old = (await reg.instances())[0]!;
    await reg.db.put("instances", { ...old, haInstanceId: FOREIGN });
    const now = await reg.fold({ url: HOME, locationName: "Home", password: "ZZZZ-YYYY-XXXX-WWWW-VVVV-UUUU-TTTT", info: info([backup("o9", "2026-03-01T00:00:00+00:00", "automatic")]) });
    assert.notEqual(now.instanceId, old.id);
    assert.equal((await reg.instances()).length, 2);
  });

  it("only manual backups listed: the instance is still known by its own id from any URL", async () => {
    const reg = await fresh();
    const home = await reg.fold({ url: HOME, locationName: "Home", password: KEY, info: info([backup("m1", "2026-01-01T00:00:00+00:00", "manual")]) });
    assert.equal((await reg.instances())[0]!.haInstanceId, OWN, "a manual backup is this instance's too");
    const away = await reg.fold({ url: AWAY, locationName: "Home", password: KEY, info: info([backup("m1", "2026-01-01T00:00:00+00:00", "manual")]) });
    assert.equal(away.instanceId, home.instanceId);
  });

  it("no backup of its own listed, reached from another URL: the same name with the same key is the same instance", async () => {
    const reg = await fresh();
    const home = await reg.fold({ url: HOME, locationName: "Home", password: KEY, info: info([]) });
    const away = await reg.fold({ url: AWAY, locationName: "Home", password: KEY, info: info([backup("f1", "2026-01-01T00:00:00+00:00", "foreign")]) });
    assert.equal(away.instanceId, home.instanceId, "a phone away from home is no second instance");
    // Its own backups appear later: their id is recorded on the same instance.
    const later = await reg.fold({ url: HOME, locationName: "Home", password: KEY, info: info([backup("o1", "2026-02-01T00:00:00+00:00", "automatic")]) });
    assert.equal(later.instanceId, home.instanceId);
    assert.deepEqual(
      (await reg.instances()).map((i) => i.haInstanceId),
      [OWN],
    );
    // Another HA with the same name but another key, from another address: another instance.
    const other = await reg.fold({ url: "http://10.0.0.9:8123", locationName: "Home", password: "QQQQ-RRRR-SSSS-TTTT-UUUU-VVVV-WWWW", info: info([]) });
    assert.notEqual(other.instanceId, home.instanceId);
  });

  it("the panel's first paint uses the same rule: a foreign backup listed first does not pick another instance", async () => {
    const name = `identity-session-${process.pid}`;
    const reg = await Registry.open(name);
    try {
      // This browser knows both instances: ours and the one whose backups share our NAS.
      await reg.fold({
        url: "http://other.local:8123",
        locationName: "Cabin",
        password: "QQQQ-RRRR-SSSS-TTTT-UUUU-VVVV-WWWW",
        info: info([{ ...backup("x1", "2026-01-01T00:00:00+00:00", "automatic"), extra_metadata: { instance_id: FOREIGN, with_automatic_settings: true } }]),
      });
      const ours = await reg.fold({ url: HOME, locationName: "Home", password: KEY, info: info([backup("o1", "2026-01-02T00:00:00+00:00", "automatic")]) });
      assert.equal((await reg.instances()).length, 2);
      const listing = info([backup("x1", "2026-01-01T00:00:00+00:00", "foreign"), backup("o1", "2026-01-02T00:00:00+00:00", "automatic")]);
      const snapshot = {
        user: { id: "u", name: "Admin", is_owner: true, is_admin: true },
        core: { location_name: "Home", time_zone: "UTC", version: "2026.11.0" },
        backup: { config: { create_backup: { password: KEY } }, info: listing, agents: [] },
      } as unknown as InstanceSnapshot;
      const session = new KeyringSession(name, () => undefined);
      try {
        await session.showStored(snapshot, AWAY);
        assert.equal(session.facts.instance?.id, ours.instanceId, "paints this instance, not the one the first backup came from");
      } finally {
        session.close();
      }
    } finally {
      reg.close();
    }
  });
});
