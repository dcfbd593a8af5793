// HA's theme variables as Home Assistant sets them (light: HA's defaults, with the classic
// #03a9f4 primary; dark: HA's dark mode), so contrast checks see what users see.
export const THEMES: Record<"light" | "dark", Record<string, string>> = {
  light: {
    "--primary-color": "#03a9f4",
    "--text-primary-color": "#ffffff",
    "--primary-text-color": "#212121",
    "--secondary-text-color": "#727272",
    "--primary-background-color": "#fafafa",
    "--secondary-background-color": "#e5e5e5",
    "--card-background-color": "#ffffff",
    "--divider-color": "rgba(0, 0, 0, 0.12)",
    "--error-color": "#db4437",
    "--warning-color": "#ffa600",
    "--success-color": "#43a047",
    "--info-color": "#039be5",
    "--app-header-background-color": "#03a9f4",
    "--app-header-text-color": "#ffffff",
  },
  dark: {
    "--primary-color": "#03a9f4",
    "--text-primary-color": "#ffffff",
    "--primary-text-color": "#e1e1e1",
    "--secondary-text-color": "#9b9b9b",
    "--primary-background-color": "#111111",
    "--secondary-background-color": "#282828",
    "--card-background-color": "#1c1c1c",
    "--divider-color": "rgba(225, 225, 225, 0.12)",
    "--error-color": "#ff8a80",
    "--warning-color": "#ffb74d",
    "--success-color": "#81c784",
    "--info-color": "#90caf9",
    "--app-header-background-color": "#101e24",
    "--app-header-text-color": "#e1e1e1",
  },
};

export function applyTheme(name: keyof typeof THEMES): void {
  const root = document.documentElement;
  root.removeAttribute("style");
  for (const [k, v] of Object.entries(THEMES[name])) root.style.setProperty(k, v);
  root.style.colorScheme = name;
  document.body.style.background = THEMES[name]["--primary-background-color"]!;
  document.body.style.margin = "0";
}
