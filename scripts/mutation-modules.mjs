// Which source files each `npm run mutate` module mutates, and the Node test files that prove it.
// Tests are the focused ones (no whole-suite runs per mutant); the CLI's process-level tests
// (cli-and-malformed: it rebuilds with rollup) are left to `npm test`.
export const MUTATION_MODULES = {
  keys: { mutate: ["src/keys/**/*.ts"], tests: ["test/node/keys/keys.test.ts", "test/node/keys/key-shape.test.ts", "test/node/kit/kit.test.ts"] },
  kit: { mutate: ["src/kit/parse.ts", "src/kit/render.ts", "src/kit/ha-kit-strings.ts"], tests: ["test/node/kit/kit.test.ts", "test/node/kit/kit-layout.test.ts", "test/node/kit/kit-render.test.ts", "test/node/kit/kit-parse-details.test.ts", "test/node/kit/print.test.ts"] },
  tar: { mutate: ["src/tar/**/*.ts"], tests: ["test/node/securetar/tar-reader.test.ts", "test/node/securetar/tar-edges.test.ts", "test/node/securetar/tar-python.test.ts", "test/node/securetar/names-and-wrong-keys.test.ts"] },
  securetar: { mutate: ["src/securetar/**/*.ts"], tests: ["test/node/securetar/detect.test.ts", "test/node/securetar/fixtures.test.ts", "test/node/securetar/deep.test.ts", "test/node/securetar/members.test.ts", "test/node/securetar/names-and-wrong-keys.test.ts"] },
  "backup-file": { mutate: ["src/backup-file/**/*.ts"], tests: ["test/node/securetar/fixtures.test.ts", "test/node/securetar/deep.test.ts", "test/node/securetar/members.test.ts", "test/node/securetar/tar-reader.test.ts", "test/node/backup-file/completeness.test.ts", "test/node/backup-file/hostile-cost.test.ts", "test/node/cli/exit-codes.test.ts"] },
  registry: { mutate: ["src/registry/exchange.ts", "src/registry/assign.ts", "src/registry/verify.ts", "src/registry/model.ts"], tests: ["test/node/registry/registry.test.ts", "test/node/registry/more.test.ts", "test/node/registry/import-offline-vault.test.ts"] },
  flows: { mutate: ["src/flows/**/*.ts"], tests: ["test/node/flows/key-change.test.ts", "test/node/flows/key-change-guards.test.ts", "test/node/flows/reminders.test.ts"] },
  cli: { mutate: ["src/cli/**/*.ts"], tests: ["test/node/cli/exit-codes.test.ts", "test/node/cli/commands.test.ts"] },
};
