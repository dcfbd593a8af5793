// Which source files each `npm run mutate` module mutates, and the Node test files that prove it.
// Each list was chosen with coverage (`node --import tsx --test --experimental-test-coverage
// <file>`): every focused test file that runs the module's code, none that only passes through it.
// Left out on purpose (kept for `npm test`): tests that rebuild with rollup or spawn the installed
// command (cli-and-malformed, recovery-stream, recovery-page, packaging), whose seconds per mutant
// buy nothing the in-process tests do not already check.
export const MUTATION_MODULES = {
  keys: {
    mutate: ["src/keys/**/*.ts"],
    tests: [
      "test/node/keys/keys.test.ts",
      "test/node/keys/key-shape.test.ts",
      "test/node/kit/kit.test.ts",
      "test/node/kit/kit-parse-details.test.ts",
      "test/node/cli/keys-and-echo.test.ts",
      "test/node/flows/drill.test.ts",
    ],
  },
  kit: {
    // download.ts and print-window.ts need a DOM: the browser tests (test/browser/kit) cover them.
    mutate: ["src/kit/parse.ts", "src/kit/render.ts", "src/kit/ha-kit-strings.ts", "src/kit/print.ts", "src/kit/qr.ts", "src/kit/html.ts"],
    tests: ["test/node/kit/kit.test.ts", "test/node/kit/kit-layout.test.ts", "test/node/kit/kit-render.test.ts", "test/node/kit/kit-parse-details.test.ts", "test/node/kit/print.test.ts"],
  },
  tar: {
    mutate: ["src/tar/**/*.ts"],
    tests: [
      "test/node/securetar/tar-reader.test.ts",
      "test/node/securetar/tar-edges.test.ts",
      "test/node/securetar/tar-python.test.ts",
      "test/node/securetar/tarfile-rules.test.ts",
      "test/node/securetar/names-and-wrong-keys.test.ts",
      "test/node/securetar/deep.test.ts",
      "test/node/backup-file/deep-end.test.ts",
    ],
  },
  securetar: {
    // argon2-wasm.ts is generated data (the WASM binary as base64), checked by argon2.test's build check.
    mutate: ["src/securetar/**/*.ts", "!src/securetar/argon2-wasm.ts"],
    tests: [
      "test/node/securetar/detect.test.ts",
      "test/node/securetar/fixtures.test.ts",
      "test/node/securetar/deep.test.ts",
      "test/node/securetar/members.test.ts",
      "test/node/securetar/names-and-wrong-keys.test.ts",
      "test/node/securetar/argon2.test.ts",
      "test/node/securetar/v3-streams.test.ts",
      "test/node/backup-file/deep-end.test.ts",
    ],
  },
  "backup-file": {
    mutate: ["src/backup-file/**/*.ts"],
    tests: [
      "test/node/securetar/fixtures.test.ts",
      "test/node/securetar/deep.test.ts",
      "test/node/securetar/members.test.ts",
      "test/node/securetar/tar-reader.test.ts",
      "test/node/backup-file/completeness.test.ts",
      "test/node/backup-file/deep-end.test.ts",
      "test/node/backup-file/hostile-cost.test.ts",
      "test/node/cli/exit-codes.test.ts",
    ],
  },
  registry: {
    // Every registry test whose code reaches exchange, assign, verify or model (merge.test only
    // reaches merge.ts, which is not mutated here).
    mutate: ["src/registry/exchange.ts", "src/registry/assign.ts", "src/registry/verify.ts", "src/registry/model.ts"],
    tests: [
      "test/node/registry/registry.test.ts",
      "test/node/registry/more.test.ts",
      "test/node/registry/import-offline-vault.test.ts",
      "test/node/registry/import-own-properties.test.ts",
      "test/node/registry/clock-margin.test.ts",
      "test/node/registry/snapshot.test.ts",
      "test/node/registry/identity.test.ts",
      "test/node/registry/mirror.test.ts",
      "test/node/registry/truth.test.ts",
      "test/node/registry/truth-origins.test.ts",
      "test/node/registry/truth-property.test.ts",
    ],
  },
  // src/flows in two runs: the pure flows (drill, reminders, restore guidance, claims) with their
  // quick tests, and the key change, whose tests drive a whole key change against a simulated HA
  // (about 20 s per mutant on this machine: run it on a quiet one).
  flows: {
    mutate: ["src/flows/*.ts"],
    tests: [
      "test/node/flows/drill.test.ts",
      "test/node/flows/drill-session.test.ts",
      "test/node/flows/reminders.test.ts",
      "test/node/flows/restore-guidance.test.ts",
      "test/node/flows/key-restored.test.ts",
      "test/node/flows/kit-claims.test.ts",
    ],
  },
  "key-change": {
    mutate: ["src/flows/key-change/**/*.ts"],
    tests: ["test/node/flows/key-change.test.ts", "test/node/flows/key-change-guards.test.ts", "test/node/flows/key-change-races.test.ts", "test/node/ui/truth-words.test.ts"],
  },
  cli: {
    mutate: ["src/cli/**/*.ts"],
    tests: [
      "test/node/cli/exit-codes.test.ts",
      "test/node/cli/commands.test.ts",
      "test/node/cli/keys-and-echo.test.ts",
      "test/node/recovery/recovery-cli.test.ts",
      "test/node/recovery/recovery-safety.test.ts",
    ],
  },
};
