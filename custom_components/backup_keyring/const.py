"""Constants for Backup Keyring."""

DOMAIN = "backup_keyring"
URL_BASE = "/backup_keyring_static"
PANEL_URL_PATH = "backup-keyring"
PANEL_ELEMENT = "backup-keyring-panel"
BUNDLE = "backup-keyring.js"
