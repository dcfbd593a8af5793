// Where the simulated HA used to differ from core: each test names the core file and function
// whose behaviour it checks (home-assistant/core, homeassistant/components/backup/…).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import type { BackupConfig, BackupInfo, ManagerStateEvent } from "../../../src/data/backup.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { tarMembers } from "../../../src/sim/tar-members.js";
import { connectHA } from "../../support/ha-client.js";

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error("expected an error");
};

const configOf = async (c: Connection) => (await c.sendMessagePromise<{ config: BackupConfig }>({ type: "backup/config/info" })).config;
const infoOf = (c: Connection) => c.sendMessagePromise<BackupInfo & Record<string, unknown>>({ type: "backup/info" });

/** Collects backup events until the manager is idle again after an operation. */
async function eventsOf(c: Connection, action: () => Promise<unknown>): Promise<{ events: ManagerStateEvent[]; result: unknown }> {
  const events: ManagerStateEvent[] = [];
  let first = true;
  let done!: () => void;
  const idle = new Promise<void>((r) => (done = r));
  const unsub = await c.subscribeMessage<ManagerStateEvent>((ev) => {
    if (first) {
      first = false; // the current state, sent before the result frame
      return;
    }
    events.push(ev);
    if (ev.manager_state === "idle") done();
  }, { type: "backup/subscribe_events" });
  try {
    let result: unknown;
    try {
      result = await action();
    } catch (e) {
      result = e;
    }
    await idle;
    return { events, result };
  } finally {
    await unsub();
  }
}

async function download(sim: SimHandle, backupId: string, query: string): Promise<Response> {
  return fetch(`${sim.url}/api/backup/download/${backupId}?${query}`, { headers: { authorization: `Bearer ${sim.adminToken}` } });
}

let sim: SimHandle;
let admin: Connection;
let keys: string[];
before(async () => {
  sim = await startSimulatedHA({ port: 0, backups: 6, stageDelayMs: 1, now: "2026-11-27T12:00:00Z" });
  admin = await connectHA(sim.url, sim.adminToken);
  keys = (await sim.control({ type: "demo_keys" })) as string[];
});
after(async () => {
  admin.close();
  await sim.close();
});

describe("backup/config/update (config.py BackupConfig.update)", () => {
  it("replaces retention and schedule whole: missing fields take their defaults", async () => {
    // RetentionConfig(**retention) and BackupSchedule(**schedule) rebuild the whole dataclass.
    await admin.sendMessagePromise({ type: "backup/config/update", retention: { copies: 5, days: 9 }, schedule: { recurrence: "custom_days", days: ["mon"], time: "03:30" } });
    let config = await configOf(admin);
    assert.deepEqual(config.retention, { copies: 5, days: 9 });
    assert.deepEqual(config.schedule, { days: ["mon"], recurrence: "custom_days", time: "03:30:00" });
    await admin.sendMessagePromise({ type: "backup/config/update", retention: { days: 3 }, schedule: { recurrence: "daily" } });
    config = await configOf(admin);
    assert.deepEqual(config.retention, { copies: null, days: 3 }, "copies fell back to None");
    assert.deepEqual(config.schedule, { days: [], recurrence: "daily", time: null }, "days and time fell back to their defaults");
  });

  it("merges create_backup field by field (dataclasses.replace) and a location's entry key by key", async () => {
    const before = await configOf(admin);
    await admin.sendMessagePromise({ type: "backup/config/update", create_backup: { name: "Nightly" } });
    const after = await configOf(admin);
    assert.deepEqual(after.create_backup, { ...before.create_backup, name: "Nightly" });
    // An existing entry keeps what is not sent; a new entry defaults to protected: true.
    await admin.sendMessagePromise({ type: "backup/config/update", agents: { "hassio.nas": { protected: true }, "hassio.new": {} } });
    let agents = (await configOf(admin)).agents;
    assert.deepEqual(agents["hassio.nas"], { protected: true, retention: before.agents["hassio.nas"]!.retention });
    assert.deepEqual(agents["hassio.new"], { protected: true, retention: null });
    // A location's retention is rebuilt from what is sent (AgentRetentionConfig(copies=get(...), days=get(...))).
    await admin.sendMessagePromise({ type: "backup/config/update", agents: { "hassio.nas": { retention: { days: 4 } } } });
    agents = (await configOf(admin)).agents;
    assert.deepEqual(agents["hassio.nas"], { protected: true, retention: { copies: null, days: 4 } });
    await admin.sendMessagePromise({ type: "backup/config/update", agents: { "hassio.nas": { protected: false, retention: null } } });
    assert.deepEqual((await configOf(admin)).agents["hassio.nas"], { protected: false, retention: null });
    await admin.sendMessagePromise({ type: "backup/config/update", create_backup: { name: null } });
  });

  it("validates a location's retention as core's schema does", async () => {
    // websocket.py handle_config_update: vol.Any(vol.Schema({copies: int >= 1 | None, days: int >= 1 | None}), None).
    for (const retention of [{ copies: 0 }, { days: -1 }, { copies: "3" }, { weeks: 2 }, [1], "forever"]) {
      const e = await errorOf(admin.sendMessagePromise({ type: "backup/config/update", agents: { "hassio.nas": { retention } } }));
      assert.equal(e.code, "invalid_format", JSON.stringify(retention));
    }
    const e = await errorOf(admin.sendMessagePromise({ type: "backup/config/update", agents: { "hassio.nas": { encrypted: true } } }));
    assert.deepEqual(e, { code: "invalid_format", message: "extra keys not allowed @ data['agents']['hassio.nas']['encrypted']" });
  });
});

describe("backup/can_decrypt_on_download (util.py validate_password_stream)", () => {
  it("answers decrypt_not_supported for a copy without a SecureTar header, protected or not", async () => {
    const info = await infoOf(admin);
    // The NAS copies are unencrypted: no header, so no plaintext size (UnsupportedSecureTarVersion).
    const plain = info.backups.find((b) => b.agents["hassio.nas"]?.protected === false)!;
    for (const key of [keys[2]!, "anything"]) {
      const e = await errorOf(admin.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id: plain.backup_id, agent_id: "hassio.nas", password: key }));
      assert.deepEqual(e, { code: "decrypt_not_supported", message: "Decrypt on download not supported" });
    }
  });

  it("answers as core for a backup with no inner archive (BackupEmpty → BackupManagerError)", async () => {
    const { backup_id } = (await sim.control({ type: "create_backup", name: "Empty", agent_ids: ["hassio.local"], empty: true })) as { backup_id: string };
    const e = await errorOf(admin.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id, agent_id: "hassio.local", password: keys[2]! }));
    assert.deepEqual(e, { code: "home_assistant_error", message: "No tar files found in the backup." });
    await sim.control({ type: "delete_backup", backup_id });
  });
});

describe("backup/generate (manager.py async_initiate_backup, _async_create_backup, _async_finish_backup)", () => {
  it("with some unknown locations backs up to the others and lists the unknown ones in failed_agent_ids", async () => {
    const { events, result } = await eventsOf(admin, () => admin.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.local", "hassio.gone"], name: "Partial", password: keys[2] }));
    assert.match((result as { backup_job_id: string }).backup_job_id, /^[0-9a-f]{8}$/);
    assert.deepEqual(events.filter((e) => "state" in e && e.state !== "in_progress").map((e) => [e.state, e.reason]), [["completed", null]], "unavailable agents do not fail the backup");
    const made = (await infoOf(admin)).backups.find((b) => b.name === "Partial")!;
    assert.deepEqual(Object.keys(made.agents), ["hassio.local"]);
    assert.deepEqual(made.failed_agent_ids, ["hassio.gone"]);
  });

  it("with no available location fails after in_progress and failed events", async () => {
    const { events, result } = await eventsOf(admin, () => admin.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.gone", "x.y"] }));
    assert.deepEqual(result, { code: "home_assistant_error", message: "At least one available backup agent must be selected, got ['hassio.gone', 'x.y']" });
    assert.deepEqual(events, [
      { manager_state: "create_backup", reason: null, stage: null, state: "in_progress" },
      { manager_state: "create_backup", reason: "backup_manager_error", stage: null, state: "failed" },
      { manager_state: "idle" },
    ]);
  });

  it("generate_with_automatic_settings with no locations configured does the same", async () => {
    const before = await configOf(admin);
    await admin.sendMessagePromise({ type: "backup/config/update", create_backup: { agent_ids: [] } });
    try {
      const { events, result } = await eventsOf(admin, () => admin.sendMessagePromise({ type: "backup/generate_with_automatic_settings" }));
      assert.deepEqual(result, { code: "home_assistant_error", message: "At least one available backup agent must be selected, got []" });
      assert.deepEqual(events.map((e) => e.state ?? e.manager_state), ["in_progress", "failed", "idle"]);
      assert.notEqual((await configOf(admin)).last_attempted_automatic_backup, before.last_attempted_automatic_backup, "the attempt is recorded first");
    } finally {
      await admin.sendMessagePromise({ type: "backup/config/update", create_backup: { agent_ids: before.create_backup.agent_ids } });
    }
  });

  it("runs Supervisor's stages, upload progress and cleaning_up (2026.4+), and lists a failing location", async () => {
    const { events } = await eventsOf(admin, () => admin.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.local", "hassio.offsite"], name: "Offsite", password: keys[2] }));
    const stages = events.filter((e) => e.stage).map((e) => e.stage);
    assert.deepEqual(stages, ["addon_repositories", "docker_config", "home_assistant", "addons", "folders", "finishing_file", "await_addon_restarts", "upload_to_agents", "cleaning_up"]);
    const progress = events.filter((e) => "agent_id" in e);
    assert.ok(progress.length >= 2 && progress.every((e) => e.agent_id === "hassio.local" && !("state" in e)), "progress events carry the agent and bytes, no state");
    assert.equal(progress.at(-1)!.uploaded_bytes, progress.at(-1)!.total_bytes);
    // An agent whose upload fails: failed with upload_failed (not completed), listed in failed_agent_ids.
    assert.deepEqual(events.at(-2), { manager_state: "create_backup", reason: "upload_failed", stage: null, state: "failed" });
    const made = (await infoOf(admin)).backups.find((b) => b.name === "Offsite")!;
    assert.deepEqual(made.failed_agent_ids, ["hassio.offsite"]);
    assert.deepEqual([made.failed_addons, made.failed_folders], [[], []]);
  });

  it("HA Cloud keeps only the newest backup, and refuses an unencrypted one", async () => {
    // cloud/backup.py CloudBackupAgent.async_upload_backup: one file per instance (<instance_id>.tar).
    assert.ok((await infoOf(admin)).backups.filter((b) => "cloud.cloud" in b.agents).length > 1);
    await eventsOf(admin, () => admin.sendMessagePromise({ type: "backup/generate", agent_ids: ["cloud.cloud"], name: "To cloud", password: keys[2] }));
    const onCloud = (await infoOf(admin)).backups.filter((b) => "cloud.cloud" in b.agents);
    assert.deepEqual(onCloud.map((b) => b.name), ["To cloud"]);
    // "Cloud backups must be protected": without a key the upload fails.
    const { events } = await eventsOf(admin, () => admin.sendMessagePromise({ type: "backup/generate", agent_ids: ["cloud.cloud", "hassio.local"], name: "Plain" }));
    assert.equal(events.at(-2)!.reason, "upload_failed");
    const plain = (await infoOf(admin)).backups.find((b) => b.name === "Plain")!;
    assert.deepEqual([Object.keys(plain.agents), plain.failed_agent_ids], [["hassio.local"], ["cloud.cloud"]]);
  });
});

describe("downloads (http.py DownloadBackupView)", () => {
  it("decrypts only with a non-empty password on a protected copy", async () => {
    const b = (await infoOf(admin)).backups.filter((x) => x.agents["hassio.local"]?.protected && x.name !== "Partial").at(-1)!;
    const stored = Buffer.from(await (await download(sim, b.backup_id, "agent_id=hassio.local")).arrayBuffer());
    // `if not password or not backup.protected`: an empty password gets the file as stored.
    const empty = await download(sim, b.backup_id, "agent_id=hassio.local&password=");
    assert.equal(empty.status, 200);
    assert.ok(Buffer.from(await empty.arrayBuffer()).equals(stored));
    const plainCopy = (await infoOf(admin)).backups.find((x) => x.agents["hassio.nas"]?.protected === false)!;
    const nas = await download(sim, plainCopy.backup_id, `agent_id=hassio.nas&password=${encodeURIComponent(keys[2]!)}`);
    assert.equal(nas.headers.get("content-length"), String(plainCopy.agents["hassio.nas"]!.size), "an unprotected copy is sent as stored");
    await nas.arrayBuffer();
  });

  it("a wrong password answers 200 with a stream cut short, not 400", async () => {
    const b = (await infoOf(admin)).backups.filter((x) => x.agents["hassio.local"]?.protected && x.name !== "Partial").at(-1)!;
    const res = await download(sim, b.backup_id, `agent_id=hassio.local&password=${encodeURIComponent(keys[0]!)}`);
    assert.equal(res.status, 200);
    const body = new Uint8Array(await res.arrayBuffer());
    const members = tarMembers(body).map((m) => m.name);
    assert.deepEqual(members, ["./backup.json"], "stops at the first member the password does not open");
    assert.notEqual(body.length % 10240, 0, "no end-of-archive blocks: the tar is incomplete");
  });

  it("auth/sign_path keeps the query parameters in order, and the download needs an admin's signature", async () => {
    // http/auth.py async_sign_path / async_validate_signed_request: params are signed as an ordered list.
    const b = (await infoOf(admin)).backups.at(-1)!;
    const path = `/api/backup/download/${b.backup_id}?agent_id=hassio.local&password=x%20y&agent_id=hassio.nas`;
    const signed = (await admin.sendMessagePromise<{ path: string }>({ type: "auth/sign_path", path })).path;
    assert.ok(signed.startsWith(`${path}&authSig=`), signed.replace(/authSig=.*/, "authSig=…"));
    const sig = new URL(signed, sim.url).searchParams.get("authSig")!;
    const reordered = `/api/backup/download/${b.backup_id}?password=x%20y&agent_id=hassio.local&agent_id=hassio.nas&authSig=${sig}`;
    assert.equal((await fetch(sim.url + reordered)).status, 401, "reordered parameters break the signature");
    const ok = await fetch(sim.url + signed);
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
    const guest = await connectHA(sim.url, sim.userToken);
    try {
      const byGuest = (await guest.sendMessagePromise<{ path: string }>({ type: "auth/sign_path", path: `/api/backup/download/${b.backup_id}?agent_id=hassio.local` })).path;
      assert.equal((await fetch(sim.url + byGuest)).status, 401, "a non-admin's signature does not download");
    } finally {
      guest.close();
    }
  });
});

describe("HA versions", () => {
  it("SecureTar version follows the simulated core version (v3 once core is 2026.3), not the date", async () => {
    const firstMember = async (haVersion: string) => {
      const s = await startSimulatedHA({ port: 0, backups: 1, haVersion, now: "2026-11-27T12:00:00Z" });
      try {
        const { backup_id } = (await s.control({ type: "create_backup", name: "Now", agent_ids: ["hassio.local"] })) as { backup_id: string };
        const file = new Uint8Array(await (await fetch(`${s.url}/api/backup/download/${backup_id}?agent_id=hassio.local`, { headers: { authorization: `Bearer ${s.adminToken}` } })).arrayBuffer());
        return tarMembers(file).find((m) => m.name === "homeassistant.tar.gz")!.data;
      } finally {
        await s.close();
      }
    };
    assert.equal((await firstMember("2026.2.3"))[9], 2, "2026.2 writes v2 even in November 2026");
    assert.equal((await firstMember("2026.3.0"))[9], 3);
  });

  it("answers with each version's fields: agents (2025.2), last_action_event (2025.4), location retention (2025.5), progress (2026.4)", async () => {
    const shape = async (haVersion: string) => {
      const s = await startSimulatedHA({ port: 0, backups: 1, haVersion, stageDelayMs: 1 });
      const c = await connectHA(s.url, s.adminToken);
      try {
        const config = (await configOf(c)) as Partial<BackupConfig>;
        const info = await infoOf(c);
        const retentionUpdate = await c.sendMessagePromise({ type: "backup/config/update", agents: { "hassio.local": { retention: { copies: 3 } } } }).then(() => "ok", (e: { code: string }) => e.code);
        const { events } = await eventsOf(c, () => c.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.local"] }));
        return {
          agents: "agents" in config,
          agentRetention: config.agents ? Object.values(config.agents).every((a) => "retention" in a) : false,
          lastAction: "last_action_event" in info ? "last_action_event" : "last_non_idle_event" in info ? "last_non_idle_event" : null,
          retentionUpdate,
          progress: events.some((e) => "agent_id" in e),
          cleaningUp: events.some((e) => e.stage === "cleaning_up"),
        };
      } finally {
        c.close();
        await s.close();
      }
    };
    assert.deepEqual(await shape("2025.1.4"), { agents: false, agentRetention: false, lastAction: "last_non_idle_event", retentionUpdate: "invalid_format", progress: false, cleaningUp: false });
    assert.deepEqual(await shape("2025.2.0"), { agents: true, agentRetention: false, lastAction: "last_non_idle_event", retentionUpdate: "invalid_format", progress: false, cleaningUp: false });
    assert.deepEqual(await shape("2025.4.0"), { agents: true, agentRetention: false, lastAction: "last_action_event", retentionUpdate: "invalid_format", progress: false, cleaningUp: false });
    assert.deepEqual(await shape("2025.5.0"), { agents: true, agentRetention: true, lastAction: "last_action_event", retentionUpdate: "ok", progress: false, cleaningUp: false });
    assert.deepEqual(await shape("2026.4.0"), { agents: true, agentRetention: true, lastAction: "last_action_event", retentionUpdate: "ok", progress: true, cleaningUp: true });
  });
});

