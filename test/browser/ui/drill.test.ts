// The kit drill and restore guidance in the panel and the card, against the simulated HA: the
// drill from the overview (wrong group → plain advice and the kit download; the kit → proven,
// reminder dismissed), the reminder's link opening the drill, an older generation's drill, the
// card's at-a-glance lines, and "How to restore" for known and unknown generations.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
import { axeViolations } from "./a11y.js";
// The real panel element under the public tag (src/main.js would give the lazy shim), and the card.
import "../../../src/ui/panel/backup-keyring-panel.js";
import "../../../src/ui/card/backup-keyring-card.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupKeyringCard } from "../../../src/ui/card/backup-keyring-card.js";
import type { BkDrillDialog } from "../../../src/ui/dialogs/drill-dialog.js";
import { localizeEnglish } from "../../../src/common/localize-english.js";
import { RegistryError, type GenerationRecord } from "../../../src/registry/model.js";
import { Registry } from "../../../src/registry/registry.js";
import { captureDownload, deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

const sims: BrowserSim[] = [];
const cleanup: (() => void)[] = [];
let panel: BackupKeyringPanel;
let dbCounter = 0;

async function sim(options: Record<string, unknown> = {}) {
  const s = await startSim({ backups: 6, ...options });
  sims.push(s);
  return s;
}

async function mount(s: BrowserSim, route?: { prefix: string; path: string }): Promise<BackupKeyringPanel> {
  panel = document.createElement("backup-keyring-panel");
  panel.standalone = true;
  panel.registryName = `bk-drill-test-${Date.now()}-${dbCounter++}`;
  if (route) panel.route = route;
  document.body.append(panel);
  cleanup.push(() => panel.remove());
  await panel.connectStandalone({ url: s.url, token: s.adminToken, remember: false });
  await waitFor(() => deepText(panel).includes("Key generations"), "registry views");
  return panel;
}

const text = () => deepText(panel);
const button = (label: string | RegExp, root: ParentNode = panel.shadowRoot!) => findButton(root, label);
// The dialogs are loaded on first use (show-dialog.ts): they exist once opened.
const drillDialog = () => waitFor(() => panel.shadowRoot!.querySelector<BkDrillDialog>("bk-drill-dialog"), "drill dialog (loaded on first use)");
const restoreDialog = () => waitFor(() => panel.shadowRoot!.querySelector("bk-restore-guidance-dialog"), "restore guidance dialog (loaded on first use)");
const notificationIds = async (s: BrowserSim) => (await s.control<{ notifications: { notification_id: string }[] }>({ type: "get_state" })).notifications.map((n) => n.notification_id);

async function type(root: ShadowRoot, selector: string, value: string): Promise<void> {
  const el = root.querySelector<HTMLInputElement | HTMLTextAreaElement>(selector)!;
  el.value = value;
  el.dispatchEvent(new Event("input"));
  await (root.host as BkDrillDialog).updateComplete;
}

afterEach(async () => {
  cleanup.splice(0).forEach((c) => c());
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

describe("kit drill", () => {
  it("a result that cannot be recorded says so (a full disk by its own words), never that the generation is gone", async () => {
    await import("../../../src/ui/dialogs/drill-dialog.js");
    const dialog = document.createElement("bk-drill-dialog") as BkDrillDialog;
    document.body.append(dialog);
    cleanup.push(() => dialog.remove());
    let failure: Error = new RegistryError("storage_full");
    const generation = { id: "g1", number: 1, status: "active" } as GenerationRecord;
    void dialog.showDialog({ localize: localizeEnglish, language: "en", timeZone: "UTC", generation, current: false, backups: 3, guessed: 2, judge: () => Promise.reject(failure), downloadKit: null });
    await waitFor(() => dialog.isOpen, "drill dialog open");
    expect(deepText(dialog), "the backups known only by date are said to be a guess").to.contain(
      "3 backups need it. (2 of them by date, not checked) Load the kit file from where you keep it. Nothing you enter is stored.",
    );
    const root = dialog.shadowRoot!;
    const kit = "not looked at: the judge fails";
    await type(root, "#drill-text", kit);
    button("Check the kit", root).click();
    await waitFor(() => deepText(dialog).includes(localizeEnglish("errors.registry.storage_full")), "the full disk named");
    failure = new Error("the panel was closed");
    button("Try again", root).click();
    await dialog.updateComplete;
    await type(root, "#drill-text", kit);
    button("Check the kit", root).click();
    await waitFor(() => deepText(dialog).includes("The result could not be recorded, so nothing was changed."), "not recorded");
    expect(deepText(dialog)).not.to.contain("not in the registry any more");
  });

  it("from the overview: a wrong group fails with advice and the kit download; the kit file passes and the reminder goes", async () => {
    const s = await sim();
    await mount(s);
    const keys = await s.control<string[]>({ type: "demo_keys" });
    const key = keys[2]!;
    await waitFor(() => text().includes("Never proven: drill due"), "drill status");
    await waitFor(async () => (await notificationIds(s)).includes("backup_keyring_kit_not_proven"), "kit reminder in HA");

    button("Test my kit").click();
    const dialog = await drillDialog();
    await waitFor(() => dialog.isOpen, "drill dialog open");
    const root = dialog.shadowRoot!;
    const group = Number(/Group (\d) of 7/.exec(deepText(dialog))![1]);
    expect(group).to.be.within(1, 7);
    // Only the position is shown: no group of the key is on screen.
    for (const g of key.split("-")) expect(deepText(dialog)).not.to.contain(g);

    const right = key.split("-")[group - 1]!;
    const wrong = right === "QQQQ" ? "ZZZZ" : "QQQQ";
    await type(root, "#drill-group", wrong);
    button("Check the group", root).click();
    await waitFor(() => deepText(dialog).includes(`That is not group ${group} of the key.`), "wrong group");
    expect(deepText(dialog)).to.contain("download it again now, while Home Assistant still has this key");
    expect(deepText(dialog)).not.to.contain(wrong);
    expect(await axeViolations(dialog)).to.deep.equal([]);
    const kit = await captureDownload(() => button("Download the kit again", root).click(), "kit download");
    expect(kit.text).to.contain(key);

    button("Try again", root).click();
    await dialog.updateComplete;
    expect((root.querySelector("#drill-group") as HTMLInputElement).value, "the wrong answer is not kept").to.equal("");
    await type(root, "#drill-text", kit.text);
    button("Check the kit", root).click();
    await waitFor(() => deepText(dialog).includes("Kit proven: the kit of generation 1 is where you keep it."), "passed");
    await waitFor(async () => !(await notificationIds(s)).includes("backup_keyring_kit_not_proven"), "reminder dismissed");
    button("Close", root).click();
    await waitFor(() => /Proven .*; next drill/.test(text()), "overview shows the next drill");
    expect(text()).not.to.contain(key);
  });

  it("the interval is the user's: turned off, the overview says so and no drill reminder is due", async () => {
    const s = await sim();
    await mount(s);
    await waitFor(() => text().includes("Never proven: drill due"), "drill status");
    const settings = panel.shadowRoot!.querySelector("bk-reminder-settings")!;
    const select = settings.shadowRoot!.querySelector<HTMLSelectElement>("[data-testid=drill-months]")!;
    expect(select.selectedOptions[0]!.textContent!.trim(), "default").to.equal("Every 6 months");
    select.value = "0";
    select.dispatchEvent(new Event("change"));
    await waitFor(() => panel.shadowRoot!.querySelector("bk-drill-status")!.shadowRoot!.querySelector("[data-testid=drill-status]")?.textContent?.trim() === "Off", "drills off");
    select.value = "12";
    select.dispatchEvent(new Event("change"));
    await waitFor(() => text().includes("Never proven: drill due"), "drills on again");
  });

  it("the reminder's link (/backup-keyring/drill) opens the drill of the current key", async () => {
    const s = await sim();
    await mount(s, { prefix: "/backup-keyring", path: "/drill" });
    const dialog = await drillDialog();
    await waitFor(() => dialog.isOpen, "drill dialog opened by the route");
    expect(deepText(dialog)).to.contain("your current key (generation 1)");
  });

  it("an older generation's backups known only by date are said to be a guess", async () => {
    await import("../../../src/ui/components/drill-status.js");
    const el = document.createElement("bk-drill-status");
    const g = (id: string, number: number, status: string) =>
      ({ id, number, status, fingerprint: id, kitProvenAt: null, kitDownloadedAt: null, activatedAt: "2026-01-01T00:00:00Z" }) as unknown as GenerationRecord;
    const copy = (backupId: string, confidence: string) => ({ backupId, agentId: "hassio.local", generationId: "g1", protected: true, deleted: false, confidence, date: "2026-02-01T00:00:00Z" });
    Object.assign(el, {
      localize: localizeEnglish,
      generations: [g("g1", 1, "retired"), g("g2", 2, "active")],
      active: g("g2", 2, "active"),
      copies: [copy("a", "verified"), copy("b", "inferred"), copy("c", "inferred")],
    });
    document.body.append(el);
    cleanup.push(() => el.remove());
    await (el as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    expect(deepText(el)).to.contain("Do you still have generation 1's kit? 3 backups need it. (2 of them by date, not checked)");
  });

  it("the reminder links to the drill where HA serves this panel (another url_path)", async () => {
    const s = await sim();
    await mount(s, { prefix: "/keys", path: "" });
    await panel.settled;
    // The kit was proven 8 months ago (written as the registry keeps it): the drill is due.
    const registry = await Registry.open(panel.registryName);
    try {
      const g = (await registry.db.getAll("generations")).find((x) => x.status === "active")!;
      await registry.db.put("generations", { ...g, kitProvenAt: new Date(Date.now() - 240 * 86_400_000).toISOString() });
    } finally {
      registry.close();
    }
    await panel.reload();
    const drill = () =>
      s.control<{ notifications: { notification_id: string; message: string }[] }>({ type: "get_state" }).then((st) => st.notifications.find((n) => n.notification_id === "backup_keyring_kit_drill"));
    const posted = await waitFor(drill, "the drill reminder in HA");
    expect(posted.message).to.contain("](/keys/drill)");
  });

  it("an older generation's drill on request: its own kit passes, the current key's kit is named as the wrong one", async () => {
    const s = await sim();
    await mount(s);
    const keys = await s.control<string[]>({ type: "demo_keys" });
    button("Load an old kit or key…").click();
    const load = await waitFor(() => panel.shadowRoot!.querySelector("bk-load-kit-dialog"), "load-kit dialog (loaded on first use)");
    await load.updateComplete;
    const area = load.shadowRoot!.querySelector("textarea")!;
    area.value = keys[0]!;
    area.dispatchEvent(new Event("input"));
    await load.updateComplete;
    button("Load", load.shadowRoot!).click();
    // Loading proves the key online at once (the copies on HA's own disk); then verify every copy.
    await waitFor(() => /is loaded for this session|matches no known generation yet.*cop(y|ies) checked/.test(text()), "key loaded and proven", 60000);
    await waitFor(() => text().includes("Verify all backups"), "the check finished");
    button("Verify all backups").click();
    // The summary of this run replaces the load's (which led with the generation it loaded).
    await waitFor(() => /copies checked|copy checked/.test(text()) && !text().includes("loaded for this session"), "verify summary", 60000);
    const ask = await waitFor(() => /Do you still have generation 2's kit\? \d+ backups? needs? it\./.exec(text()), "older drill offered");
    expect(ask[0]).to.match(/\d+/);

    button("Check generation 2's kit").click();
    const dialog = await drillDialog();
    await waitFor(() => dialog.isOpen, "dialog open");
    const root = dialog.shadowRoot!;
    expect(root.querySelector("#drill-group"), "no typed group without the key at hand").to.equal(null);
    await type(root, "#drill-text", keys[2]!);
    button("Check the kit", root).click();
    await waitFor(() => deepText(dialog).includes("This is the kit of key generation 1, not of generation 2."), "other generation");
    expect(deepText(dialog)).to.contain("no longer has this key");
    expect(() => button("Download the kit again", root)).to.throw();
    button("Try again", root).click();
    await dialog.updateComplete;
    await type(root, "#drill-text", keys[0]!);
    button("Check the kit", root).click();
    await waitFor(() => deepText(dialog).includes("Kit proven: the kit of generation 2"), "passed");
    button("Close", root).click();

    // Restore guidance for a backup of generation 2: the key loaded from its kit this session can be copied.
    const table = panel.shadowRoot!.querySelector("bk-backup-table")!;
    const restoreButtons = [...table.shadowRoot!.querySelectorAll<HTMLButtonElement>("button")].filter((b) => b.getAttribute("aria-label")?.startsWith("How to restore ")).reverse();
    let copyButton: HTMLButtonElement | null = null;
    let guidance: Element | null = null;
    for (const b of restoreButtons) {
      b.click();
      guidance = await restoreDialog();
      await waitFor(() => (guidance as HTMLElement & { isOpen: boolean }).isOpen && /Restore /.test(deepText(guidance!)), "guidance");
      copyButton = [...guidance.shadowRoot!.querySelectorAll("button")].find((x) => x.textContent?.trim() === "Copy generation 2's key") ?? null;
      if (copyButton) break;
      button("Close", guidance.shadowRoot!).click();
    }
    expect(copyButton, "a backup of generation 2 offers its key").to.not.equal(null);
    let copied = "";
    const clip = navigator.clipboard;
    const original = clip.writeText.bind(clip);
    clip.writeText = async (t: string) => void (copied = t);
    try {
      copyButton!.click();
      await waitFor(() => copied, "copied");
    } finally {
      clip.writeText = original;
    }
    expect(copied, "the loaded kit's key").to.equal(keys[0]);
    for (const k of keys) expect(deepText(guidance!).includes(k), "no key on screen").to.equal(false);
  });
});

describe("restore guidance in the panel", () => {
  it("current key: opens with generation 1, HA steps with the kit file name, a copy button; unknown: says so", async () => {
    const s = await sim();
    await mount(s);
    const keys = await s.control<string[]>({ type: "demo_keys" });
    const kit = await captureDownload(() => button("Download emergency kit").click());
    button("Verify all backups").click();
    await waitFor(() => /copies checked|copy checked/.test(text()), "verify summary", 60000);

    const table = panel.shadowRoot!.querySelector("bk-backup-table")!;
    const restoreButtons = () => [...table.shadowRoot!.querySelectorAll<HTMLButtonElement>("button")].filter((b) => b.getAttribute("aria-label")?.startsWith("How to restore "));
    await waitFor(() => restoreButtons().length > 0, "restore buttons");
    // Rows are newest first: the newest backup is under the current key (generation 1).
    restoreButtons()[0]!.click();
    const dialog = await restoreDialog();
    // "Opens" when every copy was opened by a check, "Probably opens" when one could not be checked (e.g. a cloud copy).
    await waitFor(() => dialog.isOpen && /opens with the key of generation 1 \((proven by a check|by date, not checked)\)/i.test(deepText(dialog)), "guidance for the newest");
    const known = deepText(dialog);
    expect(known).to.contain(kit.name);
    expect(known).to.contain("Home Assistant's current key");
    expect(known).to.contain("was downloaded on");
    let copied = "";
    const clip = navigator.clipboard;
    const original = clip.writeText.bind(clip);
    clip.writeText = async (t: string) => void (copied = t);
    try {
      button("Copy generation 1's key", dialog.shadowRoot!).click();
      await waitFor(() => copied, "copied");
    } finally {
      clip.writeText = original;
    }
    expect(copied === keys[2], "the current key copied").to.equal(true);
    for (const k of keys) expect(deepText(dialog).includes(k), "no key on screen").to.equal(false);
    expect(await axeViolations(dialog)).to.deep.equal([]);
    button("Close", dialog.shadowRoot!).click();

    // The oldest backups were made under keys nobody loaded: their generation is unknown
    // (one random copy in the demo cannot be checked through HA, so look from the oldest up).
    const all = restoreButtons().reverse();
    let unknown = false;
    for (const b of all.slice(0, 6)) {
      b.click();
      await waitFor(() => dialog.isOpen && /Restore /.test(deepText(dialog)), "guidance");
      if (deepText(dialog).includes("Which key opens this backup is not known yet.")) {
        unknown = true;
        break;
      }
      button("Close", dialog.shadowRoot!).click();
    }
    expect(unknown, "an old backup's generation is unknown").to.equal(true);
    expect(deepText(dialog)).to.contain("Load your old emergency kits");
    expect(() => button(/Copy generation/, dialog.shadowRoot!)).to.throw();
  });
});

/** The card on a dashboard of `s` (HA's own connection), reading the registry `registryName`. */
async function mountCard(s: BrowserSim, registryName: string): Promise<BackupKeyringCard> {
  const connection: Connection = await createConnection({ auth: createLongLivedTokenAuth(s.url, s.adminToken) });
  cleanup.push(() => connection.close());
  const el = document.createElement("backup-keyring-card") as BackupKeyringCard;
  el.registryName = registryName;
  el.setConfig({ type: "custom:backup-keyring-card" });
  document.body.append(el);
  cleanup.push(() => el.remove());
  el.hass = { connection, language: "en", user: { is_admin: true }, auth: { data: { hassUrl: s.url } } };
  return el;
}

describe("card at a glance", () => {
  it("a proven kit: says when it was last proven and the day the next drill is due", async () => {
    const s = await sim();
    await mount(s);
    await panel.settled;
    const registryName = panel.registryName!;
    panel.remove();
    // Proven on the 10th of last month at 10:00 (as the registry keeps it); drills every 6 months.
    const today = new Date();
    const proven = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 10, 10));
    const due = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 5, 10));
    const day = (d: Date) => new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" }).format(d);
    const registry = await Registry.open(registryName);
    try {
      const g = (await registry.db.getAll("generations")).find((x) => x.status === "active")!;
      await registry.db.put("generations", { ...g, kitProvenAt: proven.toISOString() });
    } finally {
      registry.close();
    }
    const el = await mountCard(s, registryName);
    await waitFor(() => deepText(el).includes("Next kit drill due"), "the next drill");
    expect(deepText(el)).to.contain(`Current key's kit last proven ${day(proven)}, 10:00 AM`);
    expect(deepText(el)).to.contain(`Next kit drill due ${day(due)}`);
    expect(deepText(el)).not.to.contain("Kit drill due now");
    expect(() => findButton(el.shadowRoot!, "Test my kit"), "no drill button while none is due").to.throw();
  });

  it("says the drill is due and backups whose kit was never proven; the drill button opens the panel's drill", async () => {
    const s = await sim();
    // A fresh registry knows no backup's generation: the panel's background check first proves the
    // local copies to be generation 1's, a generation whose kit was never proven.
    await mount(s);
    await waitFor(() => /Generation 1 proven/.test(text()) && !text().includes("Checking the copies on Home Assistant's own disk"), "background check of the local copies", 30000);
    const registryName = panel.registryName!;
    panel.remove();
    const el = await mountCard(s, registryName);
    await waitFor(() => deepText(el).includes("Kit drill due now"), "drill due");
    expect(deepText(el)).to.match(/\d+ backups? needs? (a key|keys) whose kit was never proven( \(\d+ of them by date, not checked\))?\./);
    const original = location.pathname + location.search;
    try {
      findButton(el.shadowRoot!, "Test my kit").click();
      expect(location.pathname).to.equal("/backup-keyring/drill");
    } finally {
      history.replaceState(null, "", original);
    }
    expect(await axeViolations(el)).to.deep.equal([]);
  });
});
