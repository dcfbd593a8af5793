// What the panel says about where the registry lives: "also in your HA user profile" when the
// mirror works; "only on this device" (and why) when HA lacks the commands, refuses the write,
// holds something unreadable or another browser's registry; the export reminder worded to match;
// and the two ways out of "another registry".
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth } from "home-assistant-js-websocket";
import "../../../src/main.js";
import { PANEL_TAG, type BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { Registry } from "../../../src/registry/registry.js";
import { MIRROR_KEY } from "../../../src/registry/mirror.js";
import { captureDownload, deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

let sim: BrowserSim | null = null;
const elements: HTMLElement[] = [];

afterEach(async () => {
  elements.splice(0).forEach((e) => e.remove());
  await sim?.stop();
  sim = null;
});

async function open(registryName: string): Promise<BackupKeyringPanel> {
  const el = document.createElement(PANEL_TAG) as BackupKeyringPanel;
  el.standalone = true;
  el.registryName = registryName;
  document.body.append(el);
  elements.push(el);
  await el.connectStandalone({ url: sim!.url, token: sim!.adminToken, remember: false });
  await waitFor(() => el.shadowRoot!.querySelector("[data-testid=mirror]"), "the mirror's status", 30000);
  return el;
}

const mirrorText = (el: BackupKeyringPanel) => deepText(el.shadowRoot!.querySelector("[data-testid=mirror]")!);
const exportDue = (el: BackupKeyringPanel) => {
  const due = el.shadowRoot!.querySelector("[data-testid=export-due]");
  return due ? deepText(due) : "";
};
const generationsIn = async (name: string) => {
  const r = await Registry.open(name);
  try {
    return (await r.dump()).generations.length;
  } finally {
    r.close();
  }
};
const saltOf = async (name: string) => {
  const r = await Registry.open(name);
  try {
    return Array.from(await r.currentSalt()).join(",");
  } finally {
    r.close();
  }
};

describe("where the registry lives, as the panel says it", () => {
  it("also in HA: says so, and the export reminder does not claim it lives only here", async () => {
    sim = await startSim({ backups: 4 });
    const el = await open(`bk-mirror-status-synced-${Date.now()}`);
    await waitFor(() => mirrorText(el).includes("also kept in your Home Assistant user profile"), "synced");
    await waitFor(() => exportDue(el), "the export reminder");
    expect(exportDue(el)).to.contain("also kept in your Home Assistant user profile");
    expect(exportDue(el)).not.to.contain("lives only in this browser");
  });

  for (const [what, fault, expected] of [
    [
      "HA without the frontend storage commands",
      [{ command: "frontend/subscribe_user_data" }, { command: "frontend/get_user_data" }, { command: "frontend/set_user_data" }],
      "this Home Assistant cannot keep a copy",
    ],
    ["HA refusing the write", [{ command: "frontend/set_user_data", code: "home_assistant_error", message: "Disk full" }], "Home Assistant refused to store a copy"],
  ] as const) {
    it(`${what}: "only on this device", and the export reminder says it lives only in this browser`, async () => {
      sim = await startSim({ backups: 4 });
      for (const f of fault) await sim.control({ type: "fault", fail: f });
      const el = await open(`bk-mirror-status-${Date.now()}`);
      await waitFor(() => mirrorText(el).includes(expected), expected);
      expect(mirrorText(el)).to.contain("only on this device");
      await waitFor(() => exportDue(el), "the export reminder");
      expect(exportDue(el)).to.contain("lives only in this browser");
      // The registry works all the same: the table shows the instance's copies.
      expect(el.shadowRoot!.querySelector("bk-backup-table")).to.not.equal(null);
    });
  }

  it("an unreadable mirror in HA: 'only on this device', and nothing is written over it", async () => {
    sim = await startSim({ backups: 4 });
    const conn = await createConnection({ auth: createLongLivedTokenAuth(sim.url, sim.adminToken) });
    try {
      const junk = { format: "backup-keyring-mirror", version: 99, parts: "no" };
      await conn.sendMessagePromise({ type: "frontend/set_user_data", key: MIRROR_KEY, value: junk });
      const el = await open(`bk-mirror-status-damaged-${Date.now()}`);
      await waitFor(() => mirrorText(el).includes("cannot be read"), "damaged");
      await el.settled;
      expect((await conn.sendMessagePromise<{ value: unknown }>({ type: "frontend/get_user_data", key: MIRROR_KEY })).value).to.deep.equal(junk);
    } finally {
      conn.close();
    }
  });

  it("another browser's registry in HA: both ways out, and 'use HA's' downloads this one first", async () => {
    sim = await startSim({ backups: 4 });
    const stamp = Date.now();
    // Browser B used the plugin before HA could keep a copy: its own registry, its own salt.
    for (const command of ["frontend/subscribe_user_data", "frontend/get_user_data", "frontend/set_user_data"]) await sim.control({ type: "fault", fail: { command } });
    const nameB = `bk-mirror-status-b-${stamp}`;
    let b = await open(nameB);
    await waitFor(() => mirrorText(b).includes("cannot keep a copy"), "unsupported");
    await b.settled;
    b.remove();
    await sim.control({ type: "clear_faults" });
    // Browser A then writes its registry into HA.
    const nameA = `bk-mirror-status-a-${stamp}`;
    const a = await open(nameA);
    await waitFor(() => mirrorText(a).includes("also kept"), "A synced");
    await a.settled;
    a.remove();
    expect(await saltOf(nameB)).not.to.equal(await saltOf(nameA));
    expect(await generationsIn(nameB), "B has its own generations").to.be.greaterThan(0);

    b = await open(nameB);
    await waitFor(() => mirrorText(b).includes("already holds a different registry"), "other registry");
    expect(await saltOf(nameB)).not.to.equal(await saltOf(nameA));
    const saved = await captureDownload(() => findButton(b.shadowRoot!, /Use the registry saved in Home Assistant/).click(), "this browser's export");
    const exported = JSON.parse(saved.text) as { format: string; salt: string };
    expect(exported.format).to.equal("backup-keyring-registry");
    await waitFor(() => deepText(b).includes("now uses the registry saved in Home Assistant"), "B switched");
    await b.settled;
    expect(mirrorText(b)).to.contain("also kept");
    expect(await saltOf(nameB)).to.equal(await saltOf(nameA), "B uses A's registry (its salt) now");

    // The other way: a third browser keeps its own and replaces HA's copy.
    for (const command of ["frontend/subscribe_user_data", "frontend/get_user_data", "frontend/set_user_data"]) await sim.control({ type: "fault", fail: { command } });
    const nameC = `bk-mirror-status-c-${stamp}`;
    let c = await open(nameC);
    await c.settled;
    c.remove();
    await sim.control({ type: "clear_faults" });
    c = await open(nameC);
    await waitFor(() => mirrorText(c).includes("already holds a different registry"), "other registry for C");
    findButton(c.shadowRoot!, /Keep this browser's registry/).click();
    await waitFor(() => deepText(c).includes("Home Assistant now keeps this browser's registry"), "C's registry written over HA's");
    expect(mirrorText(c)).to.contain("also kept");
    const conn = await createConnection({ auth: createLongLivedTokenAuth(sim.url, sim.adminToken) });
    try {
      const manifest = (await conn.sendMessagePromise<{ value: { salt: string } }>({ type: "frontend/get_user_data", key: MIRROR_KEY })).value;
      const r = await Registry.open(nameC);
      try {
        expect(manifest.salt).to.equal(btoa(String.fromCharCode(...(await r.currentSalt()))));
      } finally {
        r.close();
      }
    } finally {
      conn.close();
    }
  });
});
