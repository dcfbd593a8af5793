// Options and test controls of the simulated HA: --state persistence, --serve static files,
// signed-path expiry, the remaining fault injection points and the control actions.
import assert from "node:assert/strict";
import { WebSocket } from "ws";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import type { BackupInfo } from "../../../src/data/backup.js";
import { parseSimArgs, startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { closeAfterTest, closeOpened, connectHA, rawSocket } from "../../support/ha-client.js";

afterEach(closeOpened);

const NOW = "2026-11-27T12:00:00Z";
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "sim-test-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("--state", () => {
  it("keeps config, backups and their bytes across a restart", async () => {
    const stateFile = join(dir, "state", "ha.json");
    let sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 4, now: NOW, state: stateFile }));
    const made = (await sim.control({ type: "create_backup", name: "Kept", date: "2026-11-26T10:00:00+00:00" })) as { backup_id: string };
    await sim.control({ type: "set_password", password: "KEPT-KEPT-KEPT-KEPT-KEPT-KEPT-KEPT" });
    const bytesBefore = await (await fetch(`${sim.url}/api/backup/download/${made.backup_id}?agent_id=hassio.local`, { headers: { authorization: `Bearer ${sim.adminToken}` } })).arrayBuffer();
    const keys = await sim.control({ type: "demo_keys" });
    await sim.close();

    sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 4, now: NOW, state: stateFile, seed: 99 }));
    const state = (await sim.control({ type: "get_state" })) as { config: { create_backup: { password: string } }; backups: { backup_id: string }[] };
    assert.equal(state.config.create_backup.password, "KEPT-KEPT-KEPT-KEPT-KEPT-KEPT-KEPT");
    assert.equal(state.backups.length, 5);
    assert.deepEqual(await sim.control({ type: "demo_keys" }), keys, "the stored instance wins over the seed");
    const bytesAfter = await (await fetch(`${sim.url}/api/backup/download/${made.backup_id}?agent_id=hassio.local`, { headers: { authorization: `Bearer ${sim.adminToken}` } })).arrayBuffer();
    assert.deepEqual(Buffer.from(bytesAfter), Buffer.from(bytesBefore));
    await sim.close();
  });

  it("is deterministic per seed without a state file", async () => {
    const a = closeAfterTest(await startSimulatedHA({ port: 0, backups: 3, now: NOW, seed: 7 }));
    const b = closeAfterTest(await startSimulatedHA({ port: 0, backups: 3, now: NOW, seed: 7 }));
    const c = closeAfterTest(await startSimulatedHA({ port: 0, backups: 3, now: NOW, seed: 8 }));
    const ids = async (s: SimHandle) => ((await s.control({ type: "get_state" })) as { backups: { backup_id: string; extra_metadata: unknown }[] }).backups.map((x) => [x.backup_id, x.extra_metadata]);
    assert.deepEqual(await ids(a), await ids(b));
    assert.deepEqual(await a.control({ type: "demo_keys" }), await b.control({ type: "demo_keys" }));
    assert.notDeepEqual(await c.control({ type: "demo_keys" }), await a.control({ type: "demo_keys" }));
    const keys = (await a.control({ type: "demo_keys" })) as string[];
    assert.equal(keys.length, 3);
    for (const k of keys) assert.match(k, /^[A-Z0-9]{4}(-[A-Z0-9]{4}){6}$/);
    await Promise.all([a.close(), b.close(), c.close()]);
  });
});

describe("--serve", () => {
  it("serves the demo page and the bundle with content types, and nothing outside the folder", async () => {
    const root = join(dir, "project");
    mkdirSync(join(root, "panel"), { recursive: true });
    mkdirSync(join(root, "dist"), { recursive: true });
    writeFileSync(join(root, "panel", "index.html"), "<!doctype html><title>demo</title>");
    writeFileSync(join(root, "dist", "backup-keyring.js"), "export const x = 1;");
    writeFileSync(join(dir, "secret.txt"), "outside");
    const sim = closeAfterTest(await startSimulatedHA({ port: 0, backups: 1, now: NOW, serve: root }));
    const index = await fetch(`${sim.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await index.text(), /<title>demo<\/title>/);
    const js = await fetch(`${sim.url}/local/backup-keyring/backup-keyring.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /^text\/javascript/);
    for (const p of ["/local/backup-keyring/..%2F..%2Fsecret.txt", "/local/backup-keyring/%2e%2e/%2e%2e/secret.txt", "/local/backup-keyring/missing.js"]) {
      const res = await fetch(sim.url + p);
      assert.equal(res.status, 404, p);
      assert.doesNotMatch(await res.text(), /outside/);
    }
    assert.equal((await fetch(`${sim.url}/`, { method: "POST" })).status, 404);
    await sim.close();
  });
});

describe("signed paths, faults and controls", () => {
  let sim: SimHandle;
  before(async () => {
    sim = await startSimulatedHA({ port: 0, backups: 3, now: NOW, stageDelayMs: 5 });
  });
  after(() => sim.close());
  // A test that fails half-way leaves no fault or agent error behind for the next one.
  afterEach(async () => {
    await sim.control({ type: "clear_faults" });
    await sim.control({ type: "set_agent_error", agent_id: "cloud.cloud", message: null });
  });

  it("an expired signature is refused; the signature is a JWT bound to the path", async () => {
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    const info = await conn.sendMessagePromise<BackupInfo>({ type: "backup/info" });
    const path = `/api/backup/download/${info.backups[0]!.backup_id}?agent_id=hassio.nas`;
    const expired = await conn.sendMessagePromise<{ path: string }>({ type: "auth/sign_path", path, expires: -5 });
    assert.equal((await fetch(sim.url + expired.path)).status, 401);
    const fresh = await conn.sendMessagePromise<{ path: string }>({ type: "auth/sign_path", path });
    const sig = new URL(fresh.path, sim.url).searchParams.get("authSig")!;
    const header = JSON.parse(Buffer.from(sig.split(".")[0]!, "base64url").toString());
    assert.equal(header.alg, "HS256");
    const other = `/api/backup/download/${info.backups[1]!.backup_id}?agent_id=hassio.nas&authSig=${sig}`;
    assert.equal((await fetch(sim.url + other)).status, 401, "not valid for another backup");
    const res = await fetch(sim.url + fresh.path, { headers: { origin: "http://elsewhere.example" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    conn.close();
  });

  it("drops after handling (no answer, change applied) and after answering (answer arrives, then the drop)", async () => {
    let raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    await sim.control({ type: "fault", drop: { command: "call_service", when: "after_handle" } });
    const closed1 = new Promise((r) => raw.ws.once("close", r));
    raw.send({ id: 1, type: "call_service", domain: "persistent_notification", service: "create", service_data: { message: "hi", notification_id: "n1" } });
    await closed1;
    const state = (await sim.control({ type: "get_state" })) as { notifications: { notification_id: string }[] };
    assert.ok(
      state.notifications.some((n) => n.notification_id === "n1"),
      "handled before the drop",
    );

    raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    await sim.control({ type: "fault", drop: { command: "get_config", when: "after_answer" } });
    const closed2 = new Promise((r) => raw.ws.once("close", r));
    raw.send({ id: 1, type: "get_config" });
    const answer = (await raw.next()) as { id: number; success: boolean; result: { version: string } };
    assert.equal(answer.id, 1);
    assert.equal(answer.success, true);
    await closed2;
  });

  it("delays answers: a delay ends by itself or with clear_faults, and holds only what it matches", async () => {
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    // A short delay ends by itself (nothing else releases it here).
    await sim.control({ type: "fault", delay: { ms: 20, command: "ping" } });
    raw.send({ id: 1, type: "ping" });
    assert.deepEqual(await raw.next(), { id: 1, type: "pong" }, "the delayed answer comes once its time has passed");
    // A delay rule holds only what it matches (here one ping) until its time or clear_faults; an
    // hour-long hold makes the order certain whatever the machine's load.
    await sim.control({ type: "fault", delay: { ms: 3_600_000, command: "ping", times: 1 } });
    raw.send({ id: 2, type: "ping" });
    raw.send({ id: 3, type: "ping" });
    assert.deepEqual(await raw.next(), { id: 3, type: "pong" }, "the undelayed answer comes first");
    await sim.control({ type: "clear_faults" });
    assert.deepEqual(await raw.next(), { id: 2, type: "pong" }, "the held answer comes once the faults are cleared");
  });

  it("holds back the answers to one command until released; others go on", async () => {
    const raw = closeAfterTest(await rawSocket(sim.url, sim.adminToken));
    const held = (await sim.control({ type: "fault", hold: "get_config" })) as { holds: Record<string, number> };
    assert.deepEqual(held.holds, { get_config: 0 });
    raw.send({ id: 1, type: "get_config" });
    // Wait until it reached the gate (counted as waiting), then show another command passes it.
    while (((await sim.control({ type: "fault" })) as { holds: Record<string, number> }).holds.get_config !== 1) await new Promise((r) => setImmediate(r));
    raw.send({ id: 2, type: "ping" });
    assert.deepEqual(await raw.next(), { id: 2, type: "pong" }, "another command is answered while one is held");
    await sim.control({ type: "fault", release: "get_config" });
    const answer = (await raw.next()) as { id: number; success: boolean };
    assert.deepEqual([answer.id, answer.success], [1, true], "the held answer comes once released");
    assert.deepEqual(((await sim.control({ type: "fault" })) as { holds: Record<string, number> }).holds, {});
  });

  it("names each command's client (the connecting User-Agent) in the command log", async () => {
    const ws = closeAfterTest(new WebSocket(`${sim.url.replace(/^http/, "ws")}/api/websocket`, { headers: { "user-agent": "test-browser profile-b" } }));
    const frames: unknown[] = [];
    const next = () => new Promise<unknown>((r) => ws.once("message", (raw) => r(JSON.parse(String(raw)))));
    await next(); // auth_required
    ws.send(JSON.stringify({ type: "auth", access_token: sim.adminToken }));
    frames.push(await next());
    ws.send(JSON.stringify({ id: 1, type: "ping" }));
    frames.push(await next());
    const log = (await sim.control({ type: "command_log" })) as { type: string; client?: string }[];
    assert.deepEqual(
      log.filter((l) => l.client === "test-browser profile-b").map((l) => l.type),
      ["ping"],
    );
  });

  it("answers a command with an error on request (an HA without it, or refusing it), until cleared", async () => {
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    await sim.control({ type: "fault", fail: { command: "frontend/get_user_data" } });
    await assert.rejects(conn.sendMessagePromise({ type: "frontend/get_user_data", key: "x" }), (e: { code: string }) => e.code === "unknown_command");
    await sim.control({ type: "fault", fail: { command: "frontend/set_user_data", code: "home_assistant_error", message: "Disk full" } });
    await assert.rejects(
      conn.sendMessagePromise({ type: "frontend/set_user_data", key: "x", value: 1 }),
      (e: { code: string; message: string }) => e.code === "home_assistant_error" && e.message === "Disk full",
    );
    await sim.control({ type: "fault", fail: { command: "frontend/get_user_data", clear: true } });
    assert.deepEqual(await conn.sendMessagePromise({ type: "frontend/get_user_data", key: "x" }), { value: null }, "the refused write stored nothing");
    await sim.control({ type: "clear_faults" });
    await conn.sendMessagePromise({ type: "frontend/set_user_data", key: "x", value: 1 });
  });

  it("control: set_password makes new backups with that key; agent errors, deletes and dropped connections", async () => {
    const conn = closeAfterTest(await connectHA(sim.url, sim.adminToken));
    await sim.control({ type: "set_password", password: "NEWK-NEWK-NEWK-NEWK-NEWK-NEWK-NEWK" });
    const { backup_id } = (await sim.control({ type: "create_backup", name: "After change", agent_ids: ["hassio.local", "hassio.nas"] })) as { backup_id: string };
    const check = (password: string) =>
      conn.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id, agent_id: "hassio.local", password }).then(
        () => "ok",
        (e: { code: string }) => e.code,
      );
    assert.equal(await check("NEWK-NEWK-NEWK-NEWK-NEWK-NEWK-NEWK"), "ok");
    const keys = (await sim.control({ type: "demo_keys" })) as string[];
    assert.equal(await check(keys[2]!), "password_incorrect");
    // An unprotected copy has no SecureTar header: core's validate_password_stream cannot stream-decrypt it.
    const nas = await conn.sendMessagePromise({ type: "backup/can_decrypt_on_download", backup_id, agent_id: "hassio.nas", password: "anything" }).then(
      () => "ok",
      (e: { code: string }) => e.code,
    );
    assert.equal(nas, "decrypt_not_supported", "unprotected copy");

    await sim.control({ type: "set_agent_error", agent_id: "cloud.cloud", message: "The backup agent is unreachable." });
    let info = await conn.sendMessagePromise<BackupInfo>({ type: "backup/info" });
    assert.deepEqual(info.agent_errors, { "cloud.cloud": "The backup agent is unreachable.", "hassio.offsite": "The backup agent is unreachable." });
    assert.ok(info.backups.every((b) => !("cloud.cloud" in b.agents)));

    await sim.control({ type: "delete_backup", backup_id });
    info = await conn.sendMessagePromise<BackupInfo>({ type: "backup/info" });
    assert.ok(!info.backups.some((b) => b.backup_id === backup_id));

    await sim.control({ type: "set_agent_error", agent_id: "cloud.cloud", message: null });
    const disconnected = new Promise<void>((r) => conn.addEventListener("disconnected", () => r()));
    await sim.control({ type: "drop_connections" });
    await disconnected;
    conn.close();
  });
});

describe("command line", () => {
  it("parses the documented flags", () => {
    assert.deepEqual(
      parseSimArgs([
        "--port",
        "0",
        "--host=0.0.0.0",
        "--seed",
        "3",
        "--ha-version",
        "2025.1.0",
        "--state",
        "s.json",
        "--serve",
        ".",
        "--token",
        "t",
        "--user-token",
        "u",
        "--encrypted-mount",
        "nas_encrypted",
      ]),
      {
        port: 0,
        host: "0.0.0.0",
        seed: 3,
        haVersion: "2025.1.0",
        state: "s.json",
        serve: ".",
        token: "t",
        userToken: "u",
        encryptedMount: "nas_encrypted",
      },
    );
    assert.throws(() => parseSimArgs(["--nope"]));
    assert.throws(() => parseSimArgs(["--port", "x"]));
  });
});
