// The bundle HA loads (panel_custom module_url and/or a dashboard resource). Every element
// guards its own `customElements.define`, because HA may load this file twice under two URLs.
import "./ui/panel/backup-keyring-panel.js";
import "./ui/card/backup-keyring-card.js";
