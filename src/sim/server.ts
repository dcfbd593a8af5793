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
import { Faults, type ConfigUpdateFault, type DropPoint, type RestartTiming } from "./faults.js";
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
  /** Project root to serve the demo page and the built bundle from. */
  serve?: string | null;
  backups?: number;
  /** Pause between backup stages, in ms. */
  stageDelayMs?: number;
  /** Restart once, this many seconds after starting (connections closed, then HA starts again). */
  restartAfter?: number;
  /** A state built by the caller instead of the demo's (the registry benchmark's 10 000 backups). Default: none. */
  initialState?: SimState;
}

export type { RestartTiming };

export type SimControlAction =
  | { type: "get_state" }
  | { type: "set_password"; password: string | null }
  | { type: "create_backup"; date?: string; name?: string; agent_ids?: string[]; empty?: boolean }
  | { type: "delete_backup"; backup_id: string }
  | { type: "set_agent_error"; agent_id: string; message: string | null }
  | { type: "set_manager_state"; state: ManagerStateEvent }
  | { type: "fault"; drop?: { command: string; when: DropPoint; times?: number; skip?: number; restart?: RestartTiming }; delay_ms?: number; config_update?: ConfigUpdateFault | null; hold?: string; release?: string; fail?: { command: string; code?: string; message?: string; clear?: boolean } }
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
      : await createDemoState({ seed, now: options.now ? new Date(options.now) : new Date(), haVersion, backups: options.backups }));
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
  const secret = randomBytes(32);
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
    publish(ev) {
      for (const l of backupSubscribers) l(ev);
    },
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
      time_zone: "Europe/Amsterdam",
      unit_system: { length: "km", accumulated_precipitation: "mm", area: "m²", mass: "g", pressure: "Pa", temperature: "°C", volume: "L", wind_speed: "m/s" },
      version: state.haVersion,
      whitelist_external_dirs: [],
    }),
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

  /** Loads the backup integration: its commands answer again, the manager is blocked, then idle. */
  const finishStart = (blockedMs: number) => {
    if (phase !== "starting" && phase !== "down") return;
    phase = "blocked";
    state.managerEvent = { manager_state: "blocked" };
    loaded?.resolve();
    loaded = null;
    later(blockedMs, () => {
      phase = "running";
      state.managerEvent = { manager_state: "idle" };
      ctx.publish(state.managerEvent);
    });
  };

  let blockedMsOnFinish = 300;
  const restart = (t: RestartTiming = {}): Promise<void> => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    phase = "down";
    let resolve!: () => void;
    loaded = { promise: new Promise<void>((r) => (resolve = r)), resolve: () => resolve() };
    // Nothing survives in memory but what core keeps in its store (config, backups).
    state.lastActionEvent = null;
    state.managerEvent = { manager_state: "blocked" };
    for (const c of connections) c.drop();
    blockedMsOnFinish = t.blocked_ms ?? 300;
    return new Promise<void>((started) =>
      later(t.down_ms ?? 300, () => {
        phase = "starting";
        if (!t.hold) later(t.starting_ms ?? 1000, () => finishStart(blockedMsOnFinish));
        started();
      }),
    );
  };
  if (options.restartAfter !== undefined) later(options.restartAfter * 1000, () => void restart());

  const control = async (action: SimControlAction): Promise<unknown> => {
    switch (action.type) {
      case "get_state":
        return {
          config: structuredClone(state.config),
          backups: state.listBackups(),
          notifications: [...state.notifications.values()],
          manager_state: state.managerEvent,
          faults: faults.describe(),
          phase,
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
            password: state.config.create_backup.password,
            withAutomaticSettings: true,
            empty: action.empty,
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
        if (action.delay_ms !== undefined) faults.delayMs = action.delay_ms;
        if (action.config_update !== undefined) faults.setConfigUpdate(action.config_update);
        if (action.hold !== undefined) faults.hold(action.hold);
        if (action.release !== undefined) faults.release(action.release);
        if (action.fail !== undefined) faults.fail(action.fail.command, action.fail.clear ? null : { code: action.fail.code ?? "unknown_command", message: action.fail.message ?? "Unknown command." });
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
      case "finish_start":
        finishStart(blockedMsOnFinish);
        return null;
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


