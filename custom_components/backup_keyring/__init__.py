"""Backup Keyring: serves the frontend bundle, adds an admin-only sidebar panel and the card.

All logic runs in the browser; this integration only makes installing it a zero-YAML affair.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant.components import frontend, panel_custom
from homeassistant.components.http import StaticPathConfig
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

from .const import BUNDLE, DOMAIN, PANEL_ELEMENT, PANEL_URL_PATH, URL_BASE

FRONTEND_DIR = Path(__file__).parent / "frontend"


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Register the static path, the sidebar panel and the dashboard card resource."""
    # The integration's version (not the entry's schema version) busts browser caches on update.
    version = (await async_get_integration(hass, DOMAIN)).version
    # A route cannot be registered twice; the entry may be reloaded without a restart.
    if not hass.data.get(DOMAIN):
        await hass.http.async_register_static_paths(
            [StaticPathConfig(URL_BASE, str(FRONTEND_DIR), cache_headers=False)]
        )
        hass.data[DOMAIN] = True
    module_url = f"{URL_BASE}/{BUNDLE}?v={version}"
    entry.runtime_data = module_url
    await panel_custom.async_register_panel(
        hass,
        frontend_url_path=PANEL_URL_PATH,
        webcomponent_name=PANEL_ELEMENT,
        sidebar_title="Backup Keyring",
        sidebar_icon="mdi:key-chain-variant",
        module_url=module_url,
        require_admin=True,
        config_panel_domain=DOMAIN,
    )
    # The card lives in the same bundle; loading it on every page puts it in the card picker.
    frontend.add_extra_js_url(hass, module_url)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Remove the panel; the static path stays until restart (HA has no API to remove it)."""
    frontend.async_remove_panel(hass, PANEL_URL_PATH)
    frontend.remove_extra_js_url(hass, entry.runtime_data)
    return True
