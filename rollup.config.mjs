// Two builds: the browser bundle HA loads (panel + card, lazy chunks for heavy crypto and
// translations) and the Node programs (CLI, simulated Home Assistant).
import json from "@rollup/plugin-json";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import terser from "@rollup/plugin-terser";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { builtinModules } from "node:module";
import esbuild from "rollup-plugin-esbuild";

const tsconfig = "tsconfig.json";

// Old hashed chunks would pile up in dist/ (and HACS copies every .js there): after writing, remove
// the chunks this build did not produce. Not before the build: a page that is open (the demo, an
// end-to-end test, HA itself) loads chunks lazily and must never find them missing mid-rebuild.
const cleanChunks = () => ({
  name: "clean-chunks",
  writeBundle(options, bundle) {
    const dir = options.dir;
    if (!dir || !existsSync(dir)) return;
    for (const f of readdirSync(dir)) {
      if ((/^backup-keyring-.*\.js$/.test(f) && !(f in bundle)) || f === "chunks") rmSync(join(dir, f), { recursive: true, force: true });
    }
  },
});
// The offline recovery page: the entry chunk (every dynamic import inlined) wrapped into one HTML
// file, so it works opened from disk (file://) with no network and no second file.
const inlineIntoHtml = (fileName) => ({
  name: "inline-into-html",
  generateBundle(_options, bundle) {
    const entry = Object.values(bundle).find((c) => c.type === "chunk" && c.isEntry);
    for (const key of Object.keys(bundle)) delete bundle[key];
    // "</script" inside the code would end the element early; "<\/script" means the same in JS.
    const code = entry.code.replace(/<\/script/gi, "<\\/script");
    const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; img-src blob: data:; connect-src blob:">
<title>Backup Keyring — offline recovery</title>
<style>body{margin:0;font-family:Roboto,"Noto Sans",system-ui,sans-serif;background:#fafafa;color:#141414}@media (prefers-color-scheme:dark){body{background:#111;color:#e1e1e1;--card-background-color:#1c1c1c;--primary-text-color:#e1e1e1;--secondary-text-color:#9b9b9b;--divider-color:rgba(225,225,225,.2);--primary-color:#4fc3f7}}</style>
</head>
<body>
<noscript>This page needs JavaScript.</noscript>
<script type="module">${code}</script>
</body>
</html>
`;
    this.emitFile({ type: "asset", fileName, source: page });
  },
});

// The panel offers the recovery page for download from a .js chunk (HACS installs only .js files):
// `virtual:backup-keyring-recovery-html` is the text of the page built just before (configs run in
// order, the page first).
const RECOVERY_PAGE_ID = "virtual:backup-keyring-recovery-html";
const recoveryPageText = () => ({
  name: "recovery-page-text",
  resolveId: (id) => (id === RECOVERY_PAGE_ID ? `\0${RECOVERY_PAGE_ID}` : null),
  load(id) {
    if (id !== `\0${RECOVERY_PAGE_ID}`) return null;
    const page = "dist/backup-keyring-recovery.html";
    this.addWatchFile(page);
    return `export default ${JSON.stringify(readFileSync(page, "utf8"))};`;
  },
});

const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

export default [
  {
    input: "src/recovery-page/main.ts",
    output: ["dist", "custom_components/backup_keyring/frontend"].map((dir) => ({ dir, format: "es", inlineDynamicImports: true, entryFileNames: "recovery-page.js" })),
    plugins: [
      nodeResolve({ browser: true }),
      json({ preferConst: true }),
      esbuild({ target: "es2022", tsconfig }),
      terser({ format: { comments: false } }),
      inlineIntoHtml("backup-keyring-recovery.html"),
    ],
  },
  {
    input: "src/main.ts",
    // Also into the zero-YAML integration's folder, which serves the same files inside HA.
    output: ["dist", "custom_components/backup_keyring/frontend"].map((dir) => ({
      dir,
      format: "es",
      entryFileNames: "backup-keyring.js",
      // Flat names: HACS installs release assets side by side in one folder.
      chunkFileNames: "backup-keyring-[name]-[hash].js",
      // The WebSocket client is only needed standalone (inside HA the panel uses hass.connection).
      manualChunks: (id) => (id.includes("/node_modules/home-assistant-js-websocket/") ? "haws" : undefined),
      sourcemap: false,
    })),
    plugins: [cleanChunks(), recoveryPageText(), nodeResolve({ browser: true }), json({ preferConst: true }), esbuild({ target: "es2022", tsconfig }), terser({ format: { comments: false } })],
  },
  {
    input: { cli: "src/cli/main.ts", sim: "src/sim/main.ts" },
    output: { dir: "dist/node", format: "es", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js" },
    // Node programs load their npm dependencies from node_modules at run time.
    external: (id) => nodeBuiltins.has(id) || (!id.startsWith(".") && !id.startsWith("/") && !id.startsWith("\0")),
    plugins: [json({ preferConst: true }), esbuild({ target: "node20", platform: "node", tsconfig })],
  },
];
