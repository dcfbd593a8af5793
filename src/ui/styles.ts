// Shared look: HA's CSS variables (inherited through shadow DOM inside HA; the demo page sets
// the same names), with fallbacks so the elements also look right on a bare page.
//
// Contrast: HA's default `--primary-color` (#03a9f4) as text on white, or white text on it, is 2.6:1,
// and status colours as text or fills fare no better. As HA's own newer components do, text and
// fills are derived from the theme's pairs instead of used raw: coloured text is the theme colour
// mixed with `--primary-text-color` (so it darkens in light themes and lightens in dark ones), and
// fills behind `--text-primary-color` are the theme colour darkened. Both keep ≥ 4.5:1 for HA's
// default, dark and common custom primaries (checked by axe in the browser tests).
import { css, unsafeCSS } from "lit";

const icon = (body: string) =>
  unsafeCSS(
    `url("data:image/svg+xml,${encodeURIComponent(
      `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' fill='none' stroke='black' stroke-width='2' stroke-linecap='round' stroke-linejoin='round'>${body}</svg>`,
    )}")`,
  );
// Outline icons in the spirit of HA's alert icons (info, alert, alert-circle, check-circle).
const ICON_INFO = icon("<circle cx='12' cy='12' r='9'/><path d='M12 11v6M12 7.5v.01'/>");
const ICON_WARNING = icon("<path d='M12 3.5 2.5 20h19z'/><path d='M12 10v4.5M12 17.3v.01'/>");
const ICON_ERROR = icon("<circle cx='12' cy='12' r='9'/><path d='M12 7v6.5M12 16.5v.01'/>");
const ICON_SUCCESS = icon("<circle cx='12' cy='12' r='9'/><path d='m8 12.5 3 3 5-6'/>");

export const haStyles = css`
  :host {
    font-family: var(--ha-font-family-body, Roboto, "Noto Sans", system-ui, sans-serif);
    color: var(--primary-text-color, #141414);
    -webkit-font-smoothing: antialiased;
    --bk-text-primary: color-mix(in srgb, var(--primary-color, #03a9f4) 45%, var(--primary-text-color, #141414));
    --bk-text-error: color-mix(in srgb, var(--error-color, #db4437) 45%, var(--primary-text-color, #141414));
    --bk-text-success: color-mix(in srgb, var(--success-color, #43a047) 45%, var(--primary-text-color, #141414));
    --bk-text-warning: color-mix(in srgb, var(--warning-color, #ffa600) 45%, var(--primary-text-color, #141414));
    --bk-fill-primary: color-mix(in srgb, var(--primary-color, #03a9f4) 60%, black);
    --bk-fill-error: color-mix(in srgb, var(--error-color, #db4437) 60%, black);
    --bk-fill-success: color-mix(in srgb, var(--success-color, #43a047) 60%, black);
  }
  a { color: var(--bk-text-primary); }
  .card {
    background: var(--ha-card-background, var(--card-background-color, #fff));
    border-radius: var(--ha-card-border-radius, 12px);
    border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
    box-shadow: var(--ha-card-box-shadow, none);
    padding: var(--ha-space-4, 16px);
  }
  h1, h2, h3 {
    font-weight: var(--ha-font-weight-medium, 500);
    margin: 0 0 var(--ha-space-2, 8px);
  }
  h2 { font-size: var(--ha-font-size-l, 1.25rem); }
  h3 { font-size: var(--ha-font-size-m, 1rem); }
  .secondary { color: var(--secondary-text-color, #5e5e5e); }
  button {
    font: inherit;
    border-radius: var(--ha-border-radius-md, 8px);
    border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.2));
    background: var(--card-background-color, #fff);
    color: var(--bk-text-primary);
    padding: 6px 14px;
    cursor: pointer;
    min-height: 36px;
  }
  button.primary {
    background: var(--bk-fill-primary);
    border-color: var(--bk-fill-primary);
    color: var(--text-primary-color, #fff);
  }
  button.danger {
    background: var(--bk-fill-error);
    border-color: var(--bk-fill-error);
    color: var(--text-primary-color, #fff);
  }
  button:disabled { opacity: 0.5; cursor: default; }
  button:focus-visible, input:focus-visible, select:focus-visible, a:focus-visible {
    outline: 2px solid var(--bk-text-primary);
    outline-offset: 2px;
  }
  input, select {
    font: inherit;
    color: inherit;
    background: var(--card-background-color, #fff);
    border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.3));
    border-radius: var(--ha-border-radius-sm, 4px);
    padding: 6px 8px;
    min-height: 36px;
    box-sizing: border-box;
  }
  /* HA's ha-alert: a tinted box with the status icon in the status colour, text in the normal colour. */
  .alert {
    --bk-alert-color: var(--info-color, #039be5);
    display: flex;
    align-items: flex-start;
    gap: var(--ha-space-3, 12px);
    border-radius: var(--ha-border-radius-sm, 4px);
    padding: var(--ha-space-2, 8px) var(--ha-space-3, 12px);
    margin: 0 0 var(--ha-space-4, 16px);
    background: color-mix(in srgb, var(--bk-alert-color) 12%, var(--card-background-color, #fff));
    color: var(--primary-text-color, #141414);
    overflow-wrap: anywhere;
  }
  .alert::before {
    content: "";
    flex: none;
    width: 24px;
    height: 24px;
    background: var(--bk-alert-color);
    -webkit-mask: ${ICON_INFO} center / contain no-repeat;
    mask: ${ICON_INFO} center / contain no-repeat;
  }
  .alert > * { flex: 1; min-width: 0; align-self: center; }
  .alert.error { --bk-alert-color: var(--error-color, #db4437); }
  .alert.error::before { -webkit-mask-image: ${ICON_ERROR}; mask-image: ${ICON_ERROR}; }
  .alert.warning { --bk-alert-color: var(--warning-color, #ffa600); }
  .alert.warning::before { -webkit-mask-image: ${ICON_WARNING}; mask-image: ${ICON_WARNING}; }
  .alert.success { --bk-alert-color: var(--success-color, #43a047); }
  .alert.success::before { -webkit-mask-image: ${ICON_SUCCESS}; mask-image: ${ICON_SUCCESS}; }
  .sr-only {
    position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
  }
`;

/**
 * Every modal's frame, one definition: border-box, so its padding never pushes it past a phone's
 * edge; at most the viewport less 16 px each side; scrolls inside when taller than the screen;
 * HA's scrim. A dialog sets only `--bk-dialog-width` (and its padding when not HA's 24 px).
 */
export const dialogStyles = css`
  dialog {
    border: none; border-radius: var(--ha-dialog-border-radius, 24px); padding: var(--ha-space-6, 24px);
    box-sizing: border-box; width: min(var(--bk-dialog-width, 36rem), 100vw - 32px); max-width: none;
    max-height: calc(100dvh - 32px); overflow-y: auto;
    background: var(--card-background-color, #fff); color: var(--primary-text-color, #141414);
  }
  dialog::backdrop { background: rgba(0, 0, 0, 0.32); }
  dialog input[type="file"] { max-width: 100%; }
`;
