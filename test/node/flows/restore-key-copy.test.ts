// The restore guidance's copy button: a retired generation's key can be copied only while this
// session holds it, here from the opt-in vault once unlocked (never while it is locked).
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { it } from "node:test";
import type { BackupContent } from "../../../src/data/backup.js";
import type { InstanceSnapshot } from "../../../src/data/instance.js";
import { KeyringSession } from "../../../src/ui/keyring-session.js";
import { backupInfo, listedBackup } from "../../support/listing.js";

const OLD_KEY = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG";
const NEW_KEY = "HHHH-JJJJ-KKKK-LLLL-MMMM-NNNN-PPPP";
const PASSPHRASE = "correct horse battery staple, twice";
const URL = "http://homeassistant.local:8123";
const backup = (id: string, date: string): BackupContent =>
  listedBackup({ id, date, who: "automatic", agents: { "hassio.local": { protected: true, size: 100 } }, ownId: "0".repeat(31) + "9", foreignId: "f".repeat(32) });
let reads = 0;
const snapshot = (password: string, backups: BackupContent[]) =>
  ({
    user: { id: "u", name: "Admin", is_owner: true, is_admin: true },
    core: { location_name: "Home", time_zone: "UTC", version: "2026.11.0" },
    backup: { config: { create_backup: { password } }, info: backupInfo(backups), agents: [] },
    readAt: new Date(Date.now() - 60_000 + reads * 1000),
    readOrder: reads++,
  }) as unknown as InstanceSnapshot;

it("a retired generation's key is copyable from the unlocked vault, not while it is locked or with nothing stored", async () => {
  const session = new KeyringSession(`restore-copy-${process.pid}`, () => undefined);
  try {
    await session.fold(snapshot(OLD_KEY, [backup("a1", "2026-10-01T03:00:00+00:00")]), URL);
    const first = session.facts.active!;
    await session.createVault(PASSPHRASE);
    await session.storeCurrentKey();
    // The key changed in HA: generation 1 is retired, HA no longer has its key.
    await session.fold(snapshot(NEW_KEY, [backup("a1", "2026-10-01T03:00:00+00:00"), backup("b2", "2026-12-01T03:00:00+00:00")]), URL);
    const older = session.facts.generations.find((g) => g.id === first.id)!;
    assert.equal(older.status, "retired");
    assert.ok((await session.keyFor(older.id)) === OLD_KEY, "copied from the unlocked vault");
    const vault = await session.vault();
    vault.lock();
    assert.equal(await session.canCopyKey(older.id), false, "locked: no copy button");
    assert.ok((await session.keyFor(older.id)) === null, "locked: no key");
    await vault.unlock(PASSPHRASE);
    assert.equal(await session.canCopyKey(older.id), true, "unlocked again");
    // The current generation's key is HA's own; one never stored stays uncopyable.
    assert.ok((await session.keyFor(session.facts.active!.id)) === NEW_KEY);
    await session.fold(snapshot("QQQQ-RRRR-SSSS-TTTT-UUUU-VVVV-WWWW", [backup("b2", "2026-12-01T03:00:00+00:00")]), URL);
    const second = session.facts.generations.find((g) => g.number === 2)!;
    assert.equal(await session.canCopyKey(second.id), false, "never stored in the vault, no kit loaded");
  } finally {
    session.close();
  }
});
