// The key drill's rules: what passes (the generation's own kit file, the right group typed), what
// fails and how (another generation's kit, an unknown kit, a wrong group, unreadable text), and
// when the next drill is due in the instance's own time zone.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_DRILL_MONTHS,
  addMonths,
  backupsWithUnprovenKit,
  chooseDrillGroup,
  dayInZone,
  drillStatus,
  judgeDrill,
  monthsBetween,
  olderGenerationDrills,
  startOfDayInZone,
  validDrillMonths,
  type DrillContext,
} from "../../../src/flows/drill.js";
import { fingerprintKey, newFingerprintSalt } from "../../../src/keys/fingerprint.js";
import { generateEncryptionKey } from "../../../src/keys/generate.js";
import { renderEmergencyKit } from "../../../src/kit/render.js";
import type { CopyRecord, GenerationRecord } from "../../../src/registry/model.js";

const salt = newFingerprintSalt();
const fingerprint = (key: string) => fingerprintKey(key, salt);
const keys = [generateEncryptionKey(), generateEncryptionKey(), generateEncryptionKey()];

const gen = async (number: number, key: string, extra: Partial<GenerationRecord> = {}): Promise<GenerationRecord> => ({
  id: `g${number}`,
  instanceId: "i",
  number,
  fingerprint: await fingerprint(key),
  status: number === 2 ? "active" : "retired",
  origin: "observed",
  firstSeenAt: "2026-01-01T00:00:00Z",
  activatedAt: "2026-01-01T00:00:00Z",
  lastSeenActiveAt: null,
  retiredAt: null,
  kitDownloadedAt: null,
  kitProvenAt: null,
  label: null,
  ...extra,
});

const kit = (key: string, number: number) =>
  renderEmergencyKit({
    key,
    instanceName: "Home",
    url: "http://ha.local:8123",
    date: new Date("2026-03-01T10:00:00Z"),
    language: "en",
    generation: { number, fingerprint: "ABCD-0123-4567", startedAt: "2026-01-01" },
  });

async function setup() {
  const g1 = await gen(1, keys[0]!);
  const g2 = await gen(2, keys[1]!);
  const generations = [g1, g2];
  const ctx = (key: string | null): DrillContext => ({ generations, fingerprint, key });
  return { g1, g2, generations, ctx };
}

describe("drill by kit file", () => {
  it("passes with the generation's own kit, also for an older generation without its key at hand", async () => {
    const { g1, g2, ctx } = await setup();
    assert.deepEqual(await judgeDrill(g2, { method: "file", text: kit(keys[1]!, 2) }, ctx(keys[1]!)), { result: "passed", generation: 2 });
    assert.deepEqual(await judgeDrill(g1, { method: "file", text: kit(keys[0]!, 1) }, ctx(null)), { result: "passed", generation: 1 });
    // A bare key pasted from a password manager is a kit too, and HA's own layout with Windows line ends.
    assert.deepEqual(await judgeDrill(g1, { method: "file", text: keys[0]!.toLowerCase().replace(/-/g, " ") }, ctx(null)), { result: "passed", generation: 1 });
    assert.deepEqual(await judgeDrill(g2, { method: "file", text: kit(keys[1]!, 2).replace(/\n/g, "\r\n") }, ctx(null)), { result: "passed", generation: 2 });
  });

  it("fails with a kit of another generation and names it", async () => {
    const { g1, g2, ctx } = await setup();
    assert.deepEqual(await judgeDrill(g2, { method: "file", text: kit(keys[0]!, 1) }, ctx(keys[1]!)), { result: "other_generation", generation: 1 });
    assert.deepEqual(await judgeDrill(g1, { method: "file", text: kit(keys[1]!, 2) }, ctx(null)), { result: "other_generation", generation: 2 });
  });

  it("fails with a kit whose key no generation has, and with text that is no kit", async () => {
    const { g2, ctx } = await setup();
    assert.deepEqual(await judgeDrill(g2, { method: "file", text: kit(keys[2]!, 2) }, ctx(keys[1]!)), { result: "wrong_kit" });
    assert.deepEqual(await judgeDrill(g2, { method: "file", text: "my shopping list\nmilk" }, ctx(keys[1]!)), { result: "unreadable", code: "not_a_kit" });
    assert.deepEqual(await judgeDrill(g2, { method: "file", text: "" }, ctx(keys[1]!)), { result: "unreadable", code: "empty" });
  });

  it("a legacy password passes exactly as written: its own kit, or the password alone on one line, even when it looks like a loosely typed key", async () => {
    for (const legacy of ["abcdefghijklmnopqrstuvwxyz12", "My old Password 2019"]) {
      const g3 = await gen(3, legacy);
      const ctx: DrillContext = { generations: [g3], fingerprint, key: null };
      assert.deepEqual(await judgeDrill(g3, { method: "file", text: kit(legacy, 3) }, ctx), { result: "passed", generation: 3 }, `kit of ${legacy}`);
      assert.deepEqual(await judgeDrill(g3, { method: "file", text: `${legacy}\n` }, ctx), { result: "passed", generation: 3 }, `bare ${legacy}`);
    }
    // A generated key typed loosely is still tidied in addition.
    const { g2, ctx } = await setup();
    assert.deepEqual(await judgeDrill(g2, { method: "file", text: keys[1]!.toLowerCase().replace(/-/g, "") }, ctx(null)), { result: "passed", generation: 2 });
  });

  it("a kit of another instance with the same generation number still fails (the fingerprint decides)", async () => {
    const { g2, ctx } = await setup();
    const other = generateEncryptionKey();
    assert.deepEqual(await judgeDrill(g2, { method: "file", text: kit(other, 2) }, ctx(keys[1]!)), { result: "wrong_kit" });
  });
});

describe("drill by typed group", () => {
  it("passes with the right group, typed in any case and with spaces", async () => {
    const { g2, ctx } = await setup();
    for (let group = 1; group <= 7; group++) {
      const expected = keys[1]!.split("-")[group - 1]!;
      assert.deepEqual(await judgeDrill(g2, { method: "group", group, typed: ` ${expected.slice(0, 2).toLowerCase()} ${expected.slice(2)} ` }, ctx(keys[1]!)), { result: "passed", generation: 2 });
    }
  });

  it("fails with a wrong group, the group of another position, and another generation's group", async () => {
    const { g2, ctx } = await setup();
    const groups = keys[1]!.split("-");
    const otherPos = groups.findIndex((g, i) => i > 0 && g !== groups[0]);
    assert.deepEqual(await judgeDrill(g2, { method: "group", group: 1, typed: groups[otherPos]! }, ctx(keys[1]!)), { result: "wrong_group", group: 1 });
    const otherGen = keys[0]!.split("-")[2]!;
    if (otherGen !== groups[2]) assert.deepEqual(await judgeDrill(g2, { method: "group", group: 3, typed: otherGen }, ctx(keys[1]!)), { result: "wrong_group", group: 3 });
    assert.deepEqual(await judgeDrill(g2, { method: "group", group: 3, typed: "" }, ctx(keys[1]!)), { result: "wrong_group", group: 3 });
    assert.deepEqual(await judgeDrill(g2, { method: "group", group: 3, typed: groups[2]! + "X" }, ctx(keys[1]!)), { result: "wrong_group", group: 3 });
  });

  it("is not offered without the generation's own key (an older generation, or a key that is not the target's)", async () => {
    const { g1, g2, ctx } = await setup();
    const typed = keys[0]!.split("-")[0]!;
    assert.deepEqual(await judgeDrill(g1, { method: "group", group: 1, typed }, ctx(null)), { result: "group_unavailable" });
    assert.deepEqual(await judgeDrill(g1, { method: "group", group: 1, typed: keys[1]!.split("-")[0]! }, ctx(keys[1]!)), { result: "group_unavailable" });
    assert.deepEqual(await judgeDrill(g2, { method: "group", group: 8, typed }, ctx(keys[1]!)), { result: "group_unavailable" });
  });

  it("chooses each of the 7 groups equally often (no modulo bias), rejecting bytes from 252", () => {
    const counts = new Array(8).fill(0);
    for (let byte = 0; byte < 256; byte++) {
      let calls = 0;
      const group = chooseDrillGroup(() => new Uint8Array([calls++ === 0 ? byte : 0]));
      counts[group]++;
      if (byte >= 252) assert.equal(calls, 2, "a byte from 252 up is drawn again");
    }
    // Bytes 0..251 spread 36 to each group; the 4 rejected bytes all redraw 0 → group 1.
    assert.deepEqual(counts.slice(1), [40, 36, 36, 36, 36, 36, 36]);
    const seen = new Set(Array.from({ length: 200 }, () => chooseDrillGroup()));
    assert.ok([...seen].every((g) => g >= 1 && g <= 7));
  });
});

describe("interval and due dates", () => {
  it("defaults to 6 months, accepts only the offered intervals, 0 is off", () => {
    assert.equal(DEFAULT_DRILL_MONTHS, 6);
    assert.equal(validDrillMonths(12), 12);
    assert.equal(validDrillMonths(0), 0);
    assert.equal(validDrillMonths(5), 6);
    assert.equal(validDrillMonths("3"), 6);
    assert.equal(drillStatus({ kitProvenAt: "2020-01-01T00:00:00Z" }, 0, new Date("2026-01-01T00:00:00Z")).state, "off");
    assert.equal(drillStatus({ kitProvenAt: null }, 0, new Date()).state, "off");
  });

  it("never proven is due now", () => {
    assert.equal(drillStatus({ kitProvenAt: null }, 6, new Date("2026-01-01T00:00:00Z")).state, "never");
  });

  it("is due from the start of the local day, months later, in the instance's time zone", () => {
    // 23:30 UTC on 31 Jan is already 1 Feb in Berlin and still 31 Jan in New York.
    const proven = { kitProvenAt: "2026-01-31T23:30:00Z" };
    const berlin = drillStatus(proven, 6, new Date("2026-03-01T00:00:00Z"), "Europe/Berlin");
    assert.equal(berlin.dueDay, "2026-08-01");
    assert.equal(berlin.dueAt, "2026-07-31T22:00:00.000Z", "midnight in Berlin (summer time, UTC+2)");
    const ny = drillStatus(proven, 6, new Date("2026-03-01T00:00:00Z"), "America/New_York");
    assert.equal(ny.dueDay, "2026-07-31", "31 Jan + 6 months = 31 Jul");
    assert.equal(ny.dueAt, "2026-07-31T04:00:00.000Z", "midnight in New York (EDT, UTC-4)");
    // One minute before and at the due instant.
    assert.equal(drillStatus(proven, 6, new Date("2026-07-31T21:59:00Z"), "Europe/Berlin").state, "ok");
    assert.equal(drillStatus(proven, 6, new Date("2026-07-31T22:00:00Z"), "Europe/Berlin").state, "due");
    assert.equal(drillStatus(proven, 6, new Date("2026-07-31T03:59:59Z"), "America/New_York").state, "ok");
    assert.equal(drillStatus(proven, 6, new Date("2026-07-31T04:00:00Z"), "America/New_York").state, "due");
    // East of UTC by more than a day boundary: Auckland is UTC+13 in January.
    const akl = drillStatus({ kitProvenAt: "2026-01-15T12:00:00Z" }, 1, new Date("2026-01-20T00:00:00Z"), "Pacific/Auckland");
    assert.equal(akl.dueDay, "2026-02-16");
    assert.equal(akl.dueAt, "2026-02-15T11:00:00.000Z");
    // No time zone given: UTC; an unknown name falls back to UTC instead of throwing.
    assert.equal(drillStatus(proven, 6, new Date(), undefined).dueDay, "2026-07-31");
    assert.equal(drillStatus(proven, 6, new Date(), "Mars/Olympus").dueDay, "2026-07-31");
  });

  it("clamps to the month's last day and counts whole months since the proof", () => {
    assert.deepEqual(addMonths({ y: 2026, m: 8, d: 31 }, 6), { y: 2027, m: 2, d: 28 });
    assert.deepEqual(addMonths({ y: 2027, m: 8, d: 31 }, 6), { y: 2028, m: 2, d: 29 });
    assert.deepEqual(addMonths({ y: 2026, m: 11, d: 15 }, 3), { y: 2027, m: 2, d: 15 });
    // Consistent with addMonths: 31 Jan + 1 month = 28 Feb, so that day is one whole month later.
    assert.equal(monthsBetween({ y: 2026, m: 1, d: 31 }, { y: 2026, m: 2, d: 27 }), 0);
    assert.equal(monthsBetween({ y: 2026, m: 1, d: 31 }, { y: 2026, m: 2, d: 28 }), 1);
    assert.equal(monthsBetween({ y: 2026, m: 1, d: 31 }, { y: 2026, m: 3, d: 30 }), 1);
    assert.equal(monthsBetween({ y: 2026, m: 1, d: 31 }, { y: 2026, m: 3, d: 31 }), 2);
    assert.equal(monthsBetween({ y: 2025, m: 5, d: 10 }, { y: 2026, m: 5, d: 10 }), 12);
    const s = drillStatus({ kitProvenAt: "2025-05-10T08:00:00Z" }, 6, new Date("2026-02-09T08:00:00Z"), "Europe/Berlin");
    assert.equal(s.state, "due");
    assert.equal(s.monthsSince, 8);
  });

  it("finds the start of a day across DST changes", () => {
    // Europe/Berlin switches to summer time on 29 Mar 2026 at 02:00; the day still starts at 00:00 CET.
    assert.equal(startOfDayInZone({ y: 2026, m: 3, d: 29 }, "Europe/Berlin").toISOString(), "2026-03-28T23:00:00.000Z");
    assert.equal(startOfDayInZone({ y: 2026, m: 3, d: 30 }, "Europe/Berlin").toISOString(), "2026-03-29T22:00:00.000Z");
    // America/Santiago changes at midnight (00:00 does not exist on the day summer time starts).
    const santiago = startOfDayInZone({ y: 2026, m: 9, d: 6 }, "America/Santiago");
    assert.deepEqual(dayInZone(santiago, "America/Santiago"), { y: 2026, m: 9, d: 6 });
    assert.deepEqual(dayInZone(new Date(santiago.getTime() - 1), "America/Santiago"), { y: 2026, m: 9, d: 5 });
  });
});

describe("which generations need a drill", () => {
  const copy = (backupId: string, agentId: string, generationId: string | null, extra: Partial<CopyRecord> = {}): CopyRecord => ({
    instanceId: "i",
    backupId,
    agentId,
    name: backupId,
    date: "2026-02-01T00:00:00Z",
    size: 1,
    protected: true,
    generationId,
    confidence: "inferred",
    lastCheck: null,
    deleted: false,
    deletedAt: null,
    mismatch: false,
    ...extra,
  });

  it("older generations whose backups still exist, counted per backup", async () => {
    const g1 = await gen(1, keys[0]!, { status: "retired", kitProvenAt: "2026-01-02T00:00:00Z" });
    const g2 = await gen(2, keys[1]!, { status: "active" });
    const g3 = await gen(3, keys[2]!, { status: "retired" });
    const copies = [
      copy("a", "backup.local", "g1"),
      copy("a", "hassio.nas", "g1"),
      copy("b", "backup.local", "g1"),
      copy("c", "backup.local", "g3", { deleted: true }),
      copy("d", "backup.local", "g2"),
      copy("e", "backup.local", null),
      copy("f", "backup.local", "g3", { protected: false }),
    ];
    assert.deepEqual(
      olderGenerationDrills([g3, g2, g1], copies).map((d) => [d.generation.number, d.backups]),
      [[1, 2]],
    );
    assert.deepEqual(backupsWithUnprovenKit([g1, g2, g3], copies), { backups: 1, guessed: 1 }, "only d: g2 never proven; g3's copies are deleted or unencrypted; d is known by date only");
    assert.deepEqual(backupsWithUnprovenKit([g1, g2, g3], [...copies, copy("d", "hassio.nas", "g2", { confidence: "verified" })]), { backups: 1, guessed: 0 }, "one proven copy makes d known");
  });

  it("a backup only dated into an older generation's period is counted as a guess", async () => {
    const g1 = await gen(1, keys[0]!, { status: "retired" });
    const g2 = await gen(2, keys[1]!, { status: "active" });
    const copies = [
      // a: proven by a check on one location, dated on the other: a fact.
      copy("a", "backup.local", "g1", { confidence: "verified" }),
      copy("a", "hassio.nas", "g1"),
      // b: made while the key was seen in use: a fact too.
      copy("b", "backup.local", "g1", { confidence: "observed" }),
      // c, d: only by date.
      copy("c", "backup.local", "g1"),
      copy("d", "backup.local", "g1"),
      copy("d", "hassio.nas", "g1"),
    ];
    assert.deepEqual(
      olderGenerationDrills([g1, g2], copies).map((d) => [d.generation.number, d.backups, d.guessed]),
      [[1, 4, 2]],
    );
  });
});
