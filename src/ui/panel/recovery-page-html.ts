// The offline recovery page's own HTML, carried by a lazily loaded .js chunk so the panel can offer
// it for download where only the release's .js files are installed (HACS downloads just those).
// The build fills the virtual module from dist/backup-keyring-recovery.html, which rollup builds
// first (rollup.config.mjs); the browser tests' server does the same (web-test-runner.config.mjs).
import html from "virtual:backup-keyring-recovery-html";

export const RECOVERY_PAGE_FILE = "backup-keyring-recovery.html";
export const RECOVERY_PAGE_HTML: string = html;
