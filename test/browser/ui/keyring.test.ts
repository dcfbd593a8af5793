// The full panel on top of the registry, against the simulated HA: overview and plain-language
// status, verifying online, loading old keys, the kit download, key-change hand-off, accessibility.
import { expect } from "@esm-bundle/chai";
import { axeViolations } from "./a11y.js";
// The real panel element under the public tag (src/main.js would give the lazy shim).
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { captureDownload, deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import { walkTar } from "../../../src/tar/reader.js";

const sims: BrowserSim[] = [];
let panel: BackupKeyringPanel;
let dbCounter = 0;

async function mount(s: BrowserSim): Promise<BackupKeyringPanel> {
  panel = document.createElement("backup-keyring-panel");
  panel.standalone = true;
  panel.registryName = `bk-ui-test-${Date.now()}-${dbCounter++}`;
  document.body.append(panel);
  await panel.connectStandalone({ url: s.url, token: s.adminToken, remember: false });
  await waitFor(() => deepText(panel).includes("Key generations"), "registry views");
  return panel;
}

async function sim(options: Record<string, unknown> = {}) {
  const s = await startSim({ backups: 9, ...options });
  sims.push(s);
  return s;
}

const button = (label: string | RegExp, root: ParentNode = panel.shadowRoot!) => findButton(root, label);
/** For buttons that appear after an asynchronous step (vault unlocked, keys counted). */
const buttonSoon = (label: string, root: ParentNode) =>
  waitFor(() => {
    try {
      return findButton(root, label);
    } catch {
      return null;
    }
  }, `button ${label}`);

const text = () => deepText(panel);

/** The automatic check of the local copies with the current key (it writes to the registry) has finished. */
const backgroundChecked = () =>
  waitFor(() => /Generation 1 proven/.test(text()) && !text().includes("Checking the copies on Home Assistant's own disk"), "background check of the local copies", 30000);

async function verifyAll() {
  button("Verify all backups").click();
  await waitFor(() => /copies checked|copy checked/.test(text()), "verify summary", 60000);
}

async function loadKey(key: string) {
  button("Load an old kit or key…").click();
  const dialog = await waitFor(() => panel.shadowRoot!.querySelector("bk-load-kit-dialog"), "load-kit dialog (loaded on first use)");
  await dialog.updateComplete;
  const area = dialog.shadowRoot!.querySelector("textarea")!;
  area.value = key;
  area.dispatchEvent(new Event("input"));
  await dialog.updateComplete;
  button("Load", dialog.shadowRoot!).click();
  // Loading proves the key online at once; the notice names the generation and what it opens.
  await waitFor(() => /is loaded for this session|matches no known generation yet.*cop(y|ies) checked/.test(text()), "key loaded and proven", 60000);
  await waitFor(() => text().includes("Verify all backups"), "the check finished");
}

afterEach(async () => {
  panel?.remove();
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

describe("panel with the registry", () => {
  it("first look, background check, verify online, load old keys: the status says what is proven and what is unknown", async () => {
    const s = await sim();
    await mount(s);
    const keys = await s.control<string[]>({ type: "demo_keys" });
    // First look: generation 1 is the current key; nothing made before the first look is guessed.
    expect(text()).to.contain("Generation 1");
    expect(text()).not.to.match(/should open|probably open/);
    expect(text()).to.contain("Not downloaded");
    // The copies on HA's own disk are checked with the current key on their own.
    await waitFor(() => /Generation 1 proven/.test(text()), "background check of the local copies", 30000);
    expect(text()).to.match(/encrypted with a key of unknown generation/);

    // Checking through HA: older backups do not open with the current key, which is no failure.
    await verifyAll();
    expect(text()).to.match(/ 0 did not open with the key they were believed to need/);
    expect(text()).to.contain("proven");

    // The oldest key, loaded from an "old kit", is proven at once on the copies it can open: generation 2.
    await loadKey(keys[0]!);
    expect(text()).to.match(/Key generation 2 is loaded for this session; [1-9]\d* backups? (is|are) proven to open with it/);
    await verifyAll();
    await waitFor(() => text().includes("Generation 2"), "generation 2 from the loaded key");
    // Its kit again, now with the list of what it is proven to open (facts only, HA's location names).
    const oldKit = (await captureDownload(() => button("Download the kit of generation 2").click(), "old kit")).text;
    expect(oldKit).to.contain(keys[0]);
    const facts = oldKit.split("\n").filter((l) => l.startsWith("- "));
    expect(facts.length).to.be.greaterThan(0);
    expect(oldKit).not.to.match(/^\? /m, "nothing is guessed for a key loaded after the fact");
    for (const l of facts) expect(l).to.match(/\| (This system|Home Assistant Cloud)(, (This system|Home Assistant Cloud))*$/);
    // The middle key is still missing for the middle third.
    expect(text()).to.match(/encrypted with a key of unknown generation/);
    await loadKey(keys[1]!);
    await verifyAll();
    // Everything HA can check is proven; the one mislabelled copy (plaintext inside, "protected"
    // outside) cannot be checked through HA, so its backup stays unknown rather than guessed.
    await waitFor(() => /Backups: \d+ proven, 0 probably \(not checked\), 1 unknown/.test(text()), "all proven but one", 30000);
    // No key is ever shown without "Show".
    for (const k of keys) expect(text()).not.to.contain(k);
    // History names the locations as HA does and says what was proven, never a raw code.
    expect(text()).to.match(/Backup \w+ on (This system|Home Assistant Cloud) is proven to open with generation \d/);
    expect(text()).not.to.match(/on (hassio|cloud)\.\w+|could not be opened/);
  });

  it("an old generated key typed loosely (lower case, spaces) is checked online in every form and proven at once", async () => {
    const s = await sim();
    await mount(s);
    const keys = await s.control<string[]>({ type: "demo_keys" });
    await backgroundChecked();
    await loadKey(keys[0]!.toLowerCase().replace(/-/g, " "));
    expect(text()).to.match(/Key generation 2 is loaded for this session; [1-9]\d* backups? (is|are) proven to open with it/);
  });

  it("downloads the current kit with HA's layout and our block, and records it", async () => {
    const s = await sim();
    await mount(s);
    const keys = await s.control<string[]>({ type: "demo_keys" });
    const download = await captureDownload(() => button("Download emergency kit").click());
    const kit = download.text;
    expect(download.name).to.match(/^home_assistant_backup_emergency_kit_home_\d{4}-\d{2}-\d{2}_gen1\.txt$/);
    expect(kit).to.contain(keys[2]);
    expect(kit).to.contain("== Backup Keyring ==");
    expect(kit).to.contain(s.url);
    await waitFor(() => text().includes("Downloaded"), "kit state in overview");
    expect(text()).to.contain("Emergency kit for generation 1 downloaded");
  });

  it("a kit whose own block belongs to another key is called out loudly (edited or mixed up)", async () => {
    const s = await sim();
    await mount(s);
    const keys = await s.control<string[]>({ type: "demo_keys" });
    const current = (await captureDownload(() => button("Download emergency kit").click())).text;
    // The current kit's block (generation 1, its fingerprint) with the first demo key in it.
    await loadKey(current.replace(keys[2]!, keys[0]!));
    await waitFor(() => text().includes("this kit's own block says it is key generation 1, but its key is not that generation's key"), "the mismatch is said");
    const alert = [...panel.shadowRoot!.querySelectorAll(".notice")].find((n) => n.textContent!.includes("own block says"));
    expect(alert?.getAttribute("role")).to.equal("alert");
  });

  it("a wrong kit is refused with a message that does not repeat it", async () => {
    const s = await sim();
    await mount(s);
    button("Load an old kit or key…").click();
    const dialog = await waitFor(() => panel.shadowRoot!.querySelector("bk-load-kit-dialog"), "load-kit dialog (loaded on first use)");
    await dialog.updateComplete;
    const area = dialog.shadowRoot!.querySelector("textarea")!;
    // Several lines that are no kit (one line would be taken as a legacy password, exactly as typed).
    area.value = "Dear diary,\nhunter2 is not a kit";
    area.dispatchEvent(new Event("input"));
    await dialog.updateComplete;
    button("Load", dialog.shadowRoot!).click();
    await waitFor(() => deepText(dialog).includes("neither an emergency kit"), "error");
    expect(dialog.isOpen).to.equal(true);
    expect(text()).not.to.contain("hunter2");
  });

  it("change key: announces a composed event, then opens the key-change dialog", async () => {
    const s = await sim();
    await mount(s);
    let detail: unknown = null;
    const take = (e: Event) => {
      detail = (e as CustomEvent).detail;
      e.preventDefault();
    };
    document.addEventListener("backup-keyring-change-key", take);
    button("Change encryption key…").click();
    document.removeEventListener("backup-keyring-change-key", take);
    expect(detail).to.have.property("instanceId").that.is.a("string");
    expect(panel.shadowRoot!.querySelector("bk-key-change-dialog"), "a host that takes it over gets no dialog").to.equal(null);

    button("Change encryption key…").click();
    const dialog = await waitFor(() => panel.shadowRoot!.querySelector("bk-key-change-dialog"), "dialog element");
    await waitFor(() => dialog.shadowRoot?.querySelector("dialog")?.open, "dialog open");
  });

  it("creates a backup now with live progress; it appears in the table", async () => {
    const s = await sim();
    await mount(s);
    const before = (await s.control<{ backups: unknown[] }>({ type: "get_state" })).backups.length;
    button("Create backup now").click();
    await waitFor(() => text().includes("Creating backup…"), "progress");
    await waitFor(() => text().includes("Backup created with the current encryption key."), "completed", 30000);
    const state = await s.control<{ backups: { name: string }[] }>({ type: "get_state" });
    expect(state.backups.length).to.equal(before + 1);
    await waitFor(() => text().includes("Create backup now"), "button back");
  });

  it("verifies one copy from its row", async () => {
    const s = await sim();
    await mount(s);
    const table = panel.shadowRoot!.querySelector("bk-backup-table")!;
    await table.updateComplete;
    const verify = [...table.shadowRoot!.querySelectorAll("button")].find((b) => b.textContent!.trim() === "Verify")!;
    verify.click();
    await waitFor(() => text().includes("1 copy checked"), "one copy checked", 30000);
  });

  it("vault: opt-in, stores the current key, refuses a wrong passphrase, reloads keys after unlock", async () => {
    const s = await sim();
    await mount(s);
    const vault = panel.shadowRoot!.querySelector("bk-vault-settings")!;
    await waitFor(() => vault.shadowRoot?.querySelector("form"), "vault form");
    expect(deepText(vault)).to.contain("any script running in this Home Assistant page");
    const fill = async (values: Record<string, string>) => {
      for (const [name, value] of Object.entries(values)) {
        const input = vault.shadowRoot!.querySelector<HTMLInputElement>(`input[name=${name}]`)!;
        input.value = value;
        input.dispatchEvent(new Event("input"));
      }
      await vault.updateComplete;
      vault.shadowRoot!.querySelector<HTMLButtonElement>("form button[type=submit]")!.click();
    };
    await fill({ passphrase: "correct horse", confirm: "correct horsf" });
    await waitFor(() => deepText(vault).includes("The two passphrases differ"), "mismatch");
    await fill({ passphrase: "correct horse", confirm: "correct horse" });
    await waitFor(() => deepText(vault).includes("Vault created and unlocked"), "created", 30000);
    (await buttonSoon("Store the current key", vault.shadowRoot!)).click();
    await waitFor(() => deepText(vault).includes("generation 1 is now in the vault"), "stored");
    (await buttonSoon("Lock", vault.shadowRoot!)).click();
    await waitFor(() => deepText(vault).includes("Vault locked"), "locked");
    await fill({ passphrase: "wrong horse" });
    await waitFor(() => deepText(vault).includes("does not open the vault"), "wrong passphrase", 30000);
    await fill({ passphrase: "correct horse" });
    await waitFor(() => deepText(vault).includes("1 key stored"), "unlocked", 30000);
    (await buttonSoon("Use the stored keys", vault.shadowRoot!)).click();
    await waitFor(() => deepText(vault).includes("1 key from the vault can now verify backups"), "used");
    expect(text()).not.to.contain("correct horse");
    const keys = await s.control<string[]>({ type: "demo_keys" });
    expect(text()).not.to.contain(keys[2]);
  });

  it("checks a dropped backup file offline and records what opens it", async () => {
    const s = await sim();
    await mount(s);
    const state = await s.control<{ backups: { backup_id: string; name: string; agents: Record<string, { protected: boolean }> }[] }>({ type: "get_state" });
    const file = async (b: { backup_id: string; name: string }) => {
      const res = await fetch(`${s.url}/api/backup/download/${b.backup_id}?agent_id=hassio.local`, { headers: { authorization: `Bearer ${s.adminToken}` } });
      expect(res.status).to.equal(200);
      return new File([await res.blob()], `${b.backup_id}.tar`);
    };
    // This system's disk holds every backup (HA Cloud only the newest).
    const onLocal = state.backups.filter((b) => b.agents["hassio.local"]?.protected);
    const drop = panel.shadowRoot!.querySelector("bk-file-drop")!;
    const newest = onLocal.at(-1)!;
    drop.dispatchEvent(new CustomEvent("file-picked", { detail: await file(newest) }));
    await waitFor(() => text().includes(`${newest.name} opens with key generation 1.`), "opened", 30000);
    // Where the user is looking: right under the drop zone, not in a notice far above it.
    const result = panel.shadowRoot!.querySelector("[data-testid=file-result]")!;
    expect(deepText(result)).to.contain(`${newest.name} opens with key generation 1.`);
    const gap = result.getBoundingClientRect().top - drop.getBoundingClientRect().bottom;
    expect(gap, "the result sits right under the drop zone").to.be.within(0, 48);
    const oldest = onLocal[0]!;
    drop.dispatchEvent(new CustomEvent("file-picked", { detail: await file(oldest) }));
    await waitFor(() => text().includes(`${oldest.name} does not open with any key you hold.`), "not opened", 30000);
    // Not opening with the keys held is no failure of anything the registry believed: no History entry.
    expect(text()).not.to.contain(`Backup ${oldest.backup_id.slice(0, 8)} on hassio.local could not be opened`);
  });

  it("a dropped backup missing an archive is reported damaged, one reason per archive; a legacy password loads exactly", async () => {
    const s = await sim();
    await mount(s);
    const state = await s.control<{ backups: { backup_id: string; name: string; agents: Record<string, { protected: boolean }> }[] }>({ type: "get_state" });
    const b = state.backups.filter((x) => x.agents["cloud.cloud"]?.protected).at(-1)!;
    const res = await fetch(`${s.url}/api/backup/download/${b.backup_id}?agent_id=cloud.cloud`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    const bytes = new Uint8Array(await res.arrayBuffer());
    // Cut right after backup.json (written first): every archive it lists is gone.
    let cut = 0;
    for await (const e of walkTar(bytesSource(bytes))) {
      if (e.name.endsWith("backup.json")) cut = e.dataOffset + Math.ceil(e.size / 512) * 512;
    }
    const drop = panel.shadowRoot!.querySelector("bk-file-drop")!;
    drop.dispatchEvent(new CustomEvent("file-picked", { detail: new File([bytes.slice(0, cut)], `${b.backup_id}.tar`) }));
    await waitFor(() => text().includes(`${b.name} cannot be restored as it is:`), "damaged notice", 30000);
    expect(text()).to.contain("homeassistant.tar.gz: backup.json lists this archive, but the file does not contain it.");
    expect(text()).not.to.contain(`${b.name} is not encrypted`);

    // A legacy password (not HA's generated format) is accepted and used exactly as typed.
    await loadKey("  My old Password 2019 ");
    expect(text()).to.contain("used exactly as typed");
  });

  it("exports the registry (no keys) and imports it back; a bad file changes nothing", async () => {
    const s = await sim();
    await mount(s);
    const keys = await s.control<string[]>({ type: "demo_keys" });
    await backgroundChecked();
    // The registry lives only in this browser: until exported, the panel reminds.
    await waitFor(() => /not been exported yet/.test(text()), "export reminder");
    expect(text()).to.contain("Keep this export private");
    const exported = (await captureDownload(() => button("Export registry").click(), "export download")).text;
    expect(JSON.parse(exported).format).to.equal("backup-keyring-registry");
    for (const k of keys) expect(exported).not.to.contain(k);
    await waitFor(() => !/not been exported yet/.test(text()), "reminder gone after export");

    const input = panel.shadowRoot!.querySelector<HTMLInputElement>('input[type=file][accept*="json"]')!;
    const pick = (text: string) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], "registry.json", { type: "application/json" }));
      input.files = dt.files;
      input.dispatchEvent(new Event("change"));
    };
    pick("{ not json");
    await waitFor(() => text().includes("not a registry export (it is not JSON)"), "bad file message");
    pick(exported);
    await waitFor(() => text().includes("Registry imported"), "imported");
  });

  it("reminds in HA's notifications until the kit is proven; turning reminders off dismisses them", async () => {
    const s = await sim();
    await mount(s);
    const notifications = async () => (await s.control<{ notifications: { notification_id: string; message: string }[] }>({ type: "get_state" })).notifications;
    const ids = async () => (await notifications()).map((n) => n.notification_id);
    let shown: string[] = [];
    for (let i = 0; i < 100 && !shown.includes("backup_keyring_kit_not_proven"); i++) {
      shown = await ids();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(shown).to.include("backup_keyring_kit_not_proven");
    const keys = await s.control<string[]>({ type: "demo_keys" });
    for (const n of await notifications()) for (const k of keys) expect(n.message).not.to.contain(k);

    const settings = panel.shadowRoot!.querySelector("bk-reminder-settings")!;
    settings.shadowRoot!.querySelector<HTMLInputElement>('input[type="checkbox"]')!.click();
    for (let i = 0; i < 100 && shown.length > 0; i++) {
      shown = (await ids()).filter((id) => id.startsWith("backup_keyring_"));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(shown).to.deep.equal([]);
  });

  it("has no accessibility violations (overview, table, tools, dialog)", async () => {
    const s = await sim();
    await mount(s);
    expect(await axeViolations(panel)).to.deep.equal([]);
    button("Load an old kit or key…").click();
    await (
      await waitFor(() => panel.shadowRoot!.querySelector("bk-load-kit-dialog"), "load-kit dialog")
    ).updateComplete;
    expect(await axeViolations(panel)).to.deep.equal([]);
  });
});

describe("key generations timeline", () => {
  it("a generation HA was put back on shows both active periods", async () => {
    const el = document.createElement("bk-generations-timeline");
    const g = {
      id: "g1",
      instanceId: "i",
      number: 1,
      fingerprint: "a".repeat(64),
      status: "active" as const,
      origin: "observed" as const,
      firstSeenAt: "2026-01-01T00:00:00Z",
      activatedAt: "2026-03-01T00:00:00Z",
      lastSeenActiveAt: "2026-03-02T00:00:00Z",
      retiredAt: null,
      kitDownloadedAt: null,
      kitProvenAt: null,
      label: null,
      earlierPeriods: [{ from: "2026-01-01T00:00:00Z", to: "2026-01-20T00:00:00Z" }],
    };
    el.generations = [g];
    el.timeZone = "UTC";
    document.body.append(el);
    try {
      await el.updateComplete;
      const t = deepText(el);
      expect(t).to.match(/Jan 1, 2026.*–.*Jan 20, 2026.*Mar 1, 2026.*– now/);
    } finally {
      el.remove();
    }
  });
});
