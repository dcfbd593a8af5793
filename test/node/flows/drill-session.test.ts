// The kit drill end to end against the simulated HA: a due drill posts "kit not proven for N
// months" with a link to the drill; wrong answers change nothing and leave no trace; a pass
// records the date and the reminder is dismissed. Nothing about the key is stored or logged.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { localizeEnglish } from "../../../src/common/localize-english.js";
import { loadInstance } from "../../../src/data/instance.js";
import { applyReminders, saveReminderSettings, DEFAULT_REMINDER_SETTINGS } from "../../../src/flows/reminders.js";
import { generateEncryptionKey } from "../../../src/keys/generate.js";
import { renderEmergencyKit } from "../../../src/kit/render.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { KeyringSession } from "../../../src/ui/keyring-session.js";
import { connectHA } from "../../support/ha-client.js";

let sim: SimHandle;
let conn: Connection;
before(async () => {
  sim = await startSimulatedHA({ port: 0, backups: 6, now: "2026-11-27T12:00:00Z" });
  conn = await connectHA(sim.url, sim.adminToken);
});
after(async () => {
  conn.close();
  await sim.close();
});

const notifications = async () => ((await sim.control({ type: "get_state" })) as { notifications: { notification_id: string; title: string; message: string }[] }).notifications;

/** Everything in the registry's IndexedDB, as text. */
async function dumpRegistry(session: KeyringSession): Promise<string> {
  const db = (await session.openRegistry()).db;
  const out: unknown[] = [];
  for (const name of db.objectStoreNames) out.push(await db.getAll(name as never));
  return JSON.stringify(out, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v));
}

test("a due drill posts a reminder with a link; wrong answers change nothing; a pass records the date and dismisses it", async () => {
  const session = new KeyringSession(`drill-${process.pid}`, () => undefined);
  const logged: string[] = [];
  const original = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  for (const level of Object.keys(original) as (keyof typeof original)[]) console[level] = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
  try {
    const snapshot = await loadInstance(conn);
    const key = snapshot.backup!.config.create_backup.password!;
    await session.fold(snapshot, sim.url);
    const registry = await session.openRegistry();
    const active = session.facts.active!;
    // The kit was proven 7 months ago (in Berlin: 2026-04-20 is the local day).
    await registry.db.put("generations", { ...active, kitProvenAt: "2026-04-20T10:00:00Z" });
    await session.refresh();
    const now = new Date("2026-11-27T12:00:00Z");
    await saveReminderSettings(registry, { ...DEFAULT_REMINDER_SETTINGS, maxDaysUnverified: 365 });
    const facts = () => ({ active: session.facts.active, copies: session.facts.copies, now, timeZone: "Europe/Berlin" });

    await applyReminders(registry, conn, facts(), localizeEnglish);
    let shown = await notifications();
    const drill = shown.find((n) => n.notification_id === "backup_keyring_kit_drill");
    assert.ok(drill, "the drill reminder is in HA's notifications");
    assert.match(drill.message, /7 months/);
    assert.match(drill.message, /\]\(\/backup-keyring\/drill\)/, "a markdown link to the drill");
    assert.ok(!shown.some((n) => n.message.includes(key)), "no key in a notification");

    // Wrong answers: another key's kit, a wrong group, text that is no kit.
    const groups = key.split("-");
    const wrongGroup = groups[0] === "Q7Q7" ? "Z7Z7" : "Q7Q7";
    const otherKey = generateEncryptionKey();
    const kit = (k: string) => renderEmergencyKit({ key: k, instanceName: "Home", url: sim.url, date: now, language: "en" });
    assert.deepEqual(await session.drill(active.id, { method: "file", text: kit(otherKey) }), { result: "wrong_kit" });
    assert.deepEqual(await session.drill(active.id, { method: "group", group: 1, typed: wrongGroup }), { result: "wrong_group", group: 1 });
    assert.deepEqual(await session.drill(active.id, { method: "file", text: "not a kit\nat all" }), { result: "unreadable", code: "not_a_kit" });
    // One line is read as a legacy password (as "Load an old kit or key" reads it): no generation's.
    assert.deepEqual(await session.drill(active.id, { method: "file", text: "not a kit" }), { result: "wrong_kit" });
    assert.equal(session.facts.active!.kitProvenAt, "2026-04-20T10:00:00Z", "a failed drill records nothing");
    const afterFailures = await dumpRegistry(session);
    assert.ok(!afterFailures.includes(wrongGroup), "a wrong group is not stored");
    assert.ok(!afterFailures.includes(otherKey), "a wrong kit's key is not stored");
    await applyReminders(registry, conn, facts(), localizeEnglish);
    assert.ok(
      (await notifications()).some((n) => n.notification_id === "backup_keyring_kit_drill"),
      "still due after failures",
    );

    // Pass by typing a group of HA's current key.
    assert.deepEqual(await session.drill(active.id, { method: "group", group: 4, typed: groups[3]!.toLowerCase() }), { result: "passed", generation: active.number });
    const proven = session.facts.active!.kitProvenAt!;
    assert.ok(proven > "2026-04-20T10:00:00Z", "kit proven now");
    assert.ok(session.facts.journal.some((j) => j.type === "kit_proven" && j.params.generation === active.number));
    await applyReminders(registry, conn, { ...facts(), now: new Date(proven) }, localizeEnglish);
    shown = await notifications();
    assert.ok(!shown.some((n) => n.notification_id === "backup_keyring_kit_drill"), "dismissed once the drill passed");

    // Pass by loading the kit file, too.
    assert.deepEqual(await session.drill(active.id, { method: "file", text: kit(key) }), { result: "passed", generation: active.number });

    const stored = await dumpRegistry(session);
    assert.ok(!stored.includes(key), "the key is not stored");
    assert.ok(!stored.includes(key.replace(/-/g, "")), "not even without dashes");
    assert.ok(!logged.some((l) => l.includes(key) || l.includes(groups[3]!) || l.includes(wrongGroup)), "nothing about the key is logged");
  } finally {
    Object.assign(console, original);
    session.close();
  }
});

test("the drill's message grows with the months: the notification is replaced, not duplicated", async () => {
  const session = new KeyringSession(`drill-months-${process.pid}`, () => undefined);
  try {
    await session.fold(await loadInstance(conn), sim.url);
    const registry = await session.openRegistry();
    await registry.db.put("generations", { ...session.facts.active!, kitProvenAt: "2026-01-10T10:00:00Z" });
    await session.refresh();
    const facts = (now: string) => ({ active: session.facts.active, copies: session.facts.copies, now: new Date(now), timeZone: "UTC" });
    await applyReminders(registry, conn, facts("2026-07-11T00:00:00Z"), localizeEnglish);
    assert.match((await notifications()).find((n) => n.notification_id === "backup_keyring_kit_drill")!.message, /6 months/);
    await applyReminders(registry, conn, facts("2026-08-11T00:00:00Z"), localizeEnglish);
    const drills = (await notifications()).filter((n) => n.notification_id === "backup_keyring_kit_drill");
    assert.equal(drills.length, 1);
    assert.match(drills[0]!.message, /7 months/);
    // Drills turned off: the reminder goes away.
    await saveReminderSettings(registry, { ...DEFAULT_REMINDER_SETTINGS, drillMonths: 0 });
    await applyReminders(registry, conn, facts("2026-08-11T00:00:00Z"), localizeEnglish);
    assert.ok(!(await notifications()).some((n) => n.notification_id === "backup_keyring_kit_drill"));
  } finally {
    session.close();
  }
});

test("a drill passed in another browser counts here after an import (the later proof wins)", async () => {
  const { exportRegistry, importRegistry } = await import("../../../src/registry/exchange.js");
  const a = new KeyringSession(`drill-a-${process.pid}`, () => undefined);
  const b = new KeyringSession(`drill-b-${process.pid}`, () => undefined);
  try {
    const snapshot = await loadInstance(conn);
    const key = snapshot.backup!.config.create_backup.password!;
    await a.fold(snapshot, sim.url);
    const ra = await a.openRegistry();
    await ra.db.put("generations", { ...a.facts.active!, kitProvenAt: "2026-01-01T00:00:00Z" });
    const rb = await b.openRegistry();
    await importRegistry(rb, await exportRegistry(ra));
    const id = a.facts.active!.id;
    assert.equal((await rb.db.get("generations", id))!.kitProvenAt, "2026-01-01T00:00:00Z");
    await a.refresh();
    assert.equal((await a.drill(id, { method: "file", text: key })).result, "passed");
    const proven = (await ra.db.get("generations", id))!.kitProvenAt!;
    await importRegistry(rb, await exportRegistry(ra));
    assert.equal((await rb.db.get("generations", id))!.kitProvenAt, proven);
    // An older proof from elsewhere does not turn the clock back.
    await ra.db.put("generations", { ...(await ra.db.get("generations", id))!, kitProvenAt: "2025-06-01T00:00:00Z" });
    await importRegistry(rb, await exportRegistry(ra));
    assert.equal((await rb.db.get("generations", id))!.kitProvenAt, proven);
  } finally {
    a.close();
    b.close();
  }
});
