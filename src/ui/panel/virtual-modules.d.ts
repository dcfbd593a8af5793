// The recovery page's HTML text, injected at build time (see recovery-page-html.ts).
declare module "virtual:backup-keyring-recovery-html" {
  const html: string;
  export default html;
}
