// The simulated HA's backup API matches HA core: shapes (from core's websocket snapshots),
// validation, error codes, version differences, downloads and fault injection.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import type { BackupContent, BackupInfo } from "../../../src/data/backup.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { closeAfterTest, closeOpened, connectHA, errorOf } from "../../support/ha-client.js";

afterEach(closeOpened);

type Shape = "string" | "number" | "boolean" | "null" | "array" | "object" | Shape[];

function assertShape(value: unknown, shape: Record<string, Shape>, where: string): void {
  assert.ok(value && typeof value === "object", `${where} is an object`);
  assert.deepEqual(Object.keys(value).sort(), Object.keys(shape).sort(), `${where} has exactly core's keys`);
  for (const [key, expected] of Object.entries(shape)) {
    const v = (value as Record<string, unknown>)[key];
    const actual = v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
    const allowed = Array.isArray(expected) ? expected : [expected];
    assert.ok(allowed.includes(actual as Shape), `${where}.${key}: ${actual} not in ${allowed.join("|")}`);
  }
}

// Keys and types from core tests/components/backup/snapshots/test_websocket.ambr (test_info, test_details, test_config_info).
const BACKUP_SHAPE: Record<string, Shape> = {
  addons: "array",
  agents: "object",
  backup_id: "string",
  database_included: "boolean",
  date: "string",
  extra_metadata: "object",
  failed_addons: "array", // HA 2025.6+
  failed_agent_ids: "array",
  failed_folders: "array", // HA 2025.6+
  folders: "array",
  homeassistant_included: "boolean",
  homeassistant_version: ["string", "null"],
  name: "string",
  with_automatic_settings: ["boolean", "null"],
};
const INFO_SHAPE: Record<string, Shape> = {
  agent_errors: "object",
  backups: "array",
  last_action_event: ["object", "null"],
  last_attempted_automatic_backup: ["string", "null"],
  last_completed_automatic_backup: ["string", "null"],
  last_completed_automatic_backup_id: ["string", "null"],
  next_automatic_backup: ["string", "null"],
  next_automatic_backup_additional: "boolean",
  state: "string",
};
const CONFIG_SHAPE: Record<string, Shape> = {
  agents: "object",
  automatic_backups_configured: "boolean",
  create_backup: "object",
  last_attempted_automatic_backup: ["string", "null"],
  last_completed_automatic_backup: ["string", "null"],
  last_completed_automatic_backup_id: ["string", "null"],
  next_automatic_backup: ["string", "null"],
  next_automatic_backup_additional: "boolean",
  retention: "object",
  schedule: "object",
};

let sim: SimHandle;
let admin: Connection;
let user: Connection;
before(async () => {
  sim = await startSimulatedHA({ port: 0, backups: 8, stageDelayMs: 5, now: "2026-11-27T12:00:00Z" });
  admin = await connectHA(sim.url, sim.adminToken);
  user = await connectHA(sim.url, sim.userToken);
});
after(async () => {
  admin.close();
  user.close();
  await sim.close();
});

describe("result shapes (core snapshots)", () => {
  it("backup/info", async () => {
    const info = await admin.sendMessagePromise<BackupInfo>({ type: "backup/info" });
    assertShape(info, INFO_SHAPE, "info");
    assert.equal(info.state, "idle");
    assert.deepEqual(info.agent_errors, { "hassio.offsite": "The backup agent is unreachable." });
    assert.equal(info.backups.length, 8);
    for (const b of info.backups) {
      assertShape(b, BACKUP_SHAPE, `backup ${b.backup_id}`);
      assert.match(b.backup_id, /^[0-9a-f]{8}$/);
      assertShape(b.extra_metadata, { instance_id: "string", with_automatic_settings: "boolean" }, "extra_metadata");
      for (const [agentId, a] of Object.entries(b.agents)) assertShape(a, { protected: "boolean", size: "number" }, `${b.backup_id}.${agentId}`);
      assert.ok(!("hassio.offsite" in b.agents), "copies on an erroring agent are not listed");
      assert.equal(b.agents["hassio.nas"]?.protected, false, "the NAS location is unencrypted");
    }
  });

  it("backup/details, backup/agents/info, backup/config/info", async () => {
    const info = await admin.sendMessagePromise<BackupInfo>({ type: "backup/info" });
    const details = await admin.sendMessagePromise<{ agent_errors: object; backup: BackupContent | null }>({ type: "backup/details", backup_id: info.backups[0]!.backup_id });
    assertShape(details, { agent_errors: "object", backup: "object" }, "details");
    assertShape(details.backup, BACKUP_SHAPE, "details.backup");
    const missing = await admin.sendMessagePromise<{ backup: unknown }>({ type: "backup/details", backup_id: "no_such" });
    assert.equal(missing.backup, null, "an unknown id is backup: null, not an error");

    const agents = await admin.sendMessagePromise<{ agents: { agent_id: string; name: string }[] }>({ type: "backup/agents/info" });
    assertShape(agents, { agents: "array" }, "agents");
    for (const a of agents.agents) assertShape(a, { agent_id: "string", name: "string" }, "agent");

    const { config } = await admin.sendMessagePromise<{ config: Record<string, unknown> }>({ type: "backup/config/info" });
    assertShape(config, CONFIG_SHAPE, "config");
    assertShape(
      config.create_backup,
      {
        agent_ids: "array",
        include_addons: ["array", "null"],
        include_all_addons: "boolean",
        include_database: "boolean",
        include_folders: ["array", "null"],
        name: ["string", "null"],
        password: ["string", "null"],
      },
      "create_backup",
    );
    assertShape(config.retention, { copies: ["number", "null"], days: ["number", "null"] }, "retention");
    assertShape(config.schedule, { days: "array", recurrence: "string", time: ["string", "null"] }, "schedule");
    assert.match((config.create_backup as { password: string }).password, /^([A-Z0-9]{4}-){6}[A-Z0-9]{4}$/);
  });
});

describe("validation and errors", () => {
  it("missing, extra and mistyped parameters are invalid_format", async () => {
    // websocket_api/connection.py async_handle_exception: voluptuous humanize_error ("… . Got <repr>").
    let e = await errorOf(admin.sendMessagePromise({ type: "backup/details" }));
    assert.deepEqual(e, { code: "invalid_format", message: "required key not provided @ data['backup_id']. Got None" });
    e = await errorOf(admin.sendMessagePromise({ type: "backup/details", backup_id: 12 }));
    assert.equal(e.code, "invalid_format");
    e = await errorOf(admin.sendMessagePromise({ type: "backup/info", surprise: true }));
    assert.deepEqual(e, { code: "invalid_format", message: "extra keys not allowed @ data['surprise']. Got True" });
    e = await errorOf(admin.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id: "x", agent_id: "hassio.local" }));
    assert.deepEqual(e, { code: "invalid_format", message: "required key not provided @ data['password']. Got None" });
    // Several errors: one line each, sorted (humanize_error of a MultipleInvalid).
    e = await errorOf(admin.sendMessagePromise({ type: "backup/can_decrypt_on_download", agent_id: 5, extra: "x" }));
    assert.deepEqual(e.message.split("\n"), [
      "expected str for dictionary value @ data['agent_id']. Got 5",
      "extra keys not allowed @ data['extra']. Got 'x'",
      "required key not provided @ data['backup_id']. Got None",
      "required key not provided @ data['password']. Got None",
    ]);
    e = await errorOf(admin.sendMessagePromise({ type: "backup/config/update", retention: { copies: 0 } }));
    assert.equal(e.code, "invalid_format");
    e = await errorOf(admin.sendMessagePromise({ type: "backup/config/update", schedule: { recurrence: "hourly" } }));
    assert.equal(e.code, "invalid_format");
  });

  it("every backup command is unauthorized for a non-admin user", async () => {
    for (const type of ["backup/info", "backup/config/info", "backup/agents/info", "backup/generate_with_automatic_settings", "backup/subscribe_events"]) {
      const e = await errorOf(type === "backup/subscribe_events" ? user.subscribeMessage(() => {}, { type }) : user.sendMessagePromise({ type }));
      assert.deepEqual(e, { code: "unauthorized", message: "Unauthorized" }, type);
    }
  });

  it("backup/generate checks agents and refuses while the manager is busy", async () => {
    let e = await errorOf(admin.sendMessagePromise({ type: "backup/generate", agent_ids: ["nope.nope"] }));
    assert.deepEqual(e, { code: "home_assistant_error", message: "At least one available backup agent must be selected, got ['nope.nope']" });
    const first = await admin.sendMessagePromise<{ backup_job_id: string }>({ type: "backup/generate", agent_ids: ["hassio.local"], name: "Manual" });
    // On Supervisor the job id is Supervisor's job UUID as hex (core hassio/backup.py async_create_backup: backup.job_id.hex).
    assert.match(first.backup_job_id, /^[0-9a-f]{32}$/);
    e = await errorOf(admin.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.local"] }));
    assert.deepEqual(e, { code: "home_assistant_error", message: "Backup manager busy: create_backup" });
    while ((await admin.sendMessagePromise<BackupInfo>({ type: "backup/info" })).state !== "idle") await new Promise((r) => setTimeout(r, 10));
    const info = await admin.sendMessagePromise<BackupInfo>({ type: "backup/info" });
    const made = info.backups.find((b) => b.name === "Manual");
    assert.ok(made, "the generated backup is listed");
    assert.deepEqual(Object.keys(made.agents), ["hassio.local"]);
    // generate without a password makes an unencrypted copy.
    assert.equal(made.agents["hassio.local"]!.protected, false);
  });

  it("backup/config/update merges create_backup field by field; null removes the key", async () => {
    const before = (await admin.sendMessagePromise<{ config: { create_backup: Record<string, unknown> } }>({ type: "backup/config/info" })).config.create_backup;
    await admin.sendMessagePromise({ type: "backup/config/update", create_backup: { password: "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12" } });
    let after = (await admin.sendMessagePromise<{ config: { create_backup: Record<string, unknown> } }>({ type: "backup/config/info" })).config.create_backup;
    assert.deepEqual({ ...after, password: before.password }, before, "nothing else changed");
    assert.equal(after.password, "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ12");
    await admin.sendMessagePromise({ type: "backup/config/update", create_backup: { password: null } });
    after = (await admin.sendMessagePromise<{ config: { create_backup: Record<string, unknown> } }>({ type: "backup/config/info" })).config.create_backup;
    assert.equal(after.password, null);
    await admin.sendMessagePromise({ type: "backup/config/update", create_backup: { password: before.password } });
  });
});

describe("can_decrypt_on_download checks the real file", () => {
  it("opens each copy with the key it was made with, and not with the others", async () => {
    const keys = (await sim.control({ type: "demo_keys" })) as string[];
    const info = await admin.sendMessagePromise<BackupInfo>({ type: "backup/info" });
    const protectedCopies = info.backups.flatMap((b) =>
      Object.entries(b.agents)
        .filter(([, a]) => a.protected)
        .map(([agentId]) => ({ b, agentId })),
    );
    const oldest = protectedCopies[0]!;
    const newest = protectedCopies.at(-1)!;
    const results: Record<string, string[]> = {};
    for (const { b, agentId } of [oldest, newest]) {
      results[b.backup_id] = [];
      for (const key of keys) {
        try {
          await admin.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id: b.backup_id, agent_id: agentId, password: key });
          results[b.backup_id]!.push("ok");
        } catch (e) {
          results[b.backup_id]!.push((e as { code: string }).code);
        }
      }
    }
    assert.deepEqual(results[oldest.b.backup_id], ["ok", "password_incorrect", "password_incorrect"], "oldest backup: generation 1");
    assert.deepEqual(results[newest.b.backup_id], ["password_incorrect", "password_incorrect", "ok"], "newest backup: generation 3");
  });

  it("backup/restore checks the key against the file and answers without restoring", async () => {
    const keys = (await sim.control({ type: "demo_keys" })) as string[];
    const info = await admin.sendMessagePromise<BackupInfo>({ type: "backup/info" });
    const b = info.backups.filter((x) => x.agents["hassio.local"]?.protected).at(-1)!;
    const restore = (extra: Record<string, unknown>) => admin.sendMessagePromise({ type: "backup/restore", backup_id: b.backup_id, agent_id: "hassio.local", ...extra });
    assert.deepEqual(await errorOf(restore({ password: keys[0] })), { code: "password_incorrect", message: "Incorrect password" });
    assert.deepEqual(await errorOf(restore({})), { code: "password_incorrect", message: "Incorrect password" });
    assert.equal(await restore({ password: keys[2] }), null);
    assert.equal((await errorOf(restore({ password: keys[2], restore_folders: ["nope"] }))).code, "invalid_format");
    assert.equal((await admin.sendMessagePromise<BackupInfo>({ type: "backup/info" })).backups.length, info.backups.length);
  });

  it("answers HA's errors for unknown agents and backups", async () => {
    let e = await errorOf(admin.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id: "x", agent_id: "no_such_agent", password: "p" }));
    assert.deepEqual(e, { code: "home_assistant_error", message: "Invalid agent selected: no_such_agent" });
    e = await errorOf(admin.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id: "no_such_backup", agent_id: "hassio.local", password: "p" }));
    assert.deepEqual(e, { code: "home_assistant_error", message: "Backup no_such_backup not found in agent hassio.local" });
  });
});

describe("HA versions", () => {
  it("2024.12 has no backup API; 2025.1 lacks can_decrypt_on_download", async () => {
    const old = closeAfterTest(await startSimulatedHA({ port: 0, backups: 3, haVersion: "2024.12.0" }));
    const jan = closeAfterTest(await startSimulatedHA({ port: 0, backups: 3, haVersion: "2025.1.0" }));
    const c1 = closeAfterTest(await connectHA(old.url, old.adminToken));
    const c2 = closeAfterTest(await connectHA(jan.url, jan.adminToken));
    assert.equal((await errorOf(c1.sendMessagePromise({ type: "backup/info" }))).code, "unknown_command");
    assert.equal((await c2.sendMessagePromise<BackupInfo>({ type: "backup/info" })).backups.length, 3);
    const e = await errorOf(c2.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id: "x", agent_id: "hassio.local", password: "p" }));
    assert.equal(e.code, "unknown_command");
    c1.close();
    c2.close();
    await old.close();
    await jan.close();
  });
});

describe("downloads", () => {
  it("needs a signed path or the admin bearer token", async () => {
    const info = await admin.sendMessagePromise<BackupInfo>({ type: "backup/info" });
    const b = info.backups[0]!;
    const path = `/api/backup/download/${b.backup_id}?agent_id=hassio.local`;
    assert.equal((await fetch(sim.url + path)).status, 401);
    const signed = await admin.sendMessagePromise<{ path: string }>({ type: "auth/sign_path", path });
    const res = await fetch(sim.url + signed.path);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-disposition") ?? "", /^attachment; filename=.+\.tar$/);
    assert.equal((await res.arrayBuffer()).byteLength, b.agents["hassio.local"]!.size);
    // Parameters cannot be added after signing.
    assert.equal((await fetch(`${sim.url}${signed.path}&password=x`)).status, 401);
    const bearer = await fetch(sim.url + path, { headers: { authorization: `Bearer ${sim.adminToken}` } });
    assert.equal(bearer.status, 200);
    const nonAdmin = await fetch(sim.url + path, { headers: { authorization: `Bearer ${sim.userToken}` } });
    assert.equal(nonAdmin.status, 401);
    assert.equal((await fetch(`${sim.url}/api/backup/download/${b.backup_id}?agent_id=nope`, { headers: { authorization: `Bearer ${sim.adminToken}` } })).status, 400);
    assert.equal((await fetch(`${sim.url}/api/backup/download/ffffffff?agent_id=hassio.local`, { headers: { authorization: `Bearer ${sim.adminToken}` } })).status, 404);
  });
});

describe("fault injection", () => {
  it("drops the connection before handling, after handling, after answering", async () => {
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    await sim.control({ type: "fault", drop: { command: "backup/agents/info", when: "before" } });
    await assert.rejects(conn.sendMessagePromise({ type: "backup/agents/info" }), (e: { error?: { code: number } }) => e.error?.code === 3);
    await new Promise<void>((r) => conn.addEventListener("ready", () => r()));
    assert.ok((await conn.sendMessagePromise<{ agents: unknown[] }>({ type: "backup/agents/info" })).agents.length > 0, "reconnects and works again");
    conn.close();
  });

  it("config/update can fail before applying, fail after applying, or apply and then drop", async () => {
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const current = async () => ((await sim.control({ type: "get_state" })) as { config: { create_backup: { password: string } } }).config.create_backup.password;
    const original = await current();
    await sim.control({ type: "fault", config_update: "fail_before_apply" });
    let e = await errorOf(conn.sendMessagePromise({ type: "backup/config/update", create_backup: { password: "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA" } }));
    assert.equal(e.code, "home_assistant_error");
    assert.equal(await current(), original);
    await sim.control({ type: "fault", config_update: "fail_after_apply" });
    e = await errorOf(conn.sendMessagePromise({ type: "backup/config/update", create_backup: { password: "BBBB-BBBB-BBBB-BBBB-BBBB-BBBB-BBBB" } }));
    assert.equal(e.code, "home_assistant_error");
    assert.equal(await current(), "BBBB-BBBB-BBBB-BBBB-BBBB-BBBB-BBBB");
    await sim.control({ type: "fault", config_update: "apply_then_drop" });
    await assert.rejects(conn.sendMessagePromise({ type: "backup/config/update", create_backup: { password: "CCCC-CCCC-CCCC-CCCC-CCCC-CCCC-CCCC" } }));
    assert.equal(await current(), "CCCC-CCCC-CCCC-CCCC-CCCC-CCCC-CCCC");
    await sim.control({ type: "set_password", password: original });
    conn.close();
  });

  it("config/update faults are of storing a valid update: one the schema refuses is answered invalid_format, on the same connection", async () => {
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    try {
      for (const mode of ["fail_before_apply", "apply_after_reconnect"] as const) {
        await sim.control({ type: "fault", config_update: mode });
        const e = await errorOf(conn.sendMessagePromise({ type: "backup/config/update", create_backup: { password: 5 } }));
        assert.equal(e.code, "invalid_format", `${mode}: core's schema answers first`);
        assert.match(e.message, /expected str for dictionary value @ data\['create_backup'\]\['password'\]/);
      }
    } finally {
      await sim.control({ type: "clear_faults" });
    }
  });

  it("config/update can stay in HA's queue: the connection drops, and the key lands only after a client read the config again", async () => {
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const current = async () => ((await sim.control({ type: "get_state" })) as { config: { create_backup: { password: string } } }).config.create_backup.password;
    const original = await current();
    await sim.control({ type: "fault", config_update: "apply_after_reconnect" });
    await assert.rejects(conn.sendMessagePromise({ type: "backup/config/update", create_backup: { password: "DDDD-DDDD-DDDD-DDDD-DDDD-DDDD-DDDD" } }));
    assert.equal(await current(), original, "not applied yet");
    await new Promise<void>((r) => conn.addEventListener("ready", () => r()));
    const read = await conn.sendMessagePromise<{ config: { create_backup: { password: string } } }>({ type: "backup/config/info" });
    assert.equal(read.config.create_backup.password, original, "the read after the reconnect still sees the old key");
    assert.equal(await current(), "DDDD-DDDD-DDDD-DDDD-DDDD-DDDD-DDDD", "then HA applies it");
    await sim.control({ type: "set_password", password: original });
    conn.close();
  });
});

describe("backups of other instances and manual ones", () => {
  it("a backup another instance uploaded to a shared location is listed with with_automatic_settings null, as core does", async () => {
    const other = "a".repeat(32);
    const made = (await sim.control({ type: "create_backup", name: "From the cabin", agent_ids: ["hassio.nas"], instance_id: other })) as { backup_id: string };
    const manual = (await sim.control({ type: "create_backup", name: "By hand", agent_ids: ["hassio.local"], automatic: false, password: "Some-other-password" })) as { backup_id: string };
    try {
      const info = await admin.sendMessagePromise<BackupInfo>({ type: "backup/info" });
      const foreign = info.backups.find((b) => b.backup_id === made.backup_id)!;
      assert.equal(foreign.extra_metadata.instance_id, other);
      assert.equal(foreign.with_automatic_settings, null);
      const own = info.backups.find((b) => b.backup_id === manual.backup_id)!;
      assert.equal(own.with_automatic_settings, false);
      assert.notEqual(own.extra_metadata.instance_id, other);
      // The manual one opens with the password it was given, not with the configured key.
      await admin.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id: manual.backup_id, agent_id: "hassio.local", password: "Some-other-password" });
    } finally {
      await sim.control({ type: "delete_backup", backup_id: made.backup_id });
      await sim.control({ type: "delete_backup", backup_id: manual.backup_id });
    }
  });
});
