// Dates follow the user's HA setting (hass.locale.time_zone: "local" = the browser's zone,
// "server" = HA's), the same in the table, the key-change dialog and the emergency kit: a backup
// made just before midnight is listed under the same day everywhere. Sizes follow number_format.
import { expect } from "@esm-bundle/chai";
import { createConnection, createLongLivedTokenAuth, type Connection } from "home-assistant-js-websocket";
import "../../../src/ui/panel/backup-keyring-panel.js";
import type { BackupKeyringPanel } from "../../../src/ui/panel/backup-keyring-panel.js";
import { formatDateTime, localTimeZone } from "../../../src/common/datetime.js";
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

const day = (iso: string, timeZone: string | undefined) =>
  new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone }).format(new Date(iso));

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
});
