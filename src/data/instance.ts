// Everything the panel shows about one HA instance, loaded in one go, and the error codes a user
// sees when that fails. A non-admin user gets no backup command at all (HA would refuse them).
import { fetchBackupAgents, fetchBackupConfig, fetchBackupInfo, type BackupAgent, type BackupConfig, type BackupInfo } from "./backup.js";
import { fetchCoreConfig, fetchCurrentUser, type CoreConfig, type CurrentUser } from "./auth.js";
import { ERR_CANNOT_CONNECT, ERR_CONNECTION_LOST, ERR_INVALID_AUTH, toHaError, type HaConnection } from "./connection.js";

export interface InstanceSnapshot {
  user: CurrentUser;
  core: CoreConfig;
  /** Only for admins. */
  backup: { config: BackupConfig; info: BackupInfo; agents: BackupAgent[] } | null;
  /**
   * When the backup reads were sent (before any answer): of two loads that overlap, the one sent
   * later shows the newer HA, whichever answers last.
   */
  readAt: Date;
  /**
   * The same moment on this page's monotonic clock (`performance.now()`): what the page compares
   * its own loads by, since a wall clock put back would make every later load look older.
   */
  readOrder: number;
}

/** `invalid_url`: the standalone address is empty or not an http(s) URL (nothing was tried). */
export type InstanceErrorCode = "cannot_connect" | "invalid_url" | "invalid_auth" | "connection_lost" | "no_backup_api" | "not_admin" | "ha_error";

export class InstanceError extends Error {
  constructor(
    readonly code: InstanceErrorCode,
    readonly detail = "",
  ) {
    super(`instance: ${code}`);
  }
}

export function classifyError(err: unknown): InstanceError {
  if (err instanceof InstanceError) return err;
  const e = toHaError(err);
  if (e.code === ERR_CANNOT_CONNECT) return new InstanceError("cannot_connect");
  if (e.code === ERR_INVALID_AUTH) return new InstanceError("invalid_auth");
  if (e.code === ERR_CONNECTION_LOST) return new InstanceError("connection_lost");
  if (e.code === "unknown_command") return new InstanceError("no_backup_api");
  if (e.code === "unauthorized") return new InstanceError("not_admin");
  return new InstanceError("ha_error", e.message);
}

/** `onUser`: told who the user is as soon as HA says (before the backup answers, which can be large). */
export async function loadInstance(conn: HaConnection, options: { onUser?: (user: CurrentUser) => void } = {}): Promise<InstanceSnapshot> {
  try {
    const [user, core] = await Promise.all([fetchCurrentUser(conn).then((u) => (options.onUser?.(u), u)), fetchCoreConfig(conn)]);
    const readAt = new Date();
    const readOrder = performance.now();
    if (!user.is_admin) return { user, core, backup: null, readAt, readOrder };
    const [config, info, agents] = await Promise.all([fetchBackupConfig(conn), fetchBackupInfo(conn), fetchBackupAgents(conn)]);
    return { user, core, backup: { config: config.config, info, agents: agents.agents }, readAt, readOrder };
  } catch (err) {
    throw classifyError(err);
  }
}
