// The vault's copy in Home Assistant is a separate opt-in with its risk stated next to it:
// off by default, on only when the user ticks it, and HA holds nothing but ciphertext.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth } from "home-assistant-js-websocket";
// The real panel element under the public tag (src/main.js would give the lazy shim).
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { deepText, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

let sim: BrowserSim | null = null;
let panel: BackupKeyringPanel | null = null;

afterEach(async () => {
  panel?.remove();
  await sim?.stop();
});

it("the vault goes to Home Assistant only after its own opt-in, with the risk stated", async () => {
  sim = await startSim({ backups: 4 });
  panel = document.createElement("backup-keyring-panel");
  panel.standalone = true;
  panel.registryName = `bk-vault-mirror-${Date.now()}`;
  document.body.append(panel);
  await panel.connectStandalone({ url: sim.url, token: sim.adminToken, remember: false });
  const p = panel;
  await waitFor(() => deepText(p).includes("also kept in your Home Assistant user profile"), "registry mirrored");
  const vault = p.shadowRoot!.querySelector("bk-vault-settings")!;
  await waitFor(() => vault.shadowRoot?.querySelector("form"), "vault form");
  expect(vault.shadowRoot!.querySelector("input[type=checkbox]"), "no switch before a vault exists").to.equal(null);
  for (const name of ["passphrase", "confirm"]) {
    const input = vault.shadowRoot!.querySelector<HTMLInputElement>(`input[name=${name}]`)!;
    input.value = "a long vault passphrase";
    input.dispatchEvent(new Event("input"));
  }
  await vault.updateComplete;
  vault.shadowRoot!.querySelector<HTMLButtonElement>("form button[type=submit]")!.click();
  await waitFor(() => deepText(vault).includes("Vault created and unlocked"), "created", 30000);
  const box = await waitFor(() => vault.shadowRoot!.querySelector<HTMLInputElement>("input[type=checkbox]"), "mirror switch");
  expect(box.checked).to.equal(false);
  expect(deepText(vault)).to.contain("can try passphrases offline");

  const conn = await createConnection({ auth: createLongLivedTokenAuth(sim.url, sim.adminToken) });
  try {
    const inHa = async () => (await conn.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: "backup_keyring_vault" })).value;
    expect(await inHa()).to.equal(null);
    box.click();
    await waitFor(() => deepText(vault).includes("The vault is now also kept in Home Assistant"), "opted in");
    const stored = await inHa();
    expect(stored).to.be.an("object");
    expect(JSON.stringify(stored)).not.to.contain("a long vault passphrase");
  } finally {
    conn.close();
  }
});
