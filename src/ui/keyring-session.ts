// What the panel and the card share: the registry for one HA instance, folded from what HA just
// reported, plus the keys the user holds right now (HA's current key and old kits loaded this
// session, in memory only). Elements render its fields and call its actions.
import { blobSource } from "../common/byte-source.js";
import type { LocalizeFunc } from "../common/localize.js";
import { checkBackupKeys, inspectBackup, type BackupFileReport } from "../backup-file/inspect.js";
import { isLocalAgent, type BackupAgent } from "../data/backup.js";
import type { HaConnection } from "../data/connection.js";
import type { InstanceSnapshot } from "../data/instance.js";
import { kitKeyCandidates, parseKitOrKey } from "../kit/parse.js";
import { emergencyKitFileName, renderEmergencyKit, type KitFacts } from "../kit/render.js";
import { exportRegistry, exportReminder, importRegistry, type ImportResult } from "../registry/exchange.js";
import type { CopyRecord, GenerationRecord, InstanceRecord, JournalEntry } from "../registry/model.js";
import { RegistryMirror, type MirrorStatus } from "../registry/mirror.js";
import { VAULT_MIRROR_META, vaultMirrorChoice } from "../registry/vault-mirror.js";
import { openRegistry, type Registry } from "../registry/registry.js";
import { applyOfflineReport, canCheckOnline, emptySummary, verifyOnline, type VerifyOptions, type VerifySummary } from "../registry/verify.js";
import { Vault, requestPersistentStorage } from "../registry/vault.js";
import { judgeDrill, type DrillAnswer, type DrillOutcome } from "../flows/drill.js";
import { compareKitClaims, type KitClaims } from "../flows/kit-claims.js";
import { RegistryError } from "../registry/model.js";

/** `meta`: the locations' names of an instance as HA last listed them (for the first paint). */
const agentsKey = (instanceId: string) => `agents:${instanceId}`;

/** HA's local agents: their copies are on this instance's own disk. */

/**
 * How many of the newest local copies the panel's background check looks at. The newest are the
 * ones a restore picks and the ones the current kit is about; checking every local copy of a large
 * history kept HA reading backups for minutes on every visit (10 000 in the registry benchmark).
 */
export const LOCAL_CHECK_LIMIT = 10;

export interface KitContextLike {
  url: string;
  instanceName: string;
  language: string;
  timeZone?: string;
  haVersion?: string;
  localize?: LocalizeFunc;
  /** Agent id → the location's name as HA shows it, for the kit's lists. */
  locationNames?: Record<string, string>;
}

export interface KeyringFacts {
  instance: InstanceRecord | null;
  generations: GenerationRecord[];
  copies: CopyRecord[];
  journal: JournalEntry[];
  active: GenerationRecord | null;
  /** Fingerprints of the keys held now. */
  held: Set<string>;
}

/** Registries opened ahead of the session that will use them (`preloadRegistry`), by database name. */
const preloaded = new Map<string, Promise<Registry>>();

/**
 * Opens the registry (and reads the first screen of the instance last reconciled at `url`) while the
 * page's own code is still loading: the panel's shim calls it, and the panel's session takes the
 * open registry over. Reading is all it does; nothing is shown from it until the page knows the
 * user is an admin.
 */
export function preloadRegistry(dbName: string | undefined, url: string | null): void {
  const key = dbName ?? "";
  const opening = preloaded.get(key);
  if (opening && url === null) return;
  preloaded.set(
    key,
    (opening ?? openRegistry(dbName)).then(async (r) => {
      const at = url?.replace(/\/+$/, "");
      const known = at === undefined ? undefined : (await r.instances()).find((i) => i.url.replace(/\/+$/, "") === at);
      if (known) await Promise.all([r.newestCopies(known.id), r.generations(known.id)]).catch(() => undefined);
      return r;
    }),
  );
}

export class KeyringSession {
  private registry: Registry | null = null;
  private opening: Promise<Registry> | null = null;
  private instanceId: string | null = null;
  private currentKey: string | null = null;
  /** Old keys loaded this session: fingerprint → key. Never stored. */
  private readonly loaded = new Map<string, string>();
  private unsubscribe: (() => void) | null = null;
  facts: KeyringFacts = { instance: null, generations: [], copies: [], journal: [], active: null, held: new Set() };

  constructor(
    private readonly dbName: string | undefined,
    private readonly onChange: () => void,
  ) {}

  get ready(): boolean {
    return this.instanceId !== null;
  }

  /**
   * The instance this browser last reconciled at this address, shown before HA has answered
   * anything (`showRemembered`), with the locations' names as HA last gave them, and (while
   * `facts.copies` holds only the newest) how many copies there are. Null once HA's answer picked
   * the instance (`ready`), or when there is none.
   */
  remembered: { instance: InstanceRecord; agents: BackupAgent[]; total: number | null } | null = null;
  private rememberedId: string | null = null;

  private async db(): Promise<Registry> {
    if (this.registry) return this.registry;
    // A page closed while a load was under way must not reopen the registry (and start a mirror
    // that nobody stops) when that load goes on.
    if (this.closed) throw new Error("keyring session closed");
    const ahead = preloaded.get(this.dbName ?? "");
    preloaded.delete(this.dbName ?? "");
    this.opening ??= (ahead ?? openRegistry(this.dbName)).then((r) => {
      if (this.closed) {
        r.close();
        throw new Error("keyring session closed");
      }
      this.registry = r;
      this.unsubscribe = r.onChange(() => {
        this.changes++;
        void this.refresh();
      });
      // Ask once per page that the browser keep the registry under storage pressure.
      void requestPersistentStorage().then((granted) => {
        this.persisted = granted;
        this.onChange();
      });
      return r;
    });
    return this.opening;
  }

  private closed = false;

  /**
   * Closes the session at once for the page; a mirror write still waiting for its debounce goes
   * out first, and the database closes after it. Resolves when both are done (a page that owns
   * its connection closes it then).
   */
  close(): Promise<void> {
    this.closed = true;
    const mirror = this.mirror;
    const registry = this.registry;
    this.mirror = null;
    this.vaultInstance?.lock();
    this.vaultInstance = null;
    this.unsubscribe?.();
    const closed = (mirror ? mirror.close().catch(() => undefined) : Promise.resolve()).finally(() => registry?.close());
    this.registry = null;
    this.opening = null;
    this.loaded.clear();
    this.currentKey = null;
    return closed;
  }

  private mirror: RegistryMirror | null = null;
  private mirrorConn: HaConnection | null = null;
  /** Whether the registry is also kept in HA (null until the mirror has been read once). */
  mirrorStatus: MirrorStatus | null = null;

  /**
   * Shows what the registry already knows about this instance, before HA's state is folded in:
   * a page paints from IndexedDB at once, and never waits for a reconciliation to show it.
   */
  async showStored(snapshot: InstanceSnapshot, url: string): Promise<void> {
    if (!snapshot.backup || this.instanceId) return;
    const r = await this.db();
    // The reconciliation's own rule (identity.ts): a foreign backup listed first changes nothing.
    const known = await r.findInstance(snapshot.backup.info, url, snapshot.core.location_name, snapshot.backup.config.create_backup.password);
    if (!known || this.instanceId) return;
    this.instanceId = known.id;
    this.currentKey = snapshot.backup.config.create_backup.password;
    await this.refresh();
  }

  /**
   * Shows what the registry knows about the instance it last reconciled at `url`, before HA has
   * said anything (the page paints it at once; admin pages only: the caller knows the user is
   * one). `showStored` and `fold` then pick the instance from HA's answer. False: nothing known.
   */
  async showRemembered(url: string): Promise<boolean> {
    if (this.instanceId) return false;
    const r = await this.db();
    const at = url.replace(/\/+$/, "");
    const known = (await r.instances()).filter((i) => i.url.replace(/\/+$/, "") === at).sort((a, b) => ((a.lastReconciledAt ?? "") < (b.lastReconciledAt ?? "") ? 1 : -1))[0];
    if (!known || this.instanceId) return false;
    this.rememberedId = known.id;
    const [agents, newest, generations] = await Promise.all([r.getMeta<BackupAgent[]>(agentsKey(known.id)), r.newestCopies(known.id), r.generations(known.id)]);
    if (this.instanceId) return false;
    this.remembered = { instance: known, agents: agents ?? [], total: newest?.total ?? null };
    // The first screen from one small record (the newest copies); every copy follows.
    if (newest) {
      this.facts = { instance: known, generations, copies: newest.copies, journal: [], active: generations.find((g) => g.status === "active") ?? null, held: new Set() };
      this.onChange();
    }
    await this.refresh();
    if (this.remembered) this.remembered = { ...this.remembered, total: null };
    this.onChange();
    return this.remembered !== null;
  }

  /**
   * Reads the registry's mirror in HA before the first fold (a new device adopts its salt and
   * gets every fact back), then keeps both in step. Without `conn` the registry stays local.
   */
  private async syncMirror(conn: HaConnection, meanwhile: () => void): Promise<void> {
    // `meanwhile` runs once the mirror's requests are out: CPU work in the time HA takes to answer.
    if (this.mirror && this.mirrorConn === conn) {
      const refreshed = this.mirror.refresh();
      meanwhile();
      return refreshed;
    }
    this.mirror?.stop();
    this.mirrorConn = conn;
    const registry = await this.db();
    if (this.closed) throw new Error("keyring session closed");
    this.mirror = new RegistryMirror(registry, conn, {
      onStatus: (status) => {
        this.mirrorStatus = status;
        this.onChange();
      },
    });
    const started = this.mirror.start();
    meanwhile();
    await started;
  }

  /** Folds a fresh snapshot of HA into the registry (admins only: it needs the key and the list). */
  async fold(snapshot: InstanceSnapshot, url: string, conn?: HaConnection): Promise<void> {
    // A snapshot read before one already folded is older news (overlapping loads): its key and
    // listing would undo the newer ones.
    if (!snapshot.backup || snapshot.readOrder < this.newestRead) return;
    this.newestRead = snapshot.readOrder;
    const r = await this.db();
    if (conn) {
      const info = snapshot.backup.info;
      await this.syncMirror(conn, () => r.prepare(info));
      // A browser that knew nothing of this instance has just read it from the mirror: its
      // proofs show now, not only once the reconciliation below is done.
      if (!this.instanceId) await this.showStored(snapshot, url);
    }
    this.currentKey = snapshot.backup.config.create_backup.password;
    this.changes++;
    const res = await r.fold({ url, locationName: snapshot.core.location_name, password: this.currentKey, info: snapshot.backup.info, readAt: snapshot.readAt });
    this.instanceId = res.instanceId;
    await this.refresh();
    // The locations' names, for the next visit's first paint (`showRemembered`).
    const agents = snapshot.backup.agents.map((a) => ({ agent_id: a.agent_id, name: a.name }));
    if (JSON.stringify(agents) !== JSON.stringify(await r.getMeta(agentsKey(res.instanceId)))) await r.setMeta(agentsKey(res.instanceId), agents);
  }

  /** The newest folded snapshot's `readOrder` (this page's monotonic clock). */
  private newestRead = -Infinity;

  // Every registry write announces itself (onChange) and the action that made it also awaits a
  // refresh: one read serves both, as long as no change arrived after that read began.
  private changes = 0;
  private inFlight: { startedAt: number; done: Promise<void> } | null = null;

  refresh(): Promise<void> {
    if (this.inFlight && this.inFlight.startedAt === this.changes) return this.inFlight.done;
    const run = { startedAt: this.changes, done: Promise.resolve() };
    run.done = this.read().finally(() => {
      if (this.inFlight === run) this.inFlight = null;
    });
    this.inFlight = run;
    return run.done;
  }

  private async read(): Promise<void> {
    const r = this.registry;
    const id = this.instanceId ?? this.rememberedId;
    if (!r || !id) return;
    let read;
    try {
      read = await Promise.all([r.instances(), r.generations(id), r.copies(id), r.journal(id, 100), exportReminder(r)]);
    } catch (err) {
      // Closed while reading (another tab's change arrived as the panel went away): nothing to show.
      if (this.registry !== r) return;
      throw err;
    }
    const [instances, generations, copies, journal, reminder] = read;
    // HA's answer picked another instance meanwhile: read that one instead.
    if (this.instanceId !== null && this.instanceId !== id) return this.read();
    if (this.instanceId !== null) this.remembered = null;
    this.exportDue = reminder.due ? reminder.changesSince : 0;
    const held = new Set(this.loaded.keys());
    if (this.currentKey !== null) held.add(await r.fingerprint(this.currentKey));
    this.facts = {
      instance: instances.find((i) => i.id === id) ?? null,
      generations,
      copies,
      journal,
      active: generations.find((g) => g.status === "active") ?? null,
      held,
    };
    this.onChange();
  }

  /** Every key held now, the current one first. */
  private keys(): string[] {
    return [...(this.currentKey !== null ? [this.currentKey] : []), ...[...this.loaded.values()].filter((k) => k !== this.currentKey)];
  }

  /**
   * Loads an old kit, a generated key or a legacy password (one line, used exactly as typed) for
   * this session. The key is held exactly as written and, if it looks like a loosely typed
   * generated key, tidied as well. Throws KitParseError for text that is none of these.
   * `fingerprints`: every form held (exact first), for the online check of what was just loaded;
   * `fingerprint`/`generation`: the form a known generation has, else the exact one.
   * `listed`: the backups the kit names (facts and guesses), the first candidates to prove.
   * `claims`: what the kit's own block says (generation, fingerprint) against its key.
   */
  async loadKit(text: string): Promise<{ fingerprint: string; fingerprints: string[]; generation: number | null; legacy: boolean; listed: string[]; claims: KitClaims }> {
    const parsed = parseKitOrKey(text);
    const listed = [...(parsed.backups ?? []), ...(parsed.guessed ?? [])].map((b) => b.backup_id);
    const r = await this.db();
    const fingerprints: string[] = [];
    for (const key of kitKeyCandidates(parsed)) {
      const fingerprint = await r.fingerprint(key);
      this.loaded.set(fingerprint, key);
      fingerprints.push(fingerprint);
    }
    this.changes++; // the held keys changed: an earlier read is stale
    await this.refresh();
    const known = this.generationOf(fingerprints);
    const claims = compareKitClaims(parsed, fingerprints, this.facts.generations);
    return { fingerprint: known?.fingerprint ?? fingerprints[0]!, fingerprints, generation: known?.number ?? null, legacy: parsed.source === "legacy", listed, claims };
  }

  /** The known generation of any of these fingerprints (the first that has one). */
  generationOf(fingerprints: readonly string[]): GenerationRecord | undefined {
    return fingerprints.map((fp) => this.facts.generations.find((g) => g.fingerprint === fp)).find(Boolean);
  }

  /**
   * Checks copies online with the keys held now. `fingerprints` narrows it to some of them (a kit
   * just loaded); `scope: "candidates"` to copies on this instance's own disk (HA reads them,
   * nothing is downloaded) and every copy of `backups` (the ones a kit names).
   */
  async verify(conn: HaConnection, options: VerifyOptions & { fingerprints?: string[]; scope?: "all" | "candidates"; backups?: string[] } = {}): Promise<VerifySummary> {
    const r = await this.db();
    if (!this.instanceId) throw new Error("registry not ready");
    let keys = this.keys();
    if (options.fingerprints) {
      const wanted = new Set(options.fingerprints);
      const pairs = await Promise.all(keys.map(async (k) => [k, await r.fingerprint(k)] as const));
      keys = pairs.filter(([, fp]) => wanted.has(fp)).map(([k]) => k);
    }
    let only = options.only;
    if (!only && options.scope === "candidates") {
      const named = new Set(options.backups ?? []);
      only = new Set(
        this.facts.copies.filter((c) => c.protected && !c.deleted && c.confidence !== "verified" && (isLocalAgent(c.agentId) || named.has(c.backupId))).map((c) => `${c.backupId}|${c.agentId}`),
      );
      // `only` checks named copies again; leave out those every given key already failed.
      const genOf = new Map(this.facts.generations.map((g) => [g.fingerprint, g.id]));
      const fps = await Promise.all(keys.map((k) => r.fingerprint(k)));
      for (const c of this.facts.copies) {
        if (only.has(`${c.backupId}|${c.agentId}`) && fps.every((fp) => (c.ruledOut ?? []).includes(genOf.get(fp) ?? ""))) only.delete(`${c.backupId}|${c.agentId}`);
      }
    }
    if (!canCheckOnline(conn)) return { ...emptySummary(), unavailable: true };
    if (keys.length === 0 || only?.size === 0) return emptySummary();
    const summary = await verifyOnline(r, conn, this.instanceId, keys, { ...options, only });
    this.changes++; // the caller reads the facts next: not from a read that began before the checks
    await this.refresh();
    return summary;
  }

  /**
   * What the panel's background check asks HA about (`backupId|agentId`): among the newest
   * `LOCAL_CHECK_LIMIT` encrypted copies on this instance's own disk, those no check has settled
   * yet (a fresh registry, a new backup). Each check makes HA read and decrypt a whole backup:
   * older copies wait for "Verify all backups".
   */
  unsettledLocalCopies(): Set<string> {
    const active = this.facts.active;
    const newest = this.facts.copies
      .filter((c) => c.protected && !c.deleted && isLocalAgent(c.agentId))
      .sort((a, b) => b.date.localeCompare(a.date))
      .slice(0, LOCAL_CHECK_LIMIT);
    const unsettled = newest.filter((c) => c.confidence !== "verified" && c.lastCheck === null && !(active && (c.ruledOut ?? []).includes(active.id)));
    return new Set(unsettled.map((c) => `${c.backupId}|${c.agentId}`));
  }

  /** The kit of an older generation whose key was loaded this session, listing what it is proven to open. */
  async generationKit(generationId: string, ctx: KitContextLike): Promise<{ fileName: string; text: string }> {
    const r = await this.db();
    const g = this.facts.generations.find((x) => x.id === generationId);
    const key = g ? (this.loaded.get(g.fingerprint) ?? (g.status === "active" ? this.currentKey : null)) : null;
    if (!g || !key || !this.instanceId) throw new Error("key not held");
    const { facts, guessed } = await r.backupsOpenedBy(this.instanceId, g.id, ctx.locationNames);
    const date = new Date();
    const text = renderEmergencyKit({
      key,
      instanceName: ctx.instanceName,
      url: ctx.url,
      date,
      language: ctx.language,
      timeZone: ctx.timeZone,
      haVersion: ctx.haVersion,
      generation: { number: g.number, fingerprint: g.fingerprint, startedAt: g.activatedAt ?? g.firstSeenAt },
      backups: facts,
      guessed,
      localize: ctx.localize,
    });
    await r.markKit(this.instanceId, g.id, "downloaded");
    return { fileName: emergencyKitFileName({ instanceName: ctx.instanceName, date, generation: g.number, timeZone: ctx.timeZone }), text };
  }

  /** Keys a decrypt may try: the current key first, then loaded kits and keys taken from the vault. */
  recoveryKeys(): string[] {
    return this.keys();
  }

  /** The key a re-key encrypts with: HA's current key (null when none is set). */
  rekeyKey(): string | null {
    return this.currentKey;
  }

  async checkFile(file: File, signal?: AbortSignal): Promise<{ report: BackupFileReport; matched: number; generation: number | null }> {
    const r = await this.db();
    if (!this.instanceId) throw new Error("registry not ready");
    const keys = this.keys();
    // HA's flag for this backup's copies, when they all agree: the file must match it too.
    const { backupId } = await inspectBackup(blobSource(file));
    const flags = new Set((await r.copies(this.instanceId)).filter((c) => c.backupId === backupId).map((c) => c.protected));
    const report = await checkBackupKeys(blobSource(file), keys, { signal, expectProtected: flags.size === 1 ? [...flags][0] : undefined });
    const applied = await applyOfflineReport(r, this.instanceId, report, keys, file.size);
    return { report, ...applied };
  }

  /** Everything the current key's kit says (for the text file and the printable page). */
  async kitFacts(ctx: KitContextLike): Promise<KitFacts> {
    const r = await this.db();
    const active = this.facts.active;
    if (this.currentKey === null || !this.instanceId || !active) throw new Error("no current key");
    const date = new Date();
    const { facts, guessed } = await r.backupsOpenedBy(this.instanceId, active.id, ctx.locationNames);
    return {
      key: this.currentKey,
      instanceName: ctx.instanceName,
      url: ctx.url,
      date,
      language: ctx.language,
      timeZone: ctx.timeZone,
      haVersion: ctx.haVersion,
      generation: { number: active.number, fingerprint: active.fingerprint, startedAt: active.activatedAt ?? active.firstSeenAt },
      backups: facts,
      guessed,
      localize: ctx.localize,
    };
  }

  /** The current key's kit file, HA's layout plus our block; marks it downloaded in the registry. */
  async currentKit(ctx: KitContextLike): Promise<{ fileName: string; text: string }> {
    const facts = await this.kitFacts(ctx);
    const active = this.facts.active!;
    await (await this.db()).markKit(this.instanceId!, active.id, "downloaded");
    return { fileName: emergencyKitFileName({ instanceName: ctx.instanceName, date: facts.date, generation: active.number, timeZone: ctx.timeZone }), text: renderEmergencyKit(facts) };
  }

  async exportText(): Promise<string> {
    const text = await exportRegistry(await this.db());
    await this.refresh();
    return text;
  }

  async importText(text: string): Promise<ImportResult> {
    const result = await importRegistry(await this.db(), text);
    await this.refresh();
    return result;
  }

  /** Whether the browser promised to keep our storage (null = not answered yet). */
  persisted: boolean | null = null;
  /** Registry changes not in any export yet (0 = nothing to export). */
  exportDue = 0;

  private vaultInstance: Vault | null = null;

  /** The opt-in vault (locked until the user unlocks it). */
  async vault(): Promise<Vault> {
    this.vaultInstance ??= new Vault(await this.db());
    return this.vaultInstance;
  }

  /**
   * HA holds another registry (`other_registry`): use it in this browser instead of this one.
   * The caller saves this browser's registry as an export first (`exportText`); afterwards the
   * page loads again (the next fold reads HA's registry under its salt).
   */
  async useMirroredRegistry(): Promise<void> {
    if (!this.mirror) throw new Error("no mirror");
    await this.mirror.useMirrored();
    this.instanceId = null;
    this.rememberedId = null;
    this.remembered = null;
    this.loaded.clear();
    this.facts = { instance: null, generations: [], copies: [], journal: [], active: null, held: new Set() };
    this.changes++;
    this.onChange();
  }

  /** HA holds another registry: keep this browser's and write it over HA's copy (the other browser keeps its own). */
  async keepThisRegistry(): Promise<void> {
    if (!this.mirror) throw new Error("no mirror");
    await this.mirror.replaceMirrored();
  }

  /** Resolves once the mirror has nothing pending (no write waiting for its debounce, none running). */
  mirrorIdle(): Promise<void> {
    return this.mirror?.idle() ?? Promise.resolve();
  }

  /** Why the vault's copy in HA is not this browser's (`vault-mirror.ts` rules), if it is not. */
  get vaultNote(): "other_vault" | "off_elsewhere" | null {
    return this.mirror?.vaultNote ?? null;
  }

  /** Whether the vault may be mirrored: only while the registry mirror works. */
  get canMirrorVault(): boolean {
    return this.mirror !== null && this.mirrorStatus?.state === "synced";
  }

  async vaultMirrored(): Promise<boolean> {
    return vaultMirrorChoice(await (await this.db()).getMeta(VAULT_MIRROR_META)).on;
  }

  /** The separate opt-in: keep the (passphrase-encrypted) vault in HA too, or remove it from there. */
  async setVaultMirrored(on: boolean): Promise<void> {
    if (!this.mirror) throw new Error("no mirror");
    await this.mirror.setVaultMirrored(on);
  }

  /** A changed vault goes to HA now (if mirrored), not at the next registry change. */
  private vaultChanged(): void {
    void this.mirror?.flush().catch(() => undefined);
  }

  async createVault(passphrase: string): Promise<void> {
    const v = await this.vault();
    await v.create(passphrase);
    this.vaultChanged();
    // A vault the browser may evict under storage pressure would be a false sense of safety.
    await requestPersistentStorage().catch(() => false);
  }

  /** Puts HA's current key into the unlocked vault, under its generation. */
  async storeCurrentKey(): Promise<number> {
    const v = await this.vault();
    const active = this.facts.active;
    if (this.currentKey === null || !active) throw new Error("no current key");
    await v.store(active.id, this.currentKey);
    this.vaultChanged();
    return active.number;
  }

  /** Loads every key in the unlocked vault into this session's held keys. */
  async useVaultKeys(): Promise<number> {
    const v = await this.vault();
    const r = await this.db();
    let count = 0;
    for (const id of await v.storedGenerations()) {
      const key = await v.load(id);
      if (key === null) continue;
      this.loaded.set(await r.fingerprint(key), key);
      count++;
    }
    this.changes++;
    await this.refresh();
    return count;
  }

  /**
   * Judges a kit drill for one generation; a pass records "kit proven" (a date, never the key).
   * A typed group can only be checked against HA's current key. What was entered is not kept.
   */
  async drill(generationId: string, answer: DrillAnswer): Promise<DrillOutcome> {
    const r = await this.db();
    const target = this.facts.generations.find((g) => g.id === generationId);
    if (!target || !this.instanceId) throw new RegistryError("unknown_generation");
    const key = target.status === "active" ? this.currentKey : null;
    const outcome = await judgeDrill(target, answer, { generations: this.facts.generations, fingerprint: (k) => r.fingerprint(k), key });
    if (outcome.result === "passed") {
      await r.markKit(this.instanceId, target.id, "proven");
      await this.refresh();
    }
    return outcome;
  }

  /** Whether a generation's key can be copied now: HA's current key, a kit loaded this session, or the unlocked vault. */
  async canCopyKey(generationId: string): Promise<boolean> {
    return (await this.keyFor(generationId)) !== null;
  }

  /** A generation's key if it is held now (for the restore guidance's copy button); null otherwise. */
  async keyFor(generationId: string): Promise<string | null> {
    const g = this.facts.generations.find((x) => x.id === generationId);
    if (!g) return null;
    if (g.status === "active" && this.currentKey !== null) return this.currentKey;
    const loaded = this.loaded.get(g.fingerprint);
    if (loaded !== undefined) return loaded;
    const v = this.vaultInstance;
    if (v?.unlocked) return v.load(g.id);
    return null;
  }

  /** The open registry, for the key-change dialog (which drives its own flow on it). */
  openRegistry(): Promise<Registry> {
    return this.db();
  }
}
