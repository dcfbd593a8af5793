// Puts the simulated HA together: state, WebSocket protocol, HTTP, fault injection, test control.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { ManagerStateEvent } from "../data/backup.js";
import { backupHandlers } from "./backup-commands.js";
import { createDemoState } from "./demo-data.js";
import { FrontendStorage } from "./frontend-storage.js";
import { Faults, type BackupFailures, type ConfigUpdateFault, type DropPoint, type FailRule, type HoldRule, type RestartTiming } from "./faults.js";
import { backupFeatures } from "../data/ha-version.js";
import type { AddonInfo } from "../data/backup.js";
import { handleHttp } from "./http.js";
import { systemRng } from "./random.js";
import { signPath, verifySignedPath } from "./signed-path.js";
import { SimState } from "./state.js";
import { SimConnection, type ServerContext, type SimUser } from "./websocket.js";
import { WsError } from "./validate.js";

export const WS_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface SimOptions {
  port?: number;
  host?: string;
  token?: string;
  userToken?: string;
  state?: string;
  haVersion?: string;
  seed?: number;
  /** ISO date the demo data counts back from (default: now). */
  now?: string;
  /** HA's configured time zone (`time_zone` in core's config; Europe/Amsterdam by default). */
  timeZone?: string;
  /** Project root to serve the demo page and the built bundle from. */
  serve?: string | null;
  backups?: number;
  /** Pause between backup stages, in ms. */
  stageDelayMs?: number;
  /** Restart once, this many seconds after starting (connections closed, then HA starts again). */
  restartAfter?: number;
  /**
   * Adds encrypted network-storage locations `hassio.<name>` (comma-separated names) that hold every demo backup, as
   * `hassio.local` does (for tests and benchmarks that need many copies on a third encrypted
   * location: HA Cloud keeps only the newest backup).
   */
  encryptedMount?: string;
  /** A state built by the caller instead of the demo's (the registry benchmark's 10 000 backups). Default: none. */
  initialState?: SimState;
}

export type { RestartTiming };

export type SimControlAction =
  | { type: "get_state" }
  | { type: "set_password"; password: string | null }
  | {
      type: "create_backup";
      date?: string;
      name?: string;
      agent_ids?: string[];
      empty?: boolean;
      /** false: a manual backup (`backup/generate`), which may carry any password. Default: automatic. */
      automatic?: boolean;
      /** The password it is encrypted with (default: the configured key). */
      password?: string | null;
      /** Made by another instance and uploaded to a shared location: HA lists it as not its own. */
      instance_id?: string;
      /** Write these locations' inner archives as SecureTar v1. */
      v1_agent_ids?: string[];
      addons?: AddonInfo[];
    }
  | { type: "delete_backup"; backup_id: string }
  | { type: "set_agent_error"; agent_id: string; message: string | null }
  | { type: "set_manager_state"; state: ManagerStateEvent }
  | {
      type: "fault";
      drop?: { command: string; when: DropPoint; times?: number; skip?: number; restart?: RestartTiming };
      config_update?: ConfigUpdateFault | null;
      /** Answer a command with an error (default unknown_command; without `times` until cleared). */
      fail?: FailRule;
      /** Hold matching answers (`times` of them, default one) until `ms` passed or the faults are cleared. */
      delay?: HoldRule & { ms: number };
      /** The next backup cannot save these add-ons or folders. */
      backup_failures?: BackupFailures | null;
      /** Hold every answer to this command until `release` names it. */
      hold?: string;
      release?: string;
    }
  | { type: "clear_faults" }
  | { type: "drop_connections" }
  | ({ type: "restart" } & RestartTiming)
  | { type: "finish_start" }
  | { type: "demo_keys" }
  | { type: "command_log" };

export interface SimHandle {
  url: string;
  port: number;
  adminToken: string;
  userToken: string;
  close(): Promise<void>;
  control(action: SimControlAction): Promise<unknown>;
}

export async function startSimulatedHA(options: SimOptions = {}): Promise<SimHandle> {
  const haVersion = options.haVersion ?? "2026.11.0";
  const seed = options.seed ?? 1;
  const state =
    options.initialState ??
    (options.state && existsSync(options.state)
      ? SimState.load(options.state)
      : await createDemoState({ seed, now: options.now ? new Date(options.now) : new Date(), haVersion, backups: options.backups, encryptedMount: options.encryptedMount }));
  state.haVersion = haVersion;
  const persist = () => {
    if (options.state) state.save(options.state);
  };
  persist();

  const adminToken = options.token ?? randomBytes(24).toString("base64url");
  const userToken = options.userToken ?? randomBytes(24).toString("base64url");
  const users: SimUser[] = [
    { id: "a1b2c3d4e5f60718293a4b5c6d7e8f90", name: "Owner", is_admin: true, is_owner: true, token: adminToken },
    { id: "0f9e8d7c6b5a49382716f5e4d3c2b1a0", name: "Guest", is_admin: false, is_owner: false, token: userToken },
  ];
  // Core keeps the signing secret in `hass.data` (`http/auth.py` `async_sign_path`): a new one
  // for every run of the process, so a restart ends every signed URL.
  let secret = randomBytes(32);
  // Aborted when the process "ends" (a restart): what ran in it, like a backup job, ends too.
  let processLife = new AbortController();
  const faults = new Faults();
  const backupSubscribers = new Set<(ev: ManagerStateEvent) => void>();
  const eventSubscribers = new Set<(ev: Record<string, unknown>) => void>();
  const connections = new Set<SimConnection>();
  const rng = systemRng();
  // A restart: "down" (no WebSocket accepted), "starting" (backup integration not loaded),
  // "blocked" (manager up, waiting for HA to finish starting), then "running".
  let phase: "running" | "down" | "starting" | "blocked" = "running";
  let loaded: { promise: Promise<void>; resolve: () => void } | null = null;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const fireEvent = (eventType: string, data: Record<string, unknown>) => {
    const ev = { event_type: eventType, data, origin: "LOCAL", time_fired: new Date().toISOString(), context: { id: rng.hex(26).toUpperCase(), parent_id: null, user_id: null } };
    for (const l of eventSubscribers) l(ev);
  };

  const ctx: ServerContext = {
    state,
    rng,
    users,
    faults,
    // With --state, each user's frontend data is kept next to the state file, as HA keeps it in `.storage/`.
    frontend: new FrontendStorage(
      options.state && existsSync(`${options.state}.frontend.json`) ? (JSON.parse(readFileSync(`${options.state}.frontend.json`, "utf8")) as Record<string, Record<string, unknown>>) : {},
      (all) => {
        if (!options.state) return;
        writeFileSync(`${options.state}.frontend.json.tmp`, JSON.stringify(all));
        renameSync(`${options.state}.frontend.json.tmp`, `${options.state}.frontend.json`);
      },
    ),
    log: [],
    phase: () => (phase === "down" ? "starting" : phase),
    restart: (t) => void restart(t),
    backupLoaded: () => loaded?.promise ?? Promise.resolve(),
    stageDelayMs: options.stageDelayMs ?? 150,
    persist,
    processSignal: () => processLife.signal,
    takeBackupFailures: () => faults.takeBackupFailures(),
    publish(ev) {
      for (const l of backupSubscribers) l(ev);
    },
    // Read at call time: a restart replaces the secret.
    signPath: (path, expires, user) => signPath(secret, path, expires, user.id),
    getConfig: () => ({
      allowlist_external_dirs: [],
      components: [...(phase === "running" || phase === "blocked" ? ["backup"] : []), "frontend", "hassio", "http", "panel_custom", "persistent_notification", "websocket_api"],
      config_dir: "/config",
      config_source: "storage",
      country: "NL",
      currency: "EUR",
      elevation: 0,
      external_url: null,
      internal_url: null,
      language: "en",
      latitude: 52.37,
      location_name: state.locationName,
      longitude: 4.89,
      radius: 100,
      recovery_mode: false,
      safe_mode: false,
      state: phase === "running" ? "RUNNING" : "STARTING",
      time_zone: options.timeZone ?? "Europe/Amsterdam",
      unit_system: { length: "km", accumulated_precipitation: "mm", area: "m²", mass: "g", pressure: "Pa", temperature: "°C", volume: "L", wind_speed: "m/s" },
      version: state.haVersion,
      whitelist_external_dirs: [],
    }),
    notifications: () => [...state.notifications.values()],
    async callService(domain, service, data, user) {
      if (domain === "persistent_notification" && service === "create") {
        if (typeof data.message !== "string") throw new WsError("invalid_format", "required key not provided @ data['message']");
        const id = typeof data.notification_id === "string" ? data.notification_id : rng.hex(32);
        state.notifications.set(id, { notification_id: id, title: typeof data.title === "string" ? data.title : null, message: data.message, created_at: new Date().toISOString() });
        fireEvent("persistent_notifications_updated", {});
        persist();
        return;
      }
      if (domain === "persistent_notification" && service === "dismiss") {
        if (typeof data.notification_id !== "string") throw new WsError("invalid_format", "required key not provided @ data['notification_id']");
        state.notifications.delete(data.notification_id);
        fireEvent("persistent_notifications_updated", {});
        persist();
        return;
      }
      if (domain === "backup" && service === "create_automatic") {
        if (!user.is_admin) throw new WsError("unauthorized", "Unauthorized");
        await backupHandlers["backup/generate_with_automatic_settings"]!(ctx, {});
        return;
      }
      throw new WsError("not_found", `Service ${domain}.${service} not found.`);
    },
  };

  const server = createServer((req, res) => {
    handleHttp(
      {
        state,
        adminTokens: [adminToken],
        // Until the backup integration has loaded, its HTTP views are not registered (aiohttp: 404).
        backupViews: () => phase === "running" || phase === "blocked",
        signedByAdmin: (u) => {
          const userId = verifySignedPath(secret, u);
          return users.some((x) => x.id === userId && x.is_admin);
        },
        serveDir: options.serve ?? null,
      },
      req,
      res,
    ).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // aiohttp (HA's web server) keeps idle connections for 75 s; Node's default of 5 s races clients.
  server.keepAliveTimeout = 75_000;
  // While "down" nothing answers: HA's web server is not running (the connection is cut).
  server.on("connection", (socket) => {
    if (phase === "down") socket.destroy();
  });
  // aiohttp's default limit for a received WebSocket message is 4 MiB; a larger one closes the
  // connection with 1009 (message too big), as HA does.
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_MESSAGE_BYTES });
  server.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== "/api/websocket" || phase === "down") {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new SimConnection(ws, ctx, backupSubscribers, eventSubscribers, req.headers["user-agent"]);
      connections.add(conn);
      ws.on("close", () => connections.delete(conn));
      // A protocol error (such as a message over the size limit) closes the socket; the close is what counts.
      ws.on("error", () => undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8123, options.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? "127.0.0.1";

  /**
   * Loads the backup integration: its commands answer again. From 2025.3 the manager reports
   * `blocked` until HA has started (core PR #139499: `BlockedEvent` until `async_at_started`
   * sends `IdleEvent`); before that it was idle from the start.
   */
  const finishStart = (blockedMs: number) => {
    if (phase !== "starting" && phase !== "down") return;
    // Called while still "down" (e.g. `finish_start` right after `restart`): start now.
    for (const timer of restartTimers) clearTimeout(timer);
    restartTimers.clear();
    loaded?.resolve();
    loaded = null;
    if (!backupFeatures(state.haVersion).blockedState) {
      phase = "running";
      state.managerEvent = { manager_state: "idle" };
      return;
    }
    phase = "blocked";
    state.managerEvent = { manager_state: "blocked" };
    later(blockedMs, () => {
      phase = "running";
      state.managerEvent = { manager_state: "idle" };
      ctx.publish(state.managerEvent);
    });
  };

  const restartTimers = new Set<NodeJS.Timeout>();
  const laterInRestart = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      restartTimers.delete(t);
      timers.delete(t);
      fn();
    }, ms);
    restartTimers.add(t);
    timers.add(t);
  };

  let blockedMsOnFinish = 300;
  /** Who waits for HA to accept connections again (the `restart` control resolves then). */
  const restartWaiters: (() => void)[] = [];
  const restart = (t: RestartTiming = {}): Promise<void> => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    restartTimers.clear();
    phase = "down";
    // The old process ends: its running backup job, its signing secret, its manager state.
    processLife.abort();
    processLife = new AbortController();
    secret = randomBytes(32);
    let resolve!: () => void;
    loaded = { promise: new Promise<void>((r) => (resolve = r)), resolve: () => resolve() };
    // Nothing survives in memory but what core keeps in its store (config, backups).
    state.lastActionEvent = null;
    state.managerEvent = { manager_state: backupFeatures(state.haVersion).blockedState ? "blocked" : "idle" };
    for (const c of connections) c.drop();
    server.closeAllConnections();
    blockedMsOnFinish = t.blocked_ms ?? 300;
    return new Promise<void>((started) => {
      restartWaiters.push(started);
      laterInRestart(t.down_ms ?? 300, () => {
        phase = "starting";
        if (!t.hold) laterInRestart(t.starting_ms ?? 1000, () => finishStart(blockedMsOnFinish));
        restartWaiters.splice(0).forEach((r) => r());
      });
    });
  };
  if (options.restartAfter !== undefined) later(options.restartAfter * 1000, () => void restart());

  const control = async (action: SimControlAction): Promise<unknown> => {
    switch (action.type) {
      case "get_state":
        return {
          config: structuredClone(state.config),
          // Always the newest shape (an `agents` map), whatever version is simulated: tests read it.
          backups: state.listBackups("9999.1.0"),
          notifications: [...state.notifications.values()],
          manager_state: state.managerEvent,
          faults: faults.describe(),
          phase,
          // A restart step still to come (the end of "down" or of "starting").
          restart_pending: restartTimers.size > 0,
          connections: connections.size,
        };
      case "set_password":
        state.config.create_backup.password = action.password;
        persist();
        return null;
      case "create_backup": {
        const date = action.date ?? new Date().toISOString().replace("Z", "+00:00");
        const b = await state.createBackup(
          {
            name: action.name ?? `Automatic backup ${state.haVersion}`,
            date,
            agentIds: action.agent_ids ?? state.config.create_backup.agent_ids,
            password: action.password !== undefined ? action.password : state.config.create_backup.password,
            withAutomaticSettings: action.automatic ?? true,
            empty: action.empty,
            instanceId: action.instance_id,
            v1Agents: action.v1_agent_ids,
            addons: action.addons,
          },
          rng,
        );
        persist();
        return { backup_id: b.backup_id };
      }
      case "delete_backup":
        state.backups.delete(action.backup_id);
        persist();
        return null;
      case "set_agent_error": {
        const agent = state.agents.find((a) => a.agent_id === action.agent_id);
        if (!agent) throw new Error(`unknown agent ${action.agent_id}`);
        agent.error = action.message;
        return null;
      }
      case "set_manager_state":
        state.managerEvent = action.state;
        ctx.publish(action.state);
        return null;
      case "fault":
        if (action.drop) faults.addDrop(action.drop);
        if (action.config_update !== undefined) faults.setConfigUpdate(action.config_update);
        if (action.fail) faults.addFail(action.fail);
        if (action.delay) faults.addHold({ ...action.delay, times: action.delay.times ?? 1 });
        if (action.backup_failures !== undefined) faults.setBackupFailures(action.backup_failures);
        if (action.hold !== undefined) faults.addHold({ command: action.hold });
        if (action.release !== undefined) faults.release(action.release);
        return faults.describe();
      case "clear_faults":
        faults.clear();
        return null;
      case "drop_connections":
        for (const c of connections) c.drop();
        return null;
      case "restart": {
        // Resolves once HA accepts connections again ("starting").
        const { type: _type, ...timing } = action;
        await restart(timing);
        return null;
      }
      case "finish_start": {
        // From "down" too: HA comes up at once instead of when the down time runs out.
        const wasDown = phase === "down";
        finishStart(blockedMsOnFinish);
        if (wasDown) restartWaiters.splice(0).forEach((r) => r());
        return null;
      }
      case "demo_keys":
        return [...state.demoKeys];
      case "command_log":
        return [...ctx.log];
    }
  };

  return {
    url: `http://${host}:${port}`,
    port,
    adminToken,
    userToken,
    control,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      loaded?.resolve();
      for (const c of connections) c.drop();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets (fetch, browsers) would otherwise hold close() open.
      server.closeAllConnections();
      await closed;
    },
  };
}
