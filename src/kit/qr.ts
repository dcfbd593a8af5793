// The key as a QR code, only when the user opts in. `qrcode-generator` (MIT, ~7.6 KB minified and
// gzipped, no dependencies) is imported lazily so nobody who skips the QR code downloads it.
import { looksLikeGeneratedKey } from "../keys/format.js";
import { escapeHtml } from "./html.js";

export interface KeyQrCode {
  /** QR version 1–40 (size = 17 + 4·version modules). */
  version: number;
  moduleCount: number;
  /** Row-major: `dark[row][col]`. */
  dark: boolean[][];
}

export async function makeKeyQrCode(key: string): Promise<KeyQrCode> {
  const { default: qrcode } = await import("qrcode-generator");
  // SecureTar hashes the UTF-8 bytes, so a legacy password must travel as UTF-8, not Latin-1.
  qrcode.stringToBytes = (s: string) => Array.from(new TextEncoder().encode(s));
  // Level M survives a crease or a stain; a generated key fits QR's alphanumeric mode (A-Z 0-9 -).
  const qr = qrcode(0, "M");
  qr.addData(key, looksLikeGeneratedKey(key) ? "Alphanumeric" : "Byte");
  qr.make();
  const n = qr.getModuleCount();
  const dark = Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)));
  return { version: (n - 17) / 4, moduleCount: n, dark };
}

/** An inline SVG (one path, 4-module quiet zone) that scales with CSS and prints sharply. */
export function qrCodeSvg(code: KeyQrCode, label: string): string {
  const quiet = 4;
  const size = code.moduleCount + quiet * 2;
  let d = "";
  code.dark.forEach((row, r) =>
    row.forEach((on, c) => {
      if (on) d += `M${c + quiet} ${r + quiet}h1v1h-1z`;
    }),
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" role="img" aria-label="${escapeHtml(label)}" data-qr-version="${code.version}" data-qr-modules="${code.moduleCount}" shape-rendering="crispEdges"><rect width="${size}" height="${size}" fill="#fff"/><path d="${d}" fill="#000"/></svg>`;
}
