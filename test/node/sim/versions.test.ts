// The simulated HA answers as each core version did (src/data/ha-version.ts holds the table the
// client uses too). Each test names the core file and function, or the PR, it follows.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import type { BackupConfig, ManagerStateEvent } from "../../../src/data/backup.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { tarMembers } from "../../../src/sim/tar-members.js";
import { closeAfterTest, closeOpened, connectHA, errorOf, rawSocket } from "../../support/ha-client.js";

afterEach(closeOpened);

async function simAt(haVersion: string, backups = 2): Promise<{ s: SimHandle; c: Connection }> {
  const s = closeAfterTest(await startSimulatedHA({ port: 0, backups, haVersion, stageDelayMs: 1, now: "2026-11-27T12:00:00Z" }));
  const c = closeAfterTest(await connectHA(s.url, s.adminToken));
  return { s, c };
}

/** Events of one operation on a raw socket (subscribed first), up to idle. */
async function rawEvents(s: SimHandle, command: Record<string, unknown>): Promise<{ events: ManagerStateEvent[]; result: unknown }> {
  const raw = closeAfterTest(await rawSocket(s.url, s.adminToken));
  raw.send({ id: 1, type: "backup/subscribe_events" });
  await raw.next();
  await raw.next();
  raw.send({ id: 2, ...command });
  const events: ManagerStateEvent[] = [];
  let result: unknown;
  let answered = false;
  let idle = false;
  // A refused backup sends its failed and idle events before the error result.
  while (!answered || !idle) {
    const f = (await raw.next()) as { id: number; type: string; event?: ManagerStateEvent; success?: boolean; result?: unknown; error?: unknown };
    if (f.type === "result") {
      result = f.success ? f.result : f.error;
      answered = true;
    } else if (f.event) {
      events.push(f.event);
      idle = f.event.manager_state === "idle";
    }
  }
  return { events, result };
}

describe("HA 2025.1 (the first release with the new backup API)", () => {
  it("backup/info: four keys; backups with agent_ids and one protected/size, no extra_metadata", async () => {
    // 2025.1 websocket.py handle_info; manager.py ManagerBackup(AgentBackup) with agent_ids;
    // models.py AgentBackup.as_frontend_json leaves out extra_metadata. The agents map came with PR #136622 (2025.2).
    const { c } = await simAt("2025.1.4");
    const info = await c.sendMessagePromise<Record<string, unknown>>({ type: "backup/info" });
    assert.deepEqual(Object.keys(info).sort(), ["agent_errors", "backups", "last_attempted_automatic_backup", "last_completed_automatic_backup"]);
    for (const b of info.backups as Record<string, unknown>[]) {
      assert.deepEqual(Object.keys(b).sort(), [
        "addons",
        "agent_ids",
        "backup_id",
        "database_included",
        "date",
        "failed_agent_ids",
        "folders",
        "homeassistant_included",
        "homeassistant_version",
        "name",
        "protected",
        "size",
        "with_automatic_settings",
      ]);
      assert.ok(Array.isArray(b.agent_ids) && (b.agent_ids as string[]).includes("hassio.local"));
    }
    const details = await c.sendMessagePromise<{ backup: Record<string, unknown> }>({ type: "backup/details", backup_id: (info.backups as { backup_id: string }[])[0]!.backup_id });
    assert.ok("agent_ids" in details.backup && !("agents" in details.backup));
  });

  it("backup/agents/info lists agent ids only; backup/config/info has 2025.1's keys and schedule {state}", async () => {
    // 2025.1 websocket.py backup_agents_info: {"agent_id": agent_id}; config.py BackupConfigData.to_dict.
    const { c } = await simAt("2025.1.4");
    const agents = (await c.sendMessagePromise<{ agents: Record<string, unknown>[] }>({ type: "backup/agents/info" })).agents;
    assert.ok(agents.every((a) => Object.keys(a).join() === "agent_id"));
    const { config } = await c.sendMessagePromise<{ config: Record<string, unknown> }>({ type: "backup/config/info" });
    assert.deepEqual(Object.keys(config).sort(), ["create_backup", "last_attempted_automatic_backup", "last_completed_automatic_backup", "retention", "schedule"]);
    assert.deepEqual(config.schedule, { state: "daily" });
  });

  it("backup/config/update takes the schedule as one ScheduleState and retention as any int", async () => {
    // 2025.1 handle_config_update: schedule vol.All(str, vol.Coerce(ScheduleState)); retention vol.Any(int, None).
    const { c } = await simAt("2025.1.4");
    await c.sendMessagePromise({ type: "backup/config/update", schedule: "mon", retention: { copies: 0 } });
    const { config } = await c.sendMessagePromise<{ config: { schedule: unknown; retention: unknown } }>({ type: "backup/config/info" });
    assert.deepEqual(config.schedule, { state: "mon" });
    assert.deepEqual(config.retention, { copies: 0, days: null });
    let e = await errorOf(c.sendMessagePromise({ type: "backup/config/update", schedule: { recurrence: "daily" } }));
    assert.equal(e.code, "invalid_format");
    e = await errorOf(c.sendMessagePromise({ type: "backup/config/update", schedule: "hourly" }));
    assert.equal(e.message, "expected ScheduleState for dictionary value @ data['schedule']. Got 'hourly'");
    e = await errorOf(c.sendMessagePromise({ type: "backup/config/update", agents: { "hassio.nas": { protected: true } } }));
    assert.equal(e.message, "extra keys not allowed @ data['agents']. Got {'hassio.nas': {'protected': True}}", "no per-location settings yet");
  });

  it("backup/generate refuses unknown locations (Invalid agents selected) and sends events without reason", async () => {
    // 2025.1 manager.py _async_create_backup: `Invalid agents selected: {invalid_agents}`; the event
    // `reason` came with PR #136697 (2025.2); core issue #134614 shows the message on 2025.1.0.
    const { s, c } = await simAt("2025.1.4");
    const { events, result } = await rawEvents(s, { type: "backup/generate", agent_ids: ["hassio.local", "hassio.gone"], name: "x", password: "p" });
    assert.deepEqual(result, { code: "home_assistant_error", message: "Invalid agents selected: ['hassio.gone']" });
    assert.deepEqual(events, [{ manager_state: "create_backup", stage: null, state: "in_progress" }, { manager_state: "create_backup", stage: null, state: "failed" }, { manager_state: "idle" }]);
    assert.deepEqual((await rawEvents(s, { type: "backup/generate", agent_ids: [] })).result, { code: "home_assistant_error", message: "At least one agent must be selected" });
    // name and password were plain `str` (no None).
    assert.equal((await errorOf(c.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.local"], name: null }))).code, "invalid_format");
    const ok = await rawEvents(s, { type: "backup/generate", agent_ids: ["hassio.local"], name: "Fine", password: "p" });
    assert.deepEqual(ok.events.at(-2), { manager_state: "create_backup", stage: null, state: "completed" });
  });
});

describe("frontend/subscribe_user_data (core PR #144724, HA 2025.6)", () => {
  it("is unknown_command before 2025.6; get and set work there", async () => {
    for (const [haVersion, known] of [
      ["2025.5.3", false],
      ["2025.6.0", true],
    ] as const) {
      const { s } = await simAt(haVersion, 1);
      const raw = closeAfterTest(await rawSocket(s.url, s.adminToken));
      raw.send({ id: 1, type: "frontend/subscribe_user_data", key: "k" });
      const first = (await raw.next()) as { type: string; error?: { code: string } };
      if (known) assert.equal(first.type, "event", haVersion);
      else assert.deepEqual(first, { id: 1, type: "result", success: false, error: { code: "unknown_command", message: "Unknown command." } });
      raw.send({ id: 2, type: "frontend/set_user_data", key: "k", value: 1 });
      for (;;) {
        const f = (await raw.next()) as { id: number; success?: boolean };
        if (f.id === 2) {
          assert.equal(f.success, true);
          break;
        }
      }
    }
  });
});

describe("SecureTar version (supervisor #6621: v3 once core is 2026.3.0, compared with AwesomeVersion)", () => {
  it("follows the simulated core version, not the date; a 2026.3 beta is below 2026.3.0, so v2", async () => {
    const firstMember = async (haVersion: string) => {
      const s = closeAfterTest(await startSimulatedHA({ port: 0, backups: 1, haVersion, now: "2026-11-27T12:00:00Z" }));
      const { backup_id } = (await s.control({ type: "create_backup", name: "Now", agent_ids: ["hassio.local"] })) as { backup_id: string };
      const file = new Uint8Array(await (await fetch(`${s.url}/api/backup/download/${backup_id}?agent_id=hassio.local`, { headers: { authorization: `Bearer ${s.adminToken}` } })).arrayBuffer());
      return tarMembers(file).find((m) => m.name === "homeassistant.tar.gz")!.data[9];
    };
    assert.equal(await firstMember("2026.2.3"), 2, "2026.2 writes v2 even in November 2026");
    assert.equal(await firstMember("2026.3.0b1"), 2, "AwesomeVersion: 2026.3.0b1 < 2026.3.0");
    assert.equal(await firstMember("2026.3.0rc2"), 2);
    assert.equal(await firstMember("2026.3.0"), 3);
    assert.equal(await firstMember("2026.4.0.dev20260310"), 3, "a 2026.4 dev build is above 2026.3.0");
  });
});

describe("each version's fields", () => {
  it("agents (2025.2), automatic_backups_configured (2025.3), last_action_event (2025.4), location retention (2025.5), failed add-ons (2025.6), progress (2026.4)", async () => {
    const shape = async (haVersion: string) => {
      const { s, c } = await simAt(haVersion, 1);
      const config = (await c.sendMessagePromise<{ config: Partial<BackupConfig> }>({ type: "backup/config/info" })).config;
      const info = await c.sendMessagePromise<Record<string, unknown>>({ type: "backup/info" });
      const backup = (info.backups as Record<string, unknown>[])[0]!;
      const retentionUpdate = await c.sendMessagePromise({ type: "backup/config/update", agents: { "hassio.local": { retention: { copies: 3 } } } }).then(
        () => "ok",
        (e: { code: string }) => e.code,
      );
      const { events } = await rawEvents(s, { type: "backup/generate", agent_ids: ["hassio.local"], name: "x", password: "p" });
      return {
        agents: "agents" in config && "agents" in backup,
        configured: "automatic_backups_configured" in config,
        agentRetention: config.agents ? Object.values(config.agents).every((a) => "retention" in a) : false,
        lastAction: "last_action_event" in info ? "last_action_event" : "last_non_idle_event" in info ? "last_non_idle_event" : null,
        failed: "failed_addons" in backup && "failed_folders" in backup,
        retentionUpdate,
        progress: events.some((e) => "agent_id" in e),
        cleaningUp: events.some((e) => e.stage === "cleaning_up"),
      };
    };
    const no = { agents: false, configured: false, agentRetention: false, lastAction: null, failed: false, retentionUpdate: "invalid_format", progress: false, cleaningUp: false };
    assert.deepEqual(await shape("2025.1.4"), no);
    assert.deepEqual(await shape("2025.2.0"), { ...no, agents: true, lastAction: "last_non_idle_event" });
    assert.deepEqual(await shape("2025.3.0"), { ...no, agents: true, configured: true, lastAction: "last_non_idle_event" });
    assert.deepEqual(await shape("2025.4.0"), { ...no, agents: true, configured: true, lastAction: "last_action_event" });
    assert.deepEqual(await shape("2025.5.0"), { ...no, agents: true, configured: true, agentRetention: true, lastAction: "last_action_event", retentionUpdate: "ok" });
    assert.deepEqual(await shape("2025.6.0"), { ...no, agents: true, configured: true, agentRetention: true, lastAction: "last_action_event", failed: true, retentionUpdate: "ok" });
    assert.deepEqual(await shape("2026.4.0"), {
      agents: true,
      configured: true,
      agentRetention: true,
      lastAction: "last_action_event",
      failed: true,
      retentionUpdate: "ok",
      progress: true,
      cleaningUp: true,
    });
  });
});
