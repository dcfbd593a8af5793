// The module HA loads (panel_custom module_url and/or a dashboard resource), on every dashboard
// page: it defines both public elements but carries only the card and a small panel shim; the
// panel, dialogs, registry, kit and strings are chunks loaded on first use. Every element guards
// its own `customElements.define`, because HA may load this file twice under two URLs.
import "./ui/panel/panel-shim.js";
import "./ui/card/backup-keyring-card.js";
