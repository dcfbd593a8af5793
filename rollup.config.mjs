// Two builds: the browser bundle HA loads (panel + card, lazy chunks for heavy crypto and
// translations) and the Node programs (CLI, simulated Home Assistant).
import json from "@rollup/plugin-json";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import terser from "@rollup/plugin-terser";
import { existsSync, readdirSync, rmSync } from "node:fs";
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
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

export default [
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
    plugins: [
      cleanChunks(),
      nodeResolve({ browser: true }),
      json({ preferConst: true }),
      esbuild({ target: "es2022", tsconfig }),
      terser({ format: { comments: false } }),
    ],
  },
  {
    input: { cli: "src/cli/main.ts", sim: "src/sim/main.ts" },
    output: { dir: "dist/node", format: "es", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js" },
    // Node programs load their npm dependencies from node_modules at run time.
    external: (id) => nodeBuiltins.has(id) || (!id.startsWith(".") && !id.startsWith("/") && !id.startsWith("\0")),
    plugins: [json({ preferConst: true }), esbuild({ target: "node20", platform: "node", tsconfig })],
  },
];
