// Packaging: HACS metadata passes HACS's strict schema, the zero-YAML integration compiles and
// has a valid manifest, and the bundle guards its element definitions.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const root = fileURLToPath(new URL("../../", import.meta.url));
const integration = join(root, "custom_components", "backup_keyring");

// hacs/integration custom_components/hacs/utils/validate.py HACS_MANIFEST_JSON_SCHEMA (extra=PREVENT_EXTRA).
const HACS_KEYS = new Set(["name", "content_in_root", "country", "filename", "hacs", "hide_default_branch", "homeassistant", "persistent_directory", "render_readme", "zip_release"]);

test("hacs.json uses only keys HACS accepts and names the built file", () => {
  const hacs = JSON.parse(readFileSync(join(root, "hacs.json"), "utf8")) as Record<string, unknown>;
  for (const key of Object.keys(hacs)) assert.ok(HACS_KEYS.has(key), `unknown hacs.json key ${key}`);
  assert.equal(typeof hacs.name, "string");
  assert.match(String(hacs.homeassistant), /^\d{4}\.\d+\.\d+$/);
  assert.equal(hacs.filename, "backup-keyring.js");
  const build = spawnSync("npx", ["rollup", "-c", "rollup.config.mjs", "--silent"], { cwd: root, encoding: "utf8" });
  assert.equal(build.status, 0, `rollup failed: ${build.stderr}`);
  assert.ok(existsSync(join(root, "dist", String(hacs.filename))), "HACS finds the file in dist/");
});

test("the integration's manifest has every field HACS and hassfest require", () => {
  const m = JSON.parse(readFileSync(join(integration, "manifest.json"), "utf8")) as Record<string, unknown>;
  for (const key of ["domain", "documentation", "issue_tracker", "codeowners", "name", "version"]) assert.ok(key in m, key);
  assert.equal(m.domain, "backup_keyring");
  assert.equal(m.config_flow, true);
  assert.match(String(m.version), /^\d+\.\d+\.\d+$/);
  assert.deepEqual([...(m.dependencies as string[])].sort(), ["frontend", "http", "panel_custom"]);
});

test("the integration's Python compiles and registers an admin-only panel", () => {
  const files = readdirSync(integration).filter((f) => f.endsWith(".py"));
  assert.ok(files.length >= 3);
  for (const f of files) {
    // Compile into a temporary file, so no __pycache__ lands in the integration folder.
    const r = spawnSync(
      "python3",
      ["-c", "import py_compile, sys, tempfile, os; d = tempfile.mkdtemp(); py_compile.compile(sys.argv[1], cfile=os.path.join(d, 'x.pyc'), doraise=True)", join(integration, f)],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, `${f}: ${r.stderr}`);
  }
  const init = readFileSync(join(integration, "__init__.py"), "utf8");
  assert.match(init, /require_admin=True/);
  assert.match(init, /async_register_static_paths/);
});

test("the bundle guards every customElements.define (HA may load it twice)", () => {
  const bundle = readFileSync(join(root, "dist", "backup-keyring.js"), "utf8");
  const defines = bundle.match(/customElements\.define\(/g)?.length ?? 0;
  const guards = bundle.match(/customElements\.get\(/g)?.length ?? 0;
  assert.ok(defines > 0);
  assert.ok(guards >= defines, `${defines} defines, ${guards} guards`);
});
