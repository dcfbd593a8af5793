import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { localizeFor } from "../../../src/common/localize.js";
import { localizeEnglish as en } from "../../../src/common/localize-english.js";
import { renderPrintableKit } from "../../../src/kit/print.js";
import { escapeHtml } from "../../../src/kit/html.js";
import { makeKeyQrCode, qrCodeSvg } from "../../../src/kit/qr.js";
import { formatKitDate, type KitFacts } from "../../../src/kit/render.js";
import { SAMPLE_KEY, sampleKitFacts } from "../../support/kit-facts.js";

const KEY = SAMPLE_KEY;
const facts = (over: Partial<KitFacts> = {}): KitFacts =>
  sampleKitFacts({
    generation: { number: 4, fingerprint: "7f3a91c20b5e".padEnd(64, "0"), startedAt: "2026-04-20T10:00:00Z" },
    backups: [{ backup_id: "f3d70b29", date: "2026-05-01T04:45:00+00:00", name: "Automatic backup 2026.5.0", locations: ["hassio.local", "cloud.cloud"] }],
    ...over,
  });

describe("printable kit", () => {
  it("holds the same facts as the text kit, and blanks to fill in", async () => {
    const html = await renderPrintableKit(facts());
    for (const s of [
      "Home Assistant Backup Emergency Kit",
      KEY,
      "http://homeassistant.local:8123",
      "January 15, 2025",
      "7F3A-91C2-0B5E",
      "2026-04-20",
      "f3d70b29",
      "Automatic backup 2026.5.0",
      "hassio.local, cloud.cloud",
      "Stored where:",
      "Checked on:",
      "https://www.home-assistant.io/more-info/backup-emergency-kit",
    ]) {
      assert.ok(html.includes(s), s);
    }
    assert.match(html, /<dd>4<\/dd>/);
    assert.ok(html.startsWith("<!doctype html>"));
  });

  it("is self-contained: no scripts, no external resources", async () => {
    const html = await renderPrintableKit(facts(), { includeQrCode: true });
    assert.doesNotMatch(html, /<script|<link|<img|\bsrc=|\bhref=|url\(/i);
  });

  it("escapes every text it prints", async () => {
    const html = await renderPrintableKit(facts({ instanceName: `<script>alert("x")</script>`, key: `pa<ss>"&'`, backups: [{ backup_id: "<b>", date: "x", name: "<i>n</i>", locations: ["<u>"] }] }));
    assert.ok(!html.includes("<script>alert"));
    assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert.ok(html.includes("pa&lt;ss&gt;&quot;&amp;&#39;"));
    assert.ok(!/<(b|i|u)>/.test(html));
  });

  it("chooses A4 or Letter for @page", async () => {
    assert.match(await renderPrintableKit(facts()), /@page \{ size: A4;/);
    assert.match(await renderPrintableKit(facts(), { paper: "letter" }), /@page \{ size: letter;/);
  });

  it("shows the QR code only when asked, with the warning", async () => {
    const plain = await renderPrintableKit(facts());
    assert.ok(!plain.includes("<svg"));
    assert.ok(!plain.includes("Anyone who can see this QR code"));
    const withQr = await renderPrintableKit(facts(), { includeQrCode: true });
    assert.equal(withQr.match(/<svg/g)?.length, 1);
    assert.ok(withQr.includes("Anyone who can see this QR code can read your encryption key."));
    // A generated key (34 alphanumeric-mode characters at level M) fits version 2: 25×25 modules.
    assert.match(withQr, /data-qr-version="2" data-qr-modules="25"/);
  });

  it("uses the user's language for our labels", async () => {
    const localize = await localizeFor("de");
    const html = await renderPrintableKit(facts({ language: "de", localize }));
    assert.match(html, /<html lang="de">/);
    assert.ok(html.includes("15. Januar 2025"));
  });
});

describe("QR code of the key", () => {
  it("is deterministic per key, different between keys, with QR's fixed finder patterns", async () => {
    const a = await makeKeyQrCode(KEY);
    const b = await makeKeyQrCode(KEY);
    const c = await makeKeyQrCode("ZZ12-CD34-EF56-GH78-IJ90-KL12-MN34");
    assert.deepEqual(a.dark, b.dark);
    assert.notDeepEqual(a.dark, c.dark);
    assert.equal(a.moduleCount, 17 + 4 * a.version);
    // Finder pattern: the top-left 7×7 ring with a 3×3 core.
    const finder = a.dark.slice(0, 7).map((r) =>
      r
        .slice(0, 7)
        .map((x) => (x ? 1 : 0))
        .join(""),
    );
    assert.deepEqual(finder, ["1111111", "1000001", "1011101", "1011101", "1011101", "1000001", "1111111"]);
  });

  it("encodes a legacy password as UTF-8 bytes (bigger code than the alphanumeric key)", async () => {
    const legacy = await makeKeyQrCode("mein altes Passwort äöü ß — long enough to need more modules");
    assert.ok(legacy.version > 2);
  });
});

describe("printed kit, section by section (what the paper says)", () => {
  const checked = { backup_id: "c1", date: "2026-05-01T04:45:00Z", name: "Checked one", locations: ["hassio.local"], checked: true };
  const seen = { backup_id: "o1", date: "not a date", name: "Seen one", locations: ["NAS", "cloud.cloud"] };
  const guess = { backup_id: "g1", date: "2026-03-01T12:00:00Z", name: "Guessed one", locations: ["USB"] };
  const section = (html: string, from: string, to: string) => {
    const a = html.indexOf(from);
    assert.ok(a >= 0, from);
    return html.slice(a, html.indexOf(to, a));
  };

  it("HA's facts as label/value rows, labels without their colon", async () => {
    const f = facts({ timeZone: "Pacific/Honolulu" });
    const html = await renderPrintableKit(f);
    const date = formatKitDate(f.date, "en", "Pacific/Honolulu");
    assert.ok(
      html.includes(
        `<dl><div class="row"><dt>Date</dt><dd>${date}</dd></div><div class="row"><dt>Instance</dt><dd>Home</dd></div><div class="row"><dt>URL</dt><dd>http://homeassistant.local:8123</dd></div></dl>`,
      ),
    );
    assert.ok(html.includes("<h2>Encryption key</h2>"));
    assert.ok(html.includes(`<p class="hint">For more information, visit https://www.home-assistant.io/more-info/backup-emergency-kit</p>`));
    assert.ok(!html.includes("{link}"));
  });

  it("our block: generation, fingerprint, day it came into use (in the instance's time zone)", async () => {
    const html = await renderPrintableKit(facts({ timeZone: "Pacific/Honolulu", generation: { number: 4, fingerprint: "7f3a91c20b5e".padEnd(64, "0"), startedAt: "2026-04-20T05:00:00Z" } }));
    assert.ok(
      html.includes(
        `<p>${escapeHtml(en("kit.block_heading"))}</p>\n<dl><div class="row"><dt>Key generation</dt><dd>4</dd></div><div class="row"><dt>Key fingerprint</dt><dd>7F3A-91C2-0B5E</dd></div><div class="row"><dt>In use since</dt><dd>2026-04-19</dd></div></dl>`,
      ),
    );
    // A fingerprint that is not the registry's 64 hex digits (a short form from an old kit, or anything else) is printed as given.
    for (const fp of ["7F3A-91C2-0B5E", `x${"a".repeat(64)}`, `${"a".repeat(64)}x`]) {
      const other = await renderPrintableKit(facts({ generation: { number: 4, fingerprint: fp, startedAt: "2026-04-20T10:00:00Z" } }));
      assert.ok(other.includes(`<dt>Key fingerprint</dt><dd>${fp}</dd>`), fp);
    }
    // Without a generation: no generation rows at all.
    const none = await renderPrintableKit(facts({ generation: undefined }));
    assert.ok(!none.includes("Key generation") && !none.includes("Key fingerprint") && !none.includes("In use since"));
    assert.ok(none.includes(`<p>${escapeHtml(en("kit.block_heading"))}</p>\n\n`));
  });

  it("backups: unknown, none, or proven / seen / guessed under their own headings, with their days", async () => {
    assert.ok((await renderPrintableKit(facts({ backups: undefined }))).includes(`<p>Which backups this key opens is not known yet.</p>`));
    assert.ok((await renderPrintableKit(facts({ backups: [] }))).includes(`<p>No backup is known to open with this key yet.</p>`));
    const html = await renderPrintableKit(facts({ timeZone: "Pacific/Honolulu", backups: [seen, checked, { ...seen, backup_id: "o2" }], guessed: [guess] }));
    const tr = (id: string, day: string, name: string, where: string) => `<tr><td class="mono">${id}</td><td>${day}</td><td>${name}</td><td>${where}</td></tr>`;
    const expected =
      `<p>Proven by a check to open with this key: 1 backup (id | date | name | locations)</p><table class="backups"><tbody>${tr("c1", "2026-04-30", "Checked one", "hassio.local")}</tbody></table>` +
      `<p>Made while Backup Keyring saw this key in use, not checked: 2 backups (id | date | name | locations)</p><table class="backups"><tbody>${tr("o1", "not a date", "Seen one", "NAS, cloud.cloud")}${tr("o2", "not a date", "Seen one", "NAS, cloud.cloud")}</tbody></table>` +
      `<p>Probably also opens (not checked, guessed by date): 1 backup (id | date | name | locations)</p><table class="backups"><tbody>${tr("g1", "2026-03-01", "Guessed one", "USB")}</tbody></table>`;
    assert.equal(section(html, "<p>Proven", "\n"), expected);
    // Only guesses: no empty headings for the other kinds.
    const only = await renderPrintableKit(facts({ backups: [checked], guessed: [] }));
    assert.ok(!only.includes("Made while") && !only.includes("Probably also opens"));
    const seenOnly = await renderPrintableKit(facts({ backups: [seen] }));
    assert.ok(!seenOnly.includes("Proven by a check") && seenOnly.includes("<p>Made while Backup Keyring saw this key in use, not checked: 1 backup"));
  });

  it("the lines to fill in, the print hint, and the QR code's caption and warning", async () => {
    const html = await renderPrintableKit(facts(), { includeQrCode: true });
    assert.ok(html.includes(`<div class="fill"><span>Stored where:</span><span class="line"></span></div>\n<div class="fill"><span>Checked on:</span><span class="line"></span></div>`));
    assert.ok(html.includes(`<p class="hint">Print this page or save it as a PDF, then keep it somewhere safe and offline.</p>`));
    assert.ok(html.includes(`aria-label="Encryption key as a QR code"`));
    assert.ok(html.includes(`<figcaption>Encryption key as a QR code<br><strong>Anyone who can see this QR code can read your encryption key.</strong></figcaption></figure>`));
  });

  it("the QR code's SVG draws exactly the code's dark modules, inside a 4-module quiet zone", async () => {
    const code = await makeKeyQrCode(KEY);
    const svg = qrCodeSvg(code, `a <label> & "more"`);
    const size = code.moduleCount + 8;
    assert.ok(svg.includes(`viewBox="0 0 ${size} ${size}"`) && svg.includes(`<rect width="${size}" height="${size}" fill="#fff"/>`));
    assert.ok(svg.includes(`aria-label="a &lt;label&gt; &amp; &quot;more&quot;"`));
    const d = /<path d="([^"]*)"/.exec(svg)![1]!;
    const drawn = new Set<string>();
    for (const m of d.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) drawn.add(`${Number(m[2]) - 4},${Number(m[1]) - 4}`);
    assert.equal(d.replace(/M\d+ \d+h1v1h-1z/g, ""), "", "nothing but one square per dark module");
    const dark = new Set<string>();
    code.dark.forEach((row, r) => row.forEach((on, c) => on && dark.add(`${r},${c}`)));
    assert.deepEqual([...drawn].sort(), [...dark].sort());
  });
});
