// The connection lifecycle the panel and the card share, as a Lit ReactiveController (in the
// spirit of HA's SubscribeMixin): `follow(conn)` waits for HA's backup integration, loads, and
// follows backup events (`followBackup`: again after every reconnect or HA restart); a new
// connection replaces the old one's round; leaving the page (`hostDisconnected`) ends it.
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { followBackup, type BackupFollower, type FollowHandlers } from "../data/backup-follow.js";
import type { HaConnection } from "../data/connection.js";

export class BackupFollowController implements ReactiveController {
  private follower: BackupFollower | null = null;
  private followed: HaConnection | null = null;

  constructor(host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** The connection followed now (null: none). */
  get connection(): HaConnection | null {
    return this.followed;
  }

  /** Follows `conn` with these handlers, ending any earlier round first. */
  follow(conn: HaConnection, handlers: FollowHandlers): void {
    this.stop();
    this.followed = conn;
    this.follower = followBackup(conn, handlers);
  }

  /** Settles once this round follows backup events, or has ended without (see `BackupFollower`). */
  following(): Promise<void> {
    return this.follower?.following() ?? Promise.resolve();
  }

  stop(): void {
    this.follower?.close();
    this.follower = null;
    this.followed = null;
  }

  hostDisconnected(): void {
    this.stop();
  }
}
