// `frontend/get_translations` as core answers it (`frontend/__init__.py` websocket_get_translations,
// `helpers/translation.py`): `{resources}`, flat keys `component.<domain>.<category>…`. The
// simulated HA holds only the "title" category (an integration's title, which core takes from its
// manifest name when its strings have none), in English for every language (core's fallback).
import { WsError, validate } from "./validate.js";

/** Manifest names of the integrations the simulated HA loads or lists backup locations for. */
const MANIFEST_NAMES: Record<string, string> = {
  backup: "Backup",
  cloud: "Home Assistant Cloud",
  frontend: "Home Assistant Frontend",
  hassio: "Home Assistant Supervisor",
  http: "HTTP",
  panel_custom: "Custom Panel",
  persistent_notification: "Persistent Notification",
  websocket_api: "Home Assistant WebSocket API",
  webdav: "WebDAV",
  google_drive: "Google Drive",
  onedrive: "OneDrive",
};

/** `loaded`: the integrations set up now; an integration asked for that is not loaded gives nothing. */
export function getTranslations(msg: Record<string, unknown>, loaded: readonly string[]): { resources: Record<string, string> } {
  const p = validate(msg, { language: { type: "str", required: true }, category: { type: "str", required: true }, integration: { type: "any" }, config_flow: { type: "bool" } });
  // `vol.All(cv.ensure_list, [str])`: one name or a list of names.
  const asked = p.integration === undefined ? null : Array.isArray(p.integration) ? p.integration : [p.integration];
  const bad = asked ? asked.findIndex((d) => typeof d !== "string") : -1;
  if (bad >= 0) throw new WsError("invalid_format", `expected str @ data['integration'][${bad}]`);
  const resources: Record<string, string> = {};
  if (p.category !== "title") return { resources };
  for (const domain of (asked as string[] | null) ?? loaded) {
    const name = loaded.includes(domain) ? MANIFEST_NAMES[domain] : undefined;
    if (name) resources[`component.${domain}.title`] = name;
  }
  return { resources };
}
