// The key-change dialog when this browser's registry cannot be written (a full disk): it says so,
// offers Close, and leaves the key-change lock free — never a frozen "Checking…" modal.
import { expect } from "@esm-bundle/chai";
// The real panel element under the public tag (src/main.js would give the lazy shim).
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { RegistryError } from "../../../src/registry/model.js";
import type { Registry } from "../../../src/registry/registry.js";
import { deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

const sims: BrowserSim[] = [];
const panels: BackupKeyringPanel[] = [];

afterEach(async () => {
  for (const p of panels.splice(0)) p.remove();
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

const dialogOf = (panel: BackupKeyringPanel) => panel.shadowRoot!.querySelector("bk-key-change-dialog");

describe("key-change dialog and a registry that cannot be written", () => {
  it("the preflight's write fails: the dialog says why, offers Close, the lock is free, and the next try works", async () => {
    const s = await startSim({ backups: 3 });
    sims.push(s);
    const panel = document.createElement("backup-keyring-panel");
    panel.standalone = true;
    panel.registryName = `bk-dialog-storage-${Date.now()}`;
    document.body.append(panel);
    panels.push(panel);
    await panel.connectStandalone({ url: s.url, token: s.adminToken, remember: false });
    await waitFor(() => deepText(panel).includes("Generation 1"), "registry folded in", 30000);
    await panel.settled;

    // The registry the dialog writes to: its writes fail as a full disk makes them fail.
    const registry = await (panel as unknown as { session: { openRegistry(): Promise<Registry> } }).session.openRegistry();
    const setMeta = registry.setMeta.bind(registry);
    registry.setMeta = () => Promise.reject(new RegistryError("storage_full"));
    try {
      findButton(panel.shadowRoot!, "Change encryption key…").click();
      const dialog = await waitFor(() => dialogOf(panel), "dialog");
      await waitFor(() => deepText(dialog).includes("could not read or write its registry"), "the reason is shown", 30000);
      expect(deepText(dialog)).not.to.contain("Checking Home Assistant and the registry");
      expect(deepText(dialog)).not.to.contain("registry: storage_full", "no untranslated text");
      const held = (await navigator.locks.query()).held ?? [];
      expect(
        held.some((l) => l.name?.startsWith("backup-keyring-key-change")),
        "the key-change lock is free",
      ).to.equal(false);
      findButton(dialog.shadowRoot!, "Close").click();
      await waitFor(() => !dialog.shadowRoot!.querySelector("dialog")?.open, "closed");
    } finally {
      registry.setMeta = setMeta;
    }
    // A new try reaches the old-key step (not "another tab").
    findButton(panel.shadowRoot!, "Change encryption key…").click();
    const again = await waitFor(() => dialogOf(panel), "dialog again");
    await waitFor(() => deepText(again).includes("Save current encryption key"), "old-key step", 30000);
    again.shadowRoot!.querySelector("dialog")!.dispatchEvent(new Event("cancel", { cancelable: true }));
    await waitFor(() => !again.shadowRoot!.querySelector("dialog")?.open, "cancelled (its checkpoint cleared)");
  });
});
