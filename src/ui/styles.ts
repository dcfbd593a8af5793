// Shared look: HA's CSS variables (inherited through shadow DOM inside HA; the demo page sets
// the same names), with fallbacks so the elements also look right on a bare page.
import { css } from "lit";

export const haStyles = css`
  :host {
    font-family: var(--ha-font-family-body, Roboto, "Noto Sans", system-ui, sans-serif);
    color: var(--primary-text-color, #141414);
    -webkit-font-smoothing: antialiased;
  }
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
    color: var(--primary-color, #0277bd);
    padding: 6px 14px;
    cursor: pointer;
    min-height: 36px;
  }
  button.primary {
    background: var(--primary-color, #0277bd);
    border-color: var(--primary-color, #0277bd);
    color: var(--text-primary-color, #fff);
  }
  button.danger {
    background: var(--error-color, #db4437);
    border-color: var(--error-color, #db4437);
    color: var(--text-primary-color, #fff);
  }
  button:disabled { opacity: 0.5; cursor: default; }
  button:focus-visible, input:focus-visible, select:focus-visible, a:focus-visible {
    outline: 2px solid var(--primary-color, #0277bd);
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
  .alert {
    border-radius: var(--ha-border-radius-md, 8px);
    padding: var(--ha-space-3, 12px) var(--ha-space-4, 16px);
    margin: 0 0 var(--ha-space-4, 16px);
    border-left: 4px solid currentColor;
    background: var(--secondary-background-color, #f5f5f5);
  }
  .alert.error { color: var(--error-color, #b3261e); }
  .alert.warning { color: var(--warning-color, #8a5300); }
  .alert.success { color: var(--success-color, #1b6e20); }
  .alert.info { color: var(--info-color, #0b5394); }
  .alert > * { color: var(--primary-text-color, #141414); }
  .sr-only {
    position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
  }
`;
