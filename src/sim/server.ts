// Puts the simulated HA together: state, WebSocket protocol, HTTP, fault injection, test control.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { ManagerStateEvent } from "../data/backup.js";
import { backupHandlers } from "./backup-commands.js";
import { createDemoState } from "./demo-data.js";
import { Faults, type ConfigUpdateFault, type DropPoint } from "./faults.js";
import { handleHttp } from "./http.js";
import { systemRng } from "./random.js";
import { signPath, verifySignedPath } from "./signed-path.js";
import { SimState } from "./state.js";
import { SimConnection, type ServerContext, type SimUser } from "./websocket.js";
import { WsError } from "./validate.js";

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
}

export type SimControlAction =
  | { type: "get_state" }
  | { type: "set_password"; password: string | null }
  | { type: "create_backup"; date?: string; name?: string; agent_ids?: string[] }
  | { type: "delete_backup"; backup_id: string }
  | { type: "set_agent_error"; agent_id: string; message: string | null }
  | { type: "set_manager_state"; state: ManagerStateEvent }
  | { type: "fault"; drop?: { command: string; when: DropPoint; times?: number; skip?: number }; delay_ms?: number; config_update?: ConfigUpdateFault | null }
  | { type: "clear_faults" }
  | { type: "drop_connections" }
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
    options.state && existsSync(options.state)
      ? SimState.load(options.state)
      : await createDemoState({ seed, now: options.now ? new Date(options.now) : new Date(), haVersion, backups: options.backups });
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

  const fireEvent = (eventType: string, data: Record<string, unknown>) => {
    const ev = { event_type: eventType, data, origin: "LOCAL", time_fired: new Date().toISOString(), context: { id: rng.hex(26).toUpperCase(), parent_id: null, user_id: null } };
    for (const l of eventSubscribers) l(ev);
  };

  const ctx: ServerContext = {
    state,
    rng,
    users,
    faults,
    log: [],
    stageDelayMs: options.stageDelayMs ?? 150,
    persist,
    publish(ev) {
      for (const l of backupSubscribers) l(ev);
    },
    signPath: (path, expires, user) => signPath(secret, path, expires, user.id),
    getConfig: () => ({
      allowlist_external_dirs: [],
      components: ["backup", "frontend", "hassio", "http", "panel_custom", "persistent_notification", "websocket_api"],
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
      state: "RUNNING",
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
      { state, adminTokens: [adminToken], verifySigned: (u) => verifySignedPath(secret, u), serveDir: options.serve ?? null },
      req,
      res,
    ).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // aiohttp (HA's web server) keeps idle connections for 75 s; Node's default of 5 s races clients.
  server.keepAliveTimeout = 75_000;
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://x").pathname !== "/api/websocket") {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new SimConnection(ws, ctx, backupSubscribers, eventSubscribers);
      connections.add(conn);
      ws.on("close", () => connections.delete(conn));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8123, options.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? "127.0.0.1";

  const control = async (action: SimControlAction): Promise<unknown> => {
    switch (action.type) {
      case "get_state":
        return {
          config: structuredClone(state.config),
          backups: state.listBackups(),
          notifications: [...state.notifications.values()],
          manager_state: state.managerEvent,
          faults: faults.describe(),
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
        return faults.describe();
      case "clear_faults":
        faults.clear();
        return null;
      case "drop_connections":
        for (const c of connections) c.drop();
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
      for (const c of connections) c.drop();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets (fetch, browsers) would otherwise hold close() open.
      server.closeAllConnections();
      await closed;
    },
  };
}


