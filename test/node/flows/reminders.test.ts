// Reminders appear in HA's notifications (the simulated HA keeps them) and go away when resolved.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import { localizeEnglish } from "../../../src/common/localize-english.js";
import { DEFAULT_REMINDER_SETTINGS, REMINDER_SETTINGS_HA_KEY, loadReminderSettings, saveReminderSettings, syncReminders, wantedReminders, type Reminder } from "../../../src/flows/reminders.js";
import type { CopyRecord, GenerationRecord } from "../../../src/registry/model.js";
import { Registry } from "../../../src/registry/registry.js";
import { verifyOnline } from "../../../src/registry/verify.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { connectHA } from "../../support/ha-client.js";

let sim: SimHandle;
let conn: Connection;
let registry: Registry;
before(async () => {
  sim = await startSimulatedHA({ port: 0, backups: 5, now: new Date(Date.now() - 10 * 86_400_000).toISOString() });
  conn = await connectHA(sim.url, sim.adminToken);
  registry = await Registry.open(`reminders-${process.pid}`);
});
after(async () => {
  registry.close();
  conn.close();
  await sim.close();
});

// Each test starts with HA's notification area empty, whatever ran before it.
beforeEach(async () => {
  for (const n of await notifications())
    await conn.sendMessagePromise({ type: "call_service", domain: "persistent_notification", service: "dismiss", service_data: { notification_id: n.notification_id } });
});

const notifications = async () => ((await sim.control({ type: "get_state" })) as { notifications: { notification_id: string; message: string }[] }).notifications;

async function facts() {
  const r = await registry.reconcile(conn, sim.url);
  const active = (await registry.generations(r.instanceId)).find((g) => g.status === "active") ?? null;
  return { instanceId: r.instanceId, active, copies: await registry.copies(r.instanceId), now: new Date() };
}

test("kit not proven and newest backup unverified: two notifications, dismissed once resolved", async () => {
  let f = await facts();
  let wanted = wantedReminders(f, DEFAULT_REMINDER_SETTINGS, localizeEnglish);
  assert.deepEqual(wanted.map((w) => w.id).sort(), ["backup_keyring_backup_unverified", "backup_keyring_kit_not_proven"]);
  let shown = await syncReminders(conn, wanted, []);
  assert.deepEqual((await notifications()).map((n) => n.notification_id).sort(), [...shown].sort());
  assert.ok(!(await notifications()).some((n) => /[A-Z0-9]{4}-[A-Z0-9]{4}-/.test(n.message)), "no key in a notification");

  await registry.markKit(f.instanceId, f.active!.id, "proven");
  const keys = (await sim.control({ type: "demo_keys" })) as string[];
  await verifyOnline(registry, conn, f.instanceId, [keys[2]!], { pauseMs: 0 });
  f = await facts();
  wanted = wantedReminders(f, DEFAULT_REMINDER_SETTINGS, localizeEnglish);
  assert.deepEqual(wanted, []);
  shown = await syncReminders(conn, wanted, shown);
  assert.deepEqual(shown, []);
  assert.deepEqual(await notifications(), [], "both dismissed");
});

test("turned off: nothing is created, and what was shown is dismissed", async () => {
  const f = await facts();
  // Only the kit reminder, whatever the registry holds: kit not proven, no backups.
  const stale = { ...f, active: f.active ? { ...f.active, kitProvenAt: null } : null, copies: [] };
  const shown = await syncReminders(conn, wantedReminders(stale, DEFAULT_REMINDER_SETTINGS, localizeEnglish), []);
  assert.equal((await notifications()).length, 1);
  await syncReminders(conn, wantedReminders(stale, { ...DEFAULT_REMINDER_SETTINGS, enabled: false }, localizeEnglish), shown);
  assert.deepEqual(await notifications(), []);
});

test("an older backup verified does not silence the reminder for the newest, unverified one", () => {
  const now = new Date("2026-11-27T12:00:00Z");
  // Kit proven two months ago: no drill is due (6 months by default), only the backup reminder counts.
  const active: GenerationRecord = {
    id: "g1",
    instanceId: "i",
    number: 1,
    fingerprint: "f",
    status: "active",
    origin: "flow",
    firstSeenAt: "2026-01-01T00:00:00Z",
    activatedAt: "2026-01-01T00:00:00Z",
    lastSeenActiveAt: null,
    retiredAt: null,
    kitDownloadedAt: null,
    kitProvenAt: "2026-10-02T00:00:00Z",
    label: null,
  };
  const copy = (backupId: string, name: string, date: string, lastCheck: CopyRecord["lastCheck"]): CopyRecord => ({
    instanceId: "i",
    backupId,
    agentId: "hassio.local",
    name,
    date,
    size: 1,
    protected: true,
    generationId: "g1",
    confidence: "inferred",
    lastCheck,
    deleted: false,
    deletedAt: null,
    mismatch: false,
  });
  const older = copy("old", "Older backup", "2026-11-01T03:00:00Z", { result: "ok", at: "2026-11-02T00:00:00Z" });
  const newest = copy("new", "Newest backup", "2026-11-15T03:00:00Z", null);
  const wanted = wantedReminders({ active, copies: [older, newest], now }, DEFAULT_REMINDER_SETTINGS, localizeEnglish);
  assert.deepEqual(
    wanted.map((w) => w.id),
    ["backup_keyring_backup_unverified"],
  );
  assert.match(wanted[0]!.message, /Newest backup/);
  // Verifying the newest one (one copy is enough) clears it.
  const verified = { ...newest, agentId: "hassio.nas", lastCheck: { result: "ok" as const, at: "2026-11-16T00:00:00Z" } };
  assert.deepEqual(wantedReminders({ active, copies: [older, newest, verified], now }, DEFAULT_REMINDER_SETTINGS, localizeEnglish), []);
});

/** Two reminders as another browser words them (what they say does not matter here). */
const posted: Reminder[] = [
  { id: "backup_keyring_kit_drill", title: "Kit drill", message: "Kit not proven for 7 months." },
  { id: "backup_keyring_backup_unverified", title: "Unverified", message: "The newest backup was not checked." },
];

test("a reminder another browser posted is dismissed here once its reason is gone; HA's other notifications stay", async () => {
  // The computer posted them; the phone's browser never did (its own `shown` is empty).
  await syncReminders(conn, posted, []);
  assert.equal((await notifications()).length, 2);
  await conn.sendMessagePromise({ type: "call_service", domain: "persistent_notification", service: "create", service_data: { notification_id: "someone_else", message: "Not ours" } });
  // Core's shape for persistent_notification/get (any user).
  const listed = await conn.sendMessagePromise<Record<string, unknown>[]>({ type: "persistent_notification/get" });
  assert.deepEqual(Object.keys(listed[0]!).sort(), ["created_at", "message", "notification_id", "title"]);
  // On the phone the reasons are gone (a drill passed, the backup checked there).
  assert.deepEqual(await syncReminders(conn, [], []), []);
  assert.deepEqual(
    (await notifications()).map((n) => n.notification_id),
    ["someone_else"],
    "ours dismissed, the other left alone",
  );
});

test("an HA that cannot list its notifications: the unwanted reminders of ours are dismissed all the same", async () => {
  await syncReminders(conn, posted, []);
  await sim.control({ type: "fault", fail: { command: "persistent_notification/get", times: 1 } });
  await syncReminders(conn, [], []);
  assert.deepEqual(await notifications(), []);
});

test("the drill interval follows the HA user to every device; this browser's copy serves when HA cannot say", async () => {
  const phone = await Registry.open(`reminders-phone-${process.pid}`);
  try {
    await saveReminderSettings(registry, { ...DEFAULT_REMINDER_SETTINGS, drillMonths: 12 }, conn);
    assert.equal((await loadReminderSettings(phone, conn)).drillMonths, 12, "the phone drills on the computer's schedule");
    assert.equal((await loadReminderSettings(phone)).drillMonths, 12, "and keeps it for an offline start");
    // HA without the frontend storage commands: this browser's own copy.
    await sim.control({ type: "fault", fail: { command: "frontend/get_user_data", times: 1 } });
    await phone.setMeta("reminders", { ...DEFAULT_REMINDER_SETTINGS, drillMonths: 3 });
    assert.equal((await loadReminderSettings(phone, conn)).drillMonths, 3);
    // Whatever HA holds under the key is made valid (an interval not offered is the default).
    await conn.sendMessagePromise({ type: "frontend/set_user_data", key: REMINDER_SETTINGS_HA_KEY, value: { drillMonths: 7, enabled: "yes", extra: 1 } });
    assert.deepEqual(await loadReminderSettings(phone, conn), DEFAULT_REMINDER_SETTINGS);
  } finally {
    phone.close();
    // Later tests start from the defaults again, here and in HA.
    await registry.setMeta("reminders", null);
    await conn.sendMessagePromise({ type: "frontend/set_user_data", key: REMINDER_SETTINGS_HA_KEY, value: null });
  }
});
