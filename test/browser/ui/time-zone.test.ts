// Dates follow the user's HA setting (hass.locale.time_zone: "local" = the browser's zone,
// "server" = HA's), the same in the table, the key-change dialog and the emergency kit: a backup
// made just before midnight is listed under the same day everywhere. Sizes follow number_format.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { calendarDay, formatDateTime, localTimeZone } from "../../../src/common/datetime.js";
import { drillStatus } from "../../../src/flows/drill-schedule.js";
import { Registry } from "../../../src/registry/registry.js";
import { captureDownload, deepText, findButton, startSim, waitFor, type BrowserSim } from "../../support/browser-sim.js";

const SERVER_ZONE = "Europe/Amsterdam"; // the simulated HA's configured zone
const LATE = "2026-11-26T23:30:00+00:00"; // 26 Nov in UTC, 27 Nov in Amsterdam

let s: BrowserSim;
let connection: Connection;
let panel: BackupKeyringPanel | null = null;
before(async () => {
  s = await startSim({ backups: 2 });
  await s.control({ type: "create_backup", date: LATE, name: "Late backup" });
  connection = await createConnection({ auth: createLongLivedTokenAuth(s.url, s.adminToken) });
});
after(async () => {
  connection.close();
  await s.stop();
});
afterEach(() => panel?.remove());

const day = (iso: string, timeZone: string | undefined) => new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone }).format(new Date(iso));

for (const setting of ["server", "local"] as const) {
  it(`time_zone "${setting}": table, key-change dialog and kit agree`, async () => {
    const zone = setting === "server" ? SERVER_ZONE : localTimeZone();
    const expected = formatDateTime(LATE, "en", zone);
    panel = document.createElement("backup-keyring-panel");
    panel.registryName = `bk-tz-${setting}-${Date.now()}`;
    panel.hass = { connection, language: "en", locale: { language: "en", time_zone: setting }, user: { is_admin: true }, auth: { data: { hassUrl: s.url } } };
    document.body.append(panel);
    await waitFor(() => deepText(panel!).includes("Generation 1") && deepText(panel!).includes("Late backup"), "panel with the late backup", 30000);
    const table = panel.shadowRoot!.querySelector("bk-backup-table")!;
    await waitFor(() => deepText(table).includes(expected), `table shows ${expected}`);

    findButton(panel.shadowRoot!, "Change encryption key…").click();
    const dialog = await waitFor(() => panel!.shadowRoot!.querySelector("bk-key-change-dialog"), "dialog");
    await waitFor(() => deepText(dialog).includes("Late backup"), "old backups listed");
    expect(deepText(dialog)).to.contain(`${expected} · Late backup`);

    const kit = await captureDownload(() => findButton(dialog.shadowRoot!, "Download old emergency kit").click(), "old kit");
    const line = kit.text.split("\n").find((l) => l.includes("Late backup"))!;
    expect(line, "the kit lists the backup").to.be.a("string");
    expect(line).to.contain(day(LATE, zone));
    dialog.shadowRoot!.querySelector("dialog")!.dispatchEvent(new Event("cancel", { cancelable: true }));
    await waitFor(() => !dialog.shadowRoot!.querySelector("dialog")!.open, "closed");
  });
}

it("time_format 24 shows a 24-hour clock in an English UI", async () => {
  panel = document.createElement("backup-keyring-panel");
  panel.registryName = `bk-tz-24h-${Date.now()}`;
  panel.hass = { connection, language: "en", locale: { language: "en", time_zone: "server", time_format: "24" }, user: { is_admin: true }, auth: { data: { hassUrl: s.url } } };
  document.body.append(panel);
  const table = await waitFor(() => panel!.shadowRoot!.querySelector("bk-backup-table"), "table", 30000);
  // 23:30 UTC is 00:30 in Amsterdam: "00:30" on a 24-hour clock, "12:30 AM" on a 12-hour one.
  await waitFor(() => deepText(table).includes("00:30"), "24-hour time");
  expect(deepText(table)).not.to.contain("12:30 AM");
});

it("number_format decimal_comma shows sizes with a decimal comma in an English UI", async () => {
  panel = document.createElement("backup-keyring-panel");
  panel.registryName = `bk-numbers-${Date.now()}`;
  panel.hass = { connection, language: "en", locale: { language: "en", time_zone: "server", number_format: "decimal_comma" }, user: { is_admin: true }, auth: { data: { hassUrl: s.url } } };
  document.body.append(panel);
  const table = await waitFor(() => panel!.shadowRoot!.querySelector("bk-backup-table"), "table", 30000);
  await waitFor(() => /\d,\d (kB|MB)/.test(deepText(table)), "a size with a decimal comma");
  expect(deepText(table)).not.to.match(/\d\.\d (kB|MB)/);

  // The key-change dialog's download size follows the same setting.
  findButton(panel.shadowRoot!, "Change encryption key…").click();
  const dialog = await waitFor(() => panel!.shadowRoot!.querySelector("bk-key-change-dialog"), "dialog");
  const size = await waitFor(() => /Home Assistant downloads them \(([^)]*)\)/.exec(deepText(dialog)), "remote copies' download size", 30000);
  expect(size[1]).to.match(/^\d+,\d (kB|MB|GB)$/);
  expect(size[1]).not.to.match(/\./);
  dialog.shadowRoot!.querySelector("dialog")!.dispatchEvent(new Event("cancel", { cancelable: true }));
  await waitFor(() => !dialog.shadowRoot!.querySelector("dialog")!.open, "closed");
});

// Near midnight somewhere: a zone whose calendar day today is not the browser's (UTC+14 or UTC−12;
// at any moment one of them is on another day than any zone between them).
function zoneOnAnotherDay(now: Date): string {
  const here = calendarDay(now, localTimeZone());
  const zone = ["Pacific/Kiritimati", "Etc/GMT+12"].find((z) => calendarDay(now, z) !== here);
  if (!zone) throw new Error("no zone on another day");
  return zone;
}

describe("HA's zone far from the browser's", () => {
  let far: BrowserSim;
  let farConnection: Connection;
  const zone = zoneOnAnotherDay(new Date());
  before(async () => {
    far = await startSim({ backups: 2, timeZone: zone });
    farConnection = await createConnection({ auth: createLongLivedTokenAuth(far.url, far.adminToken) });
  });
  after(async () => {
    farConnection.close();
    await far.stop();
  });

  async function mountFar(registryName: string): Promise<BackupKeyringPanel> {
    panel = document.createElement("backup-keyring-panel");
    panel.registryName = registryName;
    panel.hass = { connection: farConnection, language: "en", locale: { language: "en", time_zone: "server" }, user: { is_admin: true }, auth: { data: { hassUrl: far.url } } };
    document.body.append(panel);
    await waitFor(() => deepText(panel!).includes("Key generations"), "registry views", 30000);
    return panel;
  }

  it(`kit, export and restore-guidance file names carry today's day in HA's zone (${zone})`, async () => {
    const p = await mountFar(`bk-tz-far-${Date.now()}`);
    const today = calendarDay(new Date(), zone);
    const kit = await captureDownload(() => findButton(p.shadowRoot!, "Download emergency kit").click(), "kit");
    expect(kit.name).to.contain(`_${today}`);
    const exported = await captureDownload(() => findButton(p.shadowRoot!, "Export registry").click(), "export");
    expect(exported.name).to.equal(`backup_keyring_registry_${today}.json`);
    // The restore guidance names the kit file under the same name as the one just downloaded.
    const table = p.shadowRoot!.querySelector("bk-backup-table")!;
    const restore = await waitFor(
      () => [...table.shadowRoot!.querySelectorAll<HTMLButtonElement>("button")].find((b) => b.getAttribute("aria-label")?.startsWith("How to restore ")),
      "restore button",
    );
    // Only a backup of generation 1 names its kit; the newest is under the current key once checked.
    findButton(p.shadowRoot!, "Verify all backups").click();
    await waitFor(() => /copies checked|copy checked/.test(deepText(p)), "verify summary", 60000);
    restore.click();
    const dialog = await waitFor(() => p.shadowRoot!.querySelector("bk-restore-guidance-dialog"), "guidance dialog");
    await waitFor(() => deepText(dialog).includes("generation 1"), "guidance");
    expect(deepText(dialog)).to.contain(kit.name);
  });

  it("the drill is due on the same day in the overview and in HA's notifications", async () => {
    const now = new Date();
    // A proof time whose drill (6 months) is due today in HA's zone but not yet in the browser's, or the other way round.
    let proven: Date | null = null;
    for (let h = -48; h <= 48 && !proven; h++) {
      const p = new Date(now);
      p.setUTCMonth(p.getUTCMonth() - 6);
      p.setTime(p.getTime() + h * 3_600_000);
      const there = drillStatus({ kitProvenAt: p.toISOString() }, 6, now, zone).state;
      const here = drillStatus({ kitProvenAt: p.toISOString() }, 6, now, localTimeZone()).state;
      if (there !== here) proven = p;
    }
    expect(proven, "a proof time that tells the zones apart").to.not.equal(null);
    const dueThere = drillStatus({ kitProvenAt: proven!.toISOString() }, 6, now, zone).state === "due";
    const name = `bk-tz-drill-${Date.now()}`;
    let p = await mountFar(name);
    await waitFor(() => /Generation 1/.test(deepText(p)), "generation 1");
    p.remove();
    const registry = await Registry.open(name, undefined, { now: () => proven! });
    try {
      const [instance] = await registry.instances();
      const active = (await registry.generations(instance!.id)).find((g) => g.status === "active")!;
      await registry.markKit(instance!.id, active.id, "proven");
    } finally {
      registry.close();
    }
    p = await mountFar(name);
    const status = () => p.shadowRoot!.querySelector("bk-drill-status")!;
    await waitFor(() => /Proven .*next drill|Not proven for/.test(deepText(status())), "drill status of the proven kit");
    await p.settled;
    const ids = (await far.control<{ notifications: { notification_id: string }[] }>({ type: "get_state" })).notifications.map((n) => n.notification_id);
    if (dueThere) {
      expect(deepText(status())).to.match(/due/i);
      expect(ids).to.include("backup_keyring_kit_drill");
    } else {
      // "Proven on <the proof's date>; next drill <day>": the proof's own date, in HA's zone.
      expect(deepText(status())).to.contain(formatDateTime(proven!.toISOString(), "en", zone));
      expect(ids).not.to.include("backup_keyring_kit_drill");
    }
  });
});
