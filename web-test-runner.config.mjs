// Browser tests in the system Chromium (never a downloaded browser), driven by playwright-core.
import { esbuildPlugin } from "@web/dev-server-esbuild";
import { playwrightLauncher } from "@web/test-runner-playwright";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { testServicesPlugin } from "./test/support/wtr-services.mjs";
import { summaryReporter } from "./test/support/wtr-summary-reporter.mjs";
import { defaultReporter } from "@web/test-runner";

const services = testServicesPlugin();
const root = fileURLToPath(new URL(".", import.meta.url));

// As in rollup.config.mjs: the panel's recovery-page chunk carries dist/backup-keyring-recovery.html
// (`npm test` builds before the browser tests).
const RECOVERY_PAGE_ID = "virtual:backup-keyring-recovery-html";
const RECOVERY_PAGE_PATH = "/__virtual/backup-keyring-recovery-html.js";
const recoveryPageText = {
  name: "recovery-page-text",
  resolveImport: ({ source }) => (source === RECOVERY_PAGE_ID ? RECOVERY_PAGE_PATH : undefined),
  serve(context) {
    if (context.path !== RECOVERY_PAGE_PATH) return undefined;
    return { body: `export default ${JSON.stringify(readFileSync(`${root}dist/backup-keyring-recovery.html`, "utf8"))};`, type: "js" };
  },
};
const executablePath = process.env.CHROME_PATH || "/usr/bin/chromium";

export default {
  rootDir: root,
  files: process.env.WTR_FILES ? process.env.WTR_FILES.split(",") : ["test/browser/**/*.test.ts"],
  nodeResolve: true,
  concurrency: 2,
  concurrentBrowsers: 1,
  testsFinishTimeout: 300000,
  testFramework: { config: { timeout: 60000 } },
  browserStartTimeout: 60000,
  plugins: [
    recoveryPageText,
    esbuildPlugin({ ts: true, json: true, target: "es2022", tsconfig: fileURLToPath(new URL("./tsconfig.json", import.meta.url)) }),
    services,
  ],
  middleware: [(ctx, next) => services.middleware(ctx, next)],
  browsers: [
    playwrightLauncher({
      product: "chromium",
      launchOptions: {
        executablePath,
        headless: true,
        args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      },
      // A fresh context per test file, so IndexedDB does not leak between files.
      createBrowserContext: ({ browser }) => browser.newContext(),
    }),
  ],
  reporters: [defaultReporter(), summaryReporter(process.env.WTR_SUMMARY_FILE)],
};
