// The demo's history has three keys; a new user gets their emergency kits from the simulated HA
// (`/demo/kits/`, linked from the demo page) to load them and watch unknown backups become
// proven. Demo data only: a real HA never serves a key.
import { renderEmergencyKit } from "../kit/render.js";
import type { SimState } from "./state.js";

export const DEMO_KITS_PATH = "/demo/kits/";

const fileName = (n: number) => `home_assistant_backup_emergency_kit_demo_key${n}.txt`;

/** The answer for a `/demo/kits/…` path, or null when it is not one (or the sim has no demo keys). */
export function demoKit(state: SimState, pathname: string, origin: string): { type: string; body: string; attachment?: string } | null {
  if (!pathname.startsWith(DEMO_KITS_PATH) || state.demoKeys.length === 0) return null;
  const rest = pathname.slice(DEMO_KITS_PATH.length);
  if (rest === "" || rest === "index.html") {
    const items = state.demoKeys.map(
      (_, i) =>
        `<li><a href="${DEMO_KITS_PATH}${fileName(i + 1)}" download>${fileName(i + 1)}</a> (key ${i + 1} of ${state.demoKeys.length}${i === state.demoKeys.length - 1 ? ", the current one" : ""})</li>`,
    );
    const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Demo emergency kits</title></head><body>
<h1>Emergency kits of the demo</h1>
<p>The demo's backups were made under three successive encryption keys. Load these kits in Backup Keyring ("Load an old kit or key…") to prove which backups each key opens.</p>
<ol>${items.join("")}</ol><p>The demo is still open in the tab you came from (a link back would reach the panel without its sign-in).</p></body></html>`;
    return { type: "text/html; charset=utf-8", body };
  }
  const i = state.demoKeys.findIndex((_, k) => rest === fileName(k + 1));
  if (i < 0) return null;
  const body = renderEmergencyKit({ key: state.demoKeys[i]!, instanceName: state.locationName, url: origin, date: new Date(), language: "en", haVersion: state.haVersion });
  return { type: "text/plain; charset=utf-8", body, attachment: fileName(i + 1) };
}
