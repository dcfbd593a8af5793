// What the panel and the card share: the registry for one HA instance, folded from what HA just
// reported, plus the keys the user holds right now (HA's current key and old kits loaded this
// session, in memory only). Elements render its fields and call its actions.
import { blobSource } from "../common/byte-source.js";
import type { LocalizeFunc } from "../common/localize.js";
import { checkBackupKeys, type BackupFileReport } from "../backup-file/inspect.js";
import type { HaConnection } from "../data/connection.js";
import type { InstanceSnapshot } from "../data/instance.js";
import { parseEmergencyKit } from "../kit/parse.js";
import { emergencyKitFileName, renderEmergencyKit, type KitFacts } from "../kit/render.js";
import { exportRegistry, exportReminder, importRegistry, type ImportResult } from "../registry/exchange.js";
import type { CopyRecord, GenerationRecord, InstanceRecord, JournalEntry } from "../registry/model.js";
import { openRegistry, type Registry } from "../registry/registry.js";
import { applyOfflineReport, verifyOnline, type VerifyOptions, type VerifySummary } from "../registry/verify.js";
import { tidyKeyInput } from "../keys/format.js";
import { Vault, requestPersistentStorage } from "../registry/vault.js";

export interface KitContextLike {
  url: string;
  instanceName: string;
  language: string;
  timeZone?: string;
  haVersion?: string;
  localize?: LocalizeFunc;
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

  private async db(): Promise<Registry> {
    if (this.registry) return this.registry;
    this.opening ??= openRegistry(this.dbName).then((r) => {
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

  close(): void {
    this.vaultInstance?.lock();
    this.vaultInstance = null;
    this.unsubscribe?.();
    this.registry?.close();
    this.registry = null;
    this.opening = null;
    this.loaded.clear();
    this.currentKey = null;
  }

  /** Folds a fresh snapshot of HA into the registry (admins only: it needs the key and the list). */
  async fold(snapshot: InstanceSnapshot, url: string): Promise<void> {
    if (!snapshot.backup) return;
    const r = await this.db();
    this.currentKey = snapshot.backup.config.create_backup.password;
    this.changes++;
    const res = await r.fold({ url, locationName: snapshot.core.location_name, password: this.currentKey, info: snapshot.backup.info });
    this.instanceId = res.instanceId;
    await this.refresh();
  }

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
    const id = this.instanceId;
    if (!r || !id) return;
    const [instances, generations, copies, journal, reminder] = await Promise.all([r.instances(), r.generations(id), r.copies(id), r.journal(id, 100), exportReminder(r)]);
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

  /** Loads an old kit (or a bare key) for this session. Throws KitParseError for text that is neither. */
  async loadKit(text: string): Promise<{ fingerprint: string; generation: number | null }> {
    const parsed = parseEmergencyKit(text);
    const key = tidyKeyInput(parsed.key);
    const r = await this.db();
    const fingerprint = await r.fingerprint(key);
    this.loaded.set(fingerprint, key);
    this.changes++; // the held keys changed: an earlier read is stale
    await this.refresh();
    const gen = this.facts.generations.find((g) => g.fingerprint === fingerprint);
    return { fingerprint, generation: gen?.number ?? null };
  }

  async verify(conn: HaConnection, options: VerifyOptions = {}): Promise<VerifySummary> {
    const r = await this.db();
    if (!this.instanceId) throw new Error("registry not ready");
    return verifyOnline(r, conn, this.instanceId, this.keys(), options);
  }

  async checkFile(file: File, signal?: AbortSignal): Promise<{ report: BackupFileReport; matched: number; generation: number | null }> {
    const r = await this.db();
    if (!this.instanceId) throw new Error("registry not ready");
    const keys = this.keys();
    const report = await checkBackupKeys(blobSource(file), keys, { signal });
    const applied = await applyOfflineReport(r, this.instanceId, report, keys, file.size);
    return { report, ...applied };
  }

  /** Everything the current key's kit says (for the text file and the printable page). */
  async kitFacts(ctx: KitContextLike): Promise<KitFacts> {
    const r = await this.db();
    const active = this.facts.active;
    if (this.currentKey === null || !this.instanceId || !active) throw new Error("no current key");
    const date = new Date();
    const backups = await r.backupsOpenedBy(this.instanceId, active.id);
    return {
      key: this.currentKey,
      instanceName: ctx.instanceName,
      url: ctx.url,
      date,
      language: ctx.language,
      timeZone: ctx.timeZone,
      haVersion: ctx.haVersion,
      generation: { number: active.number, fingerprint: active.fingerprint, startedAt: active.activatedAt ?? active.firstSeenAt },
      backups,
      localize: ctx.localize,
    };
  }

  /** The current key's kit file, HA's layout plus our block; marks it downloaded in the registry. */
  async currentKit(ctx: KitContextLike): Promise<{ fileName: string; text: string }> {
    const facts = await this.kitFacts(ctx);
    const active = this.facts.active!;
    await (await this.db()).markKit(this.instanceId!, active.id, "downloaded");
    return { fileName: emergencyKitFileName({ instanceName: ctx.instanceName, date: facts.date, generation: active.number }), text: renderEmergencyKit(facts) };
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

  async createVault(passphrase: string): Promise<void> {
    const v = await this.vault();
    await v.create(passphrase);
    // A vault the browser may evict under storage pressure would be a false sense of safety.
    await requestPersistentStorage().catch(() => false);
  }

  /** Puts HA's current key into the unlocked vault, under its generation. */
  async storeCurrentKey(): Promise<number> {
    const v = await this.vault();
    const active = this.facts.active;
    if (this.currentKey === null || !active) throw new Error("no current key");
    await v.store(active.id, this.currentKey);
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

  /** The open registry, for the key-change dialog (which drives its own flow on it). */
  openRegistry(): Promise<Registry> {
    return this.db();
  }
}
