// Where the simulated HA used to differ from core: each test names the core file and function
// whose behaviour it checks (home-assistant/core, homeassistant/components/backup/… unless said).
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import type { Connection } from "home-assistant-js-websocket";
import type { BackupConfig, BackupContent, BackupInfo, ManagerStateEvent } from "../../../src/data/backup.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { tarMembers } from "../../../src/sim/tar-members.js";
import { closeAfterTest, closeOpened, connectHA, errorOf, rawSocket } from "../../support/ha-client.js";

const configOf = async (c: Connection) => (await c.sendMessagePromise<{ config: BackupConfig }>({ type: "backup/config/info" })).config;
const infoOf = (c: Connection) => c.sendMessagePromise<BackupInfo & Record<string, unknown>>({ type: "backup/info" });

/** Collects backup events until the manager is idle again after an operation. */
async function eventsOf(c: Connection, action: () => Promise<unknown>): Promise<{ events: ManagerStateEvent[]; result: unknown }> {
  const events: ManagerStateEvent[] = [];
  let first = true;
  let done!: () => void;
  const idle = new Promise<void>((r) => (done = r));
  const unsub = await c.subscribeMessage<ManagerStateEvent>(
    (ev) => {
      if (first) {
        first = false; // the current state, sent before the result frame
        return;
      }
      events.push(ev);
      if (ev.manager_state === "idle") done();
    },
    { type: "backup/subscribe_events" },
  );
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

/** The first inner archive of a stored copy, as served without a password. */
async function firstInner(sim: SimHandle, backupId: string, agentId: string): Promise<Uint8Array> {
  const file = new Uint8Array(await (await download(sim, backupId, `agent_id=${agentId}`)).arrayBuffer());
  return tarMembers(file).find((m) => m.name === "homeassistant.tar.gz")!.data;
}
const isSecureTar = (member: Uint8Array) => Buffer.from(member.subarray(0, 9)).toString("latin1") === "SecureTar";

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
// A test that fails half-way leaves no fault behind for the next one.
afterEach(async () => {
  await sim.control({ type: "clear_faults" });
  await closeOpened();
});

describe("backup/config/update (config.py BackupConfig.update, websocket.py handle_config_update)", () => {
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
    // handle_config_update: vol.Any(vol.Schema({copies: int >= 1 | None, days: int >= 1 | None}), None).
    for (const retention of [{ copies: 0 }, { days: -1 }, { copies: "3" }, { weeks: 2 }, [1], "forever"]) {
      const e = await errorOf(admin.sendMessagePromise({ type: "backup/config/update", agents: { "hassio.nas": { retention } } }));
      assert.equal(e.code, "invalid_format", JSON.stringify(retention));
    }
    const e = await errorOf(admin.sendMessagePromise({ type: "backup/config/update", agents: { "hassio.nas": { encrypted: true } } }));
    assert.deepEqual(e, { code: "invalid_format", message: "extra keys not allowed @ data['agents']['hassio.nas']['encrypted']. Got True" });
  });

  it("schedule.days must not repeat a day (vol.All([vol.Coerce(Day)], vol.Unique()))", async () => {
    const before = await configOf(admin);
    const e = await errorOf(admin.sendMessagePromise({ type: "backup/config/update", schedule: { recurrence: "custom_days", days: ["mon", "tue", "mon"] } }));
    // Unique() prints the duplicates after Coerce(Day) made them enum members.
    assert.deepEqual(e, { code: "invalid_format", message: "contains duplicate items: [<Day.MONDAY: 'mon'>] for dictionary value @ data['schedule']['days']. Got ['mon', 'tue', 'mon']" });
    assert.deepEqual((await configOf(admin)).schedule, before.schedule, "nothing changed");
  });

  it("whole numbers as Python checks them: true is an int (and ≥ 1), 3.0 is a float", async () => {
    // `vol.All(int, vol.Range(min=1))` is isinstance(value, int): a bool passes, a JSON float does not
    // (core reads frames with orjson, which keeps 3.0 a float; the JS client would send 3, so a raw socket).
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    raw.ws.send('{"id": 1, "type": "backup/config/update", "retention": {"copies": 3.0}}');
    assert.deepEqual(await raw.next(), {
      id: 1,
      type: "result",
      success: false,
      error: { code: "invalid_format", message: "expected int for dictionary value @ data['retention']['copies']. Got 3.0" },
    });
    raw.ws.send('{"id": 2, "type": "backup/config/update", "retention": {"copies": true, "days": null}}');
    assert.deepEqual(await raw.next(), { id: 2, type: "result", success: true, result: null });
    assert.deepEqual((await configOf(admin)).retention, { copies: true, days: null }, "stored as sent, as core stores the bool");
    raw.ws.send('{"id": 3, "type": "backup/config/update", "retention": {"copies": 30, "days": 1e1}}');
    assert.equal(((await raw.next()) as { error: { message: string } }).error.message, "expected int for dictionary value @ data['retention']['days']. Got 10.0");
    await admin.sendMessagePromise({ type: "backup/config/update", retention: { copies: 30, days: null } });
  });

  it("a key that names a JavaScript object's member (toString, constructor) is an extra key like any other", async () => {
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    raw.ws.send('{"id": 1, "type": "backup/config/info", "toString": 1}');
    assert.deepEqual(await raw.next(), {
      id: 1,
      type: "result",
      success: false,
      error: { code: "invalid_format", message: "extra keys not allowed @ data['toString']. Got 1" },
    });
    raw.ws.send('{"id": 2, "type": "backup/config/update", "retention": {"copies": 3, "constructor": null}}');
    assert.deepEqual(((await raw.next()) as { error?: unknown }).error, { code: "invalid_format", message: "extra keys not allowed @ data['retention']['constructor']. Got None" });
  });

  it("a key named __proto__ is a key like any other (Python's json keeps it): extra keys not allowed", async () => {
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    raw.ws.send('{"id": 1, "type": "backup/config/info", "__proto__": {}}');
    assert.deepEqual(await raw.next(), {
      id: 1,
      type: "result",
      success: false,
      error: { code: "invalid_format", message: "extra keys not allowed @ data['__proto__']. Got {}" },
    });
  });

  it("schedule.time is read as cv.time reads it (dt_util.parse_time), and stored as HH:MM:SS", async () => {
    for (const [time, stored] of [
      ["4:5", "04:05:00"],
      ["23:59:59", "23:59:59"],
      ["07:30:00:99", "07:30:00"],
    ] as const) {
      await admin.sendMessagePromise({ type: "backup/config/update", schedule: { recurrence: "daily", time } });
      assert.equal((await configOf(admin)).schedule.time, stored, time);
    }
    for (const time of ["24:00", "12", "ab:cd", 12]) {
      const e = await errorOf(admin.sendMessagePromise({ type: "backup/config/update", schedule: { recurrence: "daily", time } }));
      assert.equal(e.code, "invalid_format", String(time));
      assert.match(e.message, /^Invalid time specified: .* @ data\['schedule'\]\['time'\]\. Got /);
    }
  });
});

describe("backup/can_decrypt_on_download (manager.py async_can_decrypt_on_download → util.py validate_password_stream)", () => {
  it("answers decrypt_not_supported for every copy without a SecureTar header: unprotected, protected but plaintext, v1", async () => {
    const info = await infoOf(admin);
    const check = (backupId: string, agentId: string, password: string) =>
      errorOf(admin.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id: backupId, agent_id: agentId, password }));
    const notSupported = { code: "decrypt_not_supported", message: "Decrypt on download not supported" };
    // An unprotected NAS copy: no header, so no plaintext size (UnsupportedSecureTarVersion).
    const plain = info.backups.find((b) => b.agents["hassio.nas"]?.protected === false)!;
    for (const key of [keys[2]!, "anything"]) assert.deepEqual(await check(plain.backup_id, "hassio.nas", key), notSupported);
    // The demo's copy that says protected but holds plaintext archives: the same, protected or not.
    let mislabelled: BackupContent | null = null;
    for (const b of info.backups) if (b.agents["hassio.local"]?.protected && !isSecureTar(await firstInner(sim, b.backup_id, "hassio.local"))) mislabelled = b;
    assert.ok(mislabelled, "the demo has a protected copy with plaintext archives");
    for (const key of keys) assert.deepEqual(await check(mislabelled.backup_id, "hassio.local", key), notSupported);
    // SecureTar v1 (encrypted, but no header): no plaintext size either.
    const { backup_id } = (await sim.control({ type: "create_backup", name: "Old format", agent_ids: ["hassio.local"], v1_agent_ids: ["hassio.local"] })) as { backup_id: string };
    try {
      const member = await firstInner(sim, backup_id, "hassio.local");
      assert.ok(!isSecureTar(member) && member[0] !== 0x1f, "encrypted, without a header");
      for (const key of [keys[2]!, "wrong"]) assert.deepEqual(await check(backup_id, "hassio.local", key), notSupported);
    } finally {
      await sim.control({ type: "delete_backup", backup_id });
    }
  });

  it("answers as core for a backup with no inner archive (BackupEmpty → BackupManagerError)", async () => {
    const { backup_id } = (await sim.control({ type: "create_backup", name: "Empty", agent_ids: ["hassio.local"], empty: true })) as { backup_id: string };
    try {
      // util.py validate_password_stream: raise BackupEmpty("No tar files found in the backup.").
      const e = await errorOf(admin.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id, agent_id: "hassio.local", password: keys[2]! }));
      assert.deepEqual(e, { code: "home_assistant_error", message: "No tar files found in the backup." });
    } finally {
      await sim.control({ type: "delete_backup", backup_id });
    }
  });
});

describe("backup/generate (manager.py async_initiate_backup, _async_create_backup, _async_finish_backup; hassio/backup.py)", () => {
  it("with some unknown locations backs up to the others and lists the unknown ones in failed_agent_ids", async () => {
    // Core PR #137409 (2025.2): unavailable agents count as failed instead of refusing the backup.
    const { events, result } = await eventsOf(admin, () => admin.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.local", "hassio.gone"], name: "Partial", password: keys[2] }));
    // hassio/backup.py async_create_backup: NewBackup(backup_job_id=backup.job_id.hex), a UUID's 32 hex digits.
    assert.match((result as { backup_job_id: string }).backup_job_id, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      events.filter((e) => "state" in e && e.state !== "in_progress").map((e) => [e.state, e.reason]),
      [["completed", null]],
      "unavailable agents do not fail the backup",
    );
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
      assert.deepEqual(
        events.map((e) => e.state ?? e.manager_state),
        ["in_progress", "failed", "idle"],
      );
      assert.notEqual((await configOf(admin)).last_attempted_automatic_backup, before.last_attempted_automatic_backup, "the attempt is recorded first");
    } finally {
      await admin.sendMessagePromise({ type: "backup/config/update", create_backup: { agent_ids: before.create_backup.agent_ids } });
    }
  });

  it("runs Supervisor's stages (addons only with add-ons), upload progress and cleaning_up (2026.4+), and lists a failing location", async () => {
    // supervisor backups/manager.py _do_backup: ADDONS only `if addon_list`, AWAIT_ADDON_RESTARTS only
    // `if addon_start_tasks`; the demo's backups have no add-ons.
    const { events } = await eventsOf(admin, () => admin.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.local", "hassio.offsite"], name: "Offsite", password: keys[2] }));
    const stages = events.filter((e) => e.stage).map((e) => e.stage);
    assert.deepEqual(stages, ["addon_repositories", "home_assistant", "folders", "finishing_file", "upload_to_agents", "cleaning_up"]);
    const progress = events.filter((e) => "agent_id" in e);
    assert.ok(progress.length >= 2 && progress.every((e) => e.agent_id === "hassio.local" && !("state" in e)), "progress events carry the agent and bytes, no state");
    assert.equal(progress.at(-1)!.uploaded_bytes, progress.at(-1)!.total_bytes);
    // An agent whose upload fails: failed with upload_failed (not completed), listed in failed_agent_ids.
    assert.deepEqual(events.at(-2), { manager_state: "create_backup", reason: "upload_failed", stage: null, state: "failed" });
    const made = (await infoOf(admin)).backups.find((b) => b.name === "Offsite")!;
    assert.deepEqual(made.failed_agent_ids, ["hassio.offsite"]);
    assert.deepEqual([made.failed_addons, made.failed_folders], [[], []]);
  });

  it("fills failed_addons and failed_folders with what Supervisor could not back up (HA 2025.6+)", async () => {
    // hassio/backup.py _async_wait_for_backup: _collect_errors(job, "backup_store_addons", "backup_addon_save")
    // and (…folders…) → WrittenBackup.addon_errors / folder_errors → ManagerBackup.failed_addons / failed_folders.
    const addon = { name: "Mosquitto broker", slug: "core_mosquitto", version: "6.5.1" };
    await sim.control({ type: "fault", backup_failures: { addons: [addon], folders: ["media"] } });
    const { events } = await eventsOf(admin, () => admin.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.local"], name: "Partly", password: keys[2] }));
    assert.ok(
      events.some((e) => e.stage === "addons"),
      "an add-on to back up: Supervisor runs its addons stage",
    );
    // The backup itself completes; it lacks what failed (core issue #145844: "does not list the addons").
    assert.equal(events.at(-2)!.state, "completed");
    const made = (await infoOf(admin)).backups.find((b) => b.name === "Partly")!;
    assert.deepEqual(made.failed_addons, [addon]);
    assert.deepEqual(made.failed_folders, ["media"]);
    assert.deepEqual(made.addons, []);
    assert.ok(!made.folders.includes("media"));
    // The fault was for one backup.
    const { events: next } = await eventsOf(admin, () => admin.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.local"], name: "Whole", password: keys[2] }));
    assert.ok(!next.some((e) => e.stage === "addons"));
    const whole = (await infoOf(admin)).backups.find((b) => b.name === "Whole")!;
    assert.deepEqual([whole.failed_addons, whole.failed_folders], [[], []]);
  });

  it("HA Cloud keeps only the newest backup, and refuses an unencrypted one", async () => {
    // cloud/backup.py CloudBackupAgent.async_upload_backup: one file per instance (<instance_id>.tar).
    // The demo too: only its newest backup is on Cloud.
    const demo = (await infoOf(admin)).backups.filter((b) => !["Partial", "Offsite", "Partly", "Whole"].includes(b.name));
    assert.deepEqual(
      demo.filter((b) => "cloud.cloud" in b.agents).map((b) => b.backup_id),
      [demo.at(-1)!.backup_id],
    );
    await eventsOf(admin, () => admin.sendMessagePromise({ type: "backup/generate", agent_ids: ["cloud.cloud"], name: "To cloud", password: keys[2] }));
    const onCloud = (await infoOf(admin)).backups.filter((b) => "cloud.cloud" in b.agents);
    assert.deepEqual(
      onCloud.map((b) => b.name),
      ["To cloud"],
    );
    // "Cloud backups must be protected": without a key the upload fails.
    const { events } = await eventsOf(admin, () => admin.sendMessagePromise({ type: "backup/generate", agent_ids: ["cloud.cloud", "hassio.local"], name: "Plain" }));
    assert.equal(events.at(-2)!.reason, "upload_failed");
    const plain = (await infoOf(admin)).backups.find((b) => b.name === "Plain")!;
    assert.deepEqual([Object.keys(plain.agents), plain.failed_agent_ids], [["hassio.local"], ["cloud.cloud"]]);
  });
});

describe("downloads (http.py DownloadBackupView, _send_backup_with_password → util.py decrypt_backup)", () => {
  /** A protected hassio.local copy made with `key`, in SecureTar `version`. */
  async function protectedCopy(version: 2 | 3, key: string): Promise<BackupContent> {
    for (const b of (await infoOf(admin)).backups) {
      if (!b.agents["hassio.local"]?.protected) continue;
      const m = await firstInner(sim, b.backup_id, "hassio.local");
      if (!isSecureTar(m) || m[9] !== version) continue;
      const ok = await admin.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id: b.backup_id, agent_id: "hassio.local", password: key }).then(
        () => true,
        () => false,
      );
      if (ok) return b;
    }
    throw new Error(`no v${version} copy for that key`);
  }

  it("decrypts only with a non-empty password on a protected copy; backup.json is rewritten with json.dumps", async () => {
    const b = await protectedCopy(2, keys[1]!);
    const stored = Buffer.from(await (await download(sim, b.backup_id, "agent_id=hassio.local")).arrayBuffer());
    // `if not password or not backup.protected`: an empty password gets the file as stored.
    const empty = await download(sim, b.backup_id, "agent_id=hassio.local&password=");
    assert.equal(empty.status, 200);
    assert.ok(Buffer.from(await empty.arrayBuffer()).equals(stored));
    const plainCopy = (await infoOf(admin)).backups.find((x) => x.agents["hassio.nas"]?.protected === false)!;
    const nas = await download(sim, plainCopy.backup_id, `agent_id=hassio.nas&password=${encodeURIComponent(keys[2]!)}`);
    assert.equal(nas.headers.get("content-length"), String(plainCopy.agents["hassio.nas"]!.size), "an unprotected copy is sent as stored");
    await nas.arrayBuffer();
    const decrypted = new Uint8Array(await (await download(sim, b.backup_id, `agent_id=hassio.local&password=${encodeURIComponent(keys[1]!)}`)).arrayBuffer());
    const json = new TextDecoder().decode(tarMembers(decrypted).find((m) => m.name === "./backup.json")!.data);
    // _decrypt_backup: metadata["protected"] = False; json.dumps(metadata) (", " and ": ", one line).
    assert.match(json, /^\{"slug": "[0-9a-f]{8}", "version": 2, "name": /);
    assert.ok(json.includes('"protected": false') && !json.includes("\n"));
    assert.equal(decrypted.length % 10240, 0, "complete");
  });

  it("a wrong password answers 200 with a stream cut short, not 400", async () => {
    // v2: tarfile.addfile writes the member's header, then the first read fails securetar's check
    // (DecryptInnerTar._validate_inner_tar); the worker stops, tarfile's __exit__ skips close().
    const b = await protectedCopy(2, keys[1]!);
    const res = await download(sim, b.backup_id, `agent_id=hassio.local&password=${encodeURIComponent(keys[0]!)}`);
    assert.equal(res.status, 200);
    const body = new Uint8Array(await res.arrayBuffer());
    const members = tarMembers(body);
    assert.deepEqual(
      members.map((m) => m.name),
      ["./backup.json", "homeassistant.tar.gz"],
    );
    assert.equal(members[1]!.data.length, 0, "the header of the archive that failed, none of its data");
    assert.ok(!body.subarray(body.length - 1024).every((x) => x === 0), "no end-of-archive blocks: the tar is incomplete");
  });

  it("a protected copy holding plaintext archives, downloaded with a password, ends after backup.json", async () => {
    // _decrypt_backup: `istf.securetar_header.plaintext_size is None` → UnsupportedSecureTarVersion,
    // raised inside istf.decrypt(obj), before output_tar.addfile: nothing of that archive is sent.
    let mislabelled: BackupContent | null = null;
    for (const b of (await infoOf(admin)).backups) if (b.agents["hassio.local"]?.protected && !isSecureTar(await firstInner(sim, b.backup_id, "hassio.local"))) mislabelled = b;
    const res = await download(sim, mislabelled!.backup_id, `agent_id=hassio.local&password=${encodeURIComponent(keys[2]!)}`);
    assert.equal(res.status, 200);
    const body = new Uint8Array(await res.arrayBuffer());
    assert.deepEqual(
      tarMembers(body).map((m) => m.name),
      ["./backup.json"],
    );
    assert.notEqual(body.length % 10240, 0, "cut short, not a complete tar");
  });

  it("auth/sign_path re-encodes the query as yarl does, keeps the parameters in order, signs without height/width", async () => {
    // http/auth.py async_sign_path: params from URL(path).query (decoded), without SAFE_QUERY_PARAMS,
    // then url.with_query(params) → yarl re-encodes ("%20" comes back as "+"); the token signs the list.
    const b = (await infoOf(admin)).backups.at(-1)!;
    const base = `/api/backup/download/${b.backup_id}`;
    const path = `${base}?agent_id=hassio.local&password=x%20y&width=3&agent_id=hassio.nas`;
    const signed = (await admin.sendMessagePromise<{ path: string }>({ type: "auth/sign_path", path })).path;
    assert.ok(signed.startsWith(`${base}?agent_id=hassio.local&password=x+y&agent_id=hassio.nas&authSig=`), signed.replace(/authSig=.*/, "authSig=…"));
    const sig = new URL(signed, sim.url).searchParams.get("authSig")!;
    const claims = JSON.parse(Buffer.from(sig.split(".")[1]!, "base64url").toString()) as { path: string; params: string[][] };
    assert.deepEqual(claims.params, [
      ["agent_id", "hassio.local"],
      ["password", "x y"],
      ["agent_id", "hassio.nas"],
    ]);
    const reordered = `${base}?password=x+y&agent_id=hassio.local&agent_id=hassio.nas&authSig=${sig}`;
    assert.equal((await fetch(sim.url + reordered)).status, 401, "reordered parameters break the signature");
    const ok = await fetch(sim.url + signed);
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
    // height and width are not signed: adding them afterwards keeps the signature valid.
    const sized = await fetch(`${sim.url}${signed}&height=100`);
    assert.equal(sized.status, 200);
    await sized.arrayBuffer();
    const guest = closeAfterTest(await connectHA(sim.url, sim.userToken));
    const byGuest = (await guest.sendMessagePromise<{ path: string }>({ type: "auth/sign_path", path: `${base}?agent_id=hassio.local` })).path;
    assert.equal((await fetch(sim.url + byGuest)).status, 401, "a non-admin's signature does not download");
  });
});

describe("a third encrypted location for tests and benchmarks (option encryptedMount)", () => {
  it("adds hassio.<name>, encrypted, holding every demo backup", async () => {
    const s = closeAfterTest(await startSimulatedHA({ port: 0, backups: 5, encryptedMount: "nas_encrypted", now: "2026-03-01T12:00:00Z" }));
    const c = closeAfterTest(await connectHA(s.url, s.adminToken));
    const info = await infoOf(c);
    assert.ok(info.backups.every((b) => b.agents["hassio.nas_encrypted"]?.protected === true));
    assert.equal(info.backups.filter((b) => "cloud.cloud" in b.agents).length, 1);
    const agents = (await c.sendMessagePromise<{ agents: { agent_id: string; name: string }[] }>({ type: "backup/agents/info" })).agents;
    assert.ok(agents.some((a) => a.agent_id === "hassio.nas_encrypted" && a.name === "nas_encrypted"));
    assert.equal((await configOf(c)).agents["hassio.nas_encrypted"]?.protected, true);
  });

  it("several names make several: 10 000-backup benchmarks get three encrypted locations holding every backup", async () => {
    const s = closeAfterTest(await startSimulatedHA({ port: 0, backups: 3, encryptedMount: "nas_a,nas_b", now: "2026-03-01T12:00:00Z" }));
    const c = closeAfterTest(await connectHA(s.url, s.adminToken));
    for (const b of (await infoOf(c)).backups) {
      assert.deepEqual(
        ["hassio.local", "hassio.nas_a", "hassio.nas_b"].map((id) => b.agents[id]?.protected),
        [true, true, true],
      );
    }
  });
});
