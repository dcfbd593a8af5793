// HA's WebSocket protocol: auth phase, numbered commands with strictly increasing ids, result and
// event frames, subscriptions, ping/pong and message coalescing after `supported_features`.
import type { WebSocket } from "ws";
import type { ManagerStateEvent } from "../data/backup.js";
import { backupFeatures } from "../data/ha-version.js";
import { backupCommandAvailable, backupHandlers, validateConfigUpdate, type BackupHost } from "./backup-commands.js";
import type { DropRule, Faults, RestartTiming } from "./faults.js";
import type { FrontendStorage } from "./frontend-storage.js";
import type { Notification } from "./state.js";
import { parsePythonJson } from "./py-json.js";
import { getTranslations } from "./translations.js";
import { WsError, validate } from "./validate.js";

export interface SimUser {
  id: string;
  name: string;
  is_admin: boolean;
  is_owner: boolean;
  token: string;
}

export interface ServerContext extends BackupHost {
  users: SimUser[];
  faults: Faults;
  /** Per-user frontend storage (`frontend/*_user_data`). */
  frontend: FrontendStorage;
  signPath(path: string, expires: number, user: SimUser): string;
  callService(domain: string, service: string, data: Record<string, unknown>, user: SimUser): Promise<void>;
  /** The persistent notifications HA shows now, oldest first (core keeps them in a dict by id). */
  notifications(): Notification[];
  getConfig(): Record<string, unknown>;
  /**
   * Received commands, for tests that check what a client did (or did not) send; `client` is the
   * connecting browser's User-Agent (tests tell two browser profiles apart by it).
   */
  log: { type: string; user: string; client?: string }[];
  /** "starting": HA restarted and the backup integration is not loaded yet. */
  phase(): "running" | "starting" | "blocked";
  /** Resolves when the backup integration has loaded (at once when it is). */
  backupLoaded(): Promise<void>;
  /** Restarts the simulated HA (a fault can do that mid-command). */
  restart(timing: RestartTiming): void;
}

type Frame = Record<string, unknown>;

export class SimConnection {
  private user: SimUser | null = null;
  private lastId = 0;
  private coalesce = false;
  private readonly subscriptions = new Map<number, () => void>();
  private queue: Frame[] = [];
  private flushScheduled = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly ctx: ServerContext,
    private readonly backupSubscribers: Set<(ev: ManagerStateEvent) => void>,
    private readonly eventSubscribers: Set<(ev: Frame) => void>,
    private readonly client?: string,
  ) {
    this.send({ type: "auth_required", ha_version: ctx.state.haVersion });
    socket.on("message", (raw) => void this.onMessage(String(raw)));
    socket.on("close", () => this.dispose());
  }

  dispose(): void {
    for (const unsub of this.subscriptions.values()) unsub();
    this.subscriptions.clear();
  }

  drop(): void {
    this.socket.terminate();
    this.dispose();
  }

  private send(frame: Frame): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (!this.coalesce) {
      this.socket.send(JSON.stringify(frame));
      return;
    }
    // After `supported_features` HA may batch frames into one JSON array; clients must cope.
    this.queue.push(frame);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        const frames = this.queue;
        this.queue = [];
        if (this.socket.readyState !== this.socket.OPEN || frames.length === 0) return;
        this.socket.send(JSON.stringify(frames.length === 1 ? frames[0] : frames));
      });
    }
  }

  private result(id: number, result: unknown): void {
    this.send({ id, type: "result", success: true, result });
  }

  private error(id: number | null, code: string, message: string): void {
    this.send({ id, type: "result", success: false, error: { code, message } });
  }

  private async onMessage(text: string): Promise<void> {
    let msg: Frame;
    try {
      // Core reads frames with orjson: a `3.0` stays a float (and fails an `int` schema).
      msg = parsePythonJson(text) as Frame;
    } catch {
      this.socket.close(1003);
      return;
    }
    if (!this.user) return this.authenticate(msg);
    const messages = Array.isArray(msg) ? (msg as Frame[]) : [msg];
    for (const m of messages) await this.handle(m);
  }

  private authenticate(msg: Frame): void {
    const user = msg.type === "auth" ? this.ctx.users.find((u) => u.token === msg.access_token) : undefined;
    if (!user) {
      this.send({ type: "auth_invalid", message: msg.type === "auth" ? "Invalid access token or password" : "Auth message incorrectly formatted" });
      setTimeout(() => this.socket.close(), 10);
      return;
    }
    this.user = user;
    this.send({ type: "auth_ok", ha_version: this.ctx.state.haVersion });
  }

  private async handle(msg: Frame): Promise<void> {
    const id = msg.id;
    if (typeof id !== "number" || !Number.isInteger(id) || typeof msg.type !== "string") {
      this.error(typeof id === "number" ? id : null, "invalid_format", "Message incorrectly formatted.");
      return;
    }
    if (id <= this.lastId) {
      this.error(id, "id_reuse", "Identifier values have to increase.");
      return;
    }
    this.lastId = id;
    const type = msg.type;
    this.ctx.log.push({ type, user: this.user!.id, ...(this.client ? { client: this.client } : {}) });

    const faults = this.ctx.faults;
    // A fired rule drops this connection, or restarts the whole HA (which drops them all).
    const fire = (rule: DropRule) => (rule.restart ? this.ctx.restart(rule.restart) : this.drop());
    let rule = faults.shouldDrop(type, "before");
    if (rule) return fire(rule);
    await faults.held(type);
    const failure = faults.shouldFail(type);
    if (failure) return this.error(id, failure.code, failure.message);

    let result: unknown;
    try {
      result = await this.dispatch(id, type, msg);
    } catch (err) {
      if ((rule = faults.shouldDrop(type, "after_handle"))) return fire(rule);
      if (err instanceof WsError) this.error(id, err.code, err.message);
      else this.error(id, "unknown_error", "Unknown error");
      return;
    }
    if (result === NO_REPLY) return;
    if ((rule = faults.shouldDrop(type, "after_handle"))) return fire(rule);
    this.result(id, result);
    // The held-back update (validated on arrival) lands right after a client that reconnected has
    // read the config; it is no part of this command's answer.
    const late = faults.lateUpdate;
    if (type === "backup/config/info" && late && late.from !== this) {
      faults.lateUpdate = null;
      await backupHandlers["backup/config/update"]!(this.ctx, late.message);
    }
    if ((rule = faults.shouldDrop(type, "after_answer"))) {
      const dropLater = rule;
      setTimeout(() => fire(dropLater), 20);
    }
  }

  private async dispatch(id: number, type: string, msg: Frame): Promise<unknown> {
    const user = this.user!;
    switch (type) {
      case "ping":
        this.send({ id, type: "pong" });
        return NO_REPLY;
      case "supported_features":
        this.coalesce = Boolean((msg.features as Record<string, unknown> | undefined)?.coalesce_messages);
        return null;
      case "get_config":
        return this.ctx.getConfig();
      case "integration/wait": {
        // Core `websocket_api/commands.py` `handle_integration_wait`: waits for the domain's
        // setup to finish, then says whether it loaded.
        const p = validate(msg, { domain: { type: "str", required: true } });
        const components = this.ctx.getConfig().components as string[];
        if (p.domain === "backup") {
          await this.ctx.backupLoaded();
          return { integration_loaded: true };
        }
        return { integration_loaded: components.includes(p.domain as string) };
      }
      case "auth/current_user":
        return {
          id: user.id,
          name: user.name,
          is_owner: user.is_owner,
          is_admin: user.is_admin,
          credentials: [{ auth_provider_type: "homeassistant", auth_provider_id: null }],
          mfa_modules: [{ id: "totp", name: "Authenticator app", enabled: false }],
        };
      case "auth/sign_path": {
        const p = validate(msg, { path: { type: "str", required: true }, expires: { type: "int", default: 30 } });
        return { path: this.ctx.signPath(p.path as string, p.expires as number, user) };
      }
      case "call_service": {
        const p = validate(msg, {
          domain: { type: "str", required: true },
          service: { type: "str", required: true },
          service_data: { type: "object", default: {} },
          target: { type: "object" },
          return_response: { type: "bool", default: false },
        });
        await this.ctx.callService(p.domain as string, p.service as string, p.service_data as Record<string, unknown>, user);
        return { context: { id: this.ctx.rng.hex(26).toUpperCase(), parent_id: null, user_id: user.id }, response: null };
      }
      // Core `persistent_notification/__init__.py` `websocket_get_notifications`: any user, the
      // notifications as they are stored (created_at as ISO text in JSON).
      case "persistent_notification/get":
        return this.ctx.notifications();
      case "subscribe_events": {
        const p = validate(msg, { event_type: { type: "str" } });
        const listener = (ev: Frame) => {
          if (!p.event_type || p.event_type === ev.event_type) this.send({ id, type: "event", event: ev });
        };
        this.eventSubscribers.add(listener);
        this.subscriptions.set(id, () => this.eventSubscribers.delete(listener));
        return null;
      }
      case "unsubscribe_events": {
        const p = validate(msg, { subscription: { type: "int", required: true } });
        const unsub = this.subscriptions.get(p.subscription as number);
        if (!unsub) throw new WsError("not_found", "Subscription not found.");
        unsub();
        this.subscriptions.delete(p.subscription as number);
        return null;
      }
      // Per-user storage: any user, admin or not, reads and writes only their own.
      case "frontend/set_user_data":
        return this.ctx.frontend.set(user.id, msg);
      case "frontend/get_translations": {
        // Loaded: the components core reports, and the integration of every backup location.
        const loaded = [...new Set([...(this.ctx.getConfig().components as string[]), ...this.ctx.state.agents.map((a) => a.agent_id.split(".")[0]!)])];
        return getTranslations(msg, loaded);
      }
      case "frontend/get_user_data":
        return this.ctx.frontend.get(user.id, msg);
      case "frontend/subscribe_user_data": {
        // Core PR #144724 (HA 2025.6); older cores have only get/set.
        if (!backupFeatures(this.ctx.state.haVersion).subscribeUserData) throw new WsError("unknown_command", "Unknown command.");
        // The current value goes out as an event before the result frame, as core does.
        const unsub = this.ctx.frontend.subscribe(user.id, msg, (event) => this.send({ id, type: "event", event }));
        this.subscriptions.set(id, unsub);
        return null;
      }
      case "backup/subscribe_events": {
        if (!backupCommandAvailable(this.ctx.state.haVersion, type)) throw new WsError("unknown_command", "Unknown command.");
        // basic_websocket.py is registered at bootstrap (helpers/backup.py async_initialize_backup,
        // HA 2025.2+), before the integration loads; 2025.1 had it only once the integration was up.
        const starting = this.ctx.phase() === "starting";
        if (starting && !backupFeatures(this.ctx.state.haVersion).canDecryptOnDownload) throw new WsError("unknown_command", "Unknown command.");
        if (!user.is_admin) throw new WsError("unauthorized", "Unauthorized");
        validate(msg, {});
        // The current state goes out before the result frame, as core does, once the manager exists.
        if (!starting) this.send({ id, type: "event", event: this.ctx.state.managerEvent });
        const listener = (ev: ManagerStateEvent) => this.send({ id, type: "event", event: ev });
        this.backupSubscribers.add(listener);
        this.subscriptions.set(id, () => this.backupSubscribers.delete(listener));
        return null;
      }
    }
    const handler = backupHandlers[type];
    if (!handler || !backupCommandAvailable(this.ctx.state.haVersion, type)) throw new WsError("unknown_command", "Unknown command.");
    // Until the backup integration has loaded after a restart, its commands are not registered.
    if (this.ctx.phase() === "starting") throw new WsError("unknown_command", "Unknown command.");
    if (!user.is_admin) throw new WsError("unauthorized", "Unauthorized");
    if (type === "backup/config/update") {
      // The schema runs first, as in core: these faults are of storing a valid update.
      validateConfigUpdate(msg, backupFeatures(this.ctx.state.haVersion));
      const mode = this.ctx.faults.takeConfigUpdateFault();
      if (mode === "fail_before_apply") throw new WsError("home_assistant_error", "Error saving backup config");
      if (mode === "apply_after_reconnect") {
        // Still in HA's queue when the connection dropped: it lands after the client, connected
        // again, has read the config once more.
        this.ctx.faults.lateUpdate = { message: msg, from: this };
        this.drop();
        return NO_REPLY;
      }
      const result = await handler(this.ctx, msg);
      if (mode === "fail_after_apply") throw new WsError("home_assistant_error", "Error saving backup config");
      if (mode === "apply_then_drop") {
        this.drop();
        return NO_REPLY;
      }
      return result;
    }
    return handler(this.ctx, msg);
  }
}

const NO_REPLY = Symbol("no reply");
