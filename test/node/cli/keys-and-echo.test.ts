// The CLI tries every key exactly as given (and tidied only in addition), names where the key
// that opened a backup came from, and never prints an argument that could be a key.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { Readable } from "node:stream";
import { main } from "../../../src/cli/main.js";
import { buildBackup } from "../../../src/sim/backup-archive.js";
import { seededRng } from "../../../src/sim/random.js";

const tmp = mkdtempSync(join(tmpdir(), "bk-cli-keys-"));
const fixtures = join(fileURLToPath(new URL("../../../", import.meta.url)), "..", "shared", "fixtures", "ha-real");
// A legacy password that happens to be 28 letters and digits: shaped like a generated key typed loosely.
const LEGACY = "abcdefghijklmnopqrstuvwxyz12";
const GENERATED = "Q7RT-M2KX-9PLA-W4ZC-8NEB-V3HJ-6YDF";
let legacyFile = "";
let generatedFile = "";

async function cli(args: string[], env: Record<string, string> = {}, stdin?: string) {
  let out = "";
  let err = "";
  const saved = { ...process.env };
  Object.assign(process.env, { BACKUP_KEYRING_KEYS: "" }, env);
  // --keys-stdin in-process: what a pipe would deliver, in two pieces.
  const realStdin = Object.getOwnPropertyDescriptor(process, "stdin")!;
  if (stdin !== undefined) {
    const half = Math.floor(stdin.length / 2);
    Object.defineProperty(process, "stdin", { value: Readable.from([Buffer.from(stdin.slice(0, half)), Buffer.from(stdin.slice(half))]), configurable: true });
  }
  try {
    const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
    return { code, out, err };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    if (stdin !== undefined) Object.defineProperty(process, "stdin", realStdin);
  }
}

const haKit = (keyLine: string, tail = "") =>
  [
    "Home Assistant Backup Emergency Kit",
    "",
    "This emergency kit contains your backup encryption key.",
    "",
    "Date: May 1, 2019 at 9:00 AM",
    "",
    "Instance:",
    "Home",
    "",
    "URL:",
    "http://ha.local:8123",
    "",
    "Encryption key:",
    keyLine,
    "",
    "For more information, visit https://www.home-assistant.io/more-info/backup-emergency-kit",
    tail,
  ].join("\n");

before(async () => {
  const meta = (name: string) => ({
    backupId: "1e9ac700",
    name,
    date: "2025-06-01T03:00:00+00:00",
    instanceId: "0".repeat(32),
    haVersion: "2025.6.0",
    withAutomaticSettings: false,
    folders: ["share"],
  });
  legacyFile = join(tmp, "legacy.tar");
  writeFileSync(legacyFile, (await buildBackup(meta("Legacy"), LEGACY, seededRng(3))).encrypted!);
  generatedFile = join(tmp, "generated.tar");
  writeFileSync(generatedFile, (await buildBackup(meta("Generated"), GENERATED, seededRng(4))).encrypted!);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("keys exactly as given, tidied only in addition", () => {
  it("a 28-character legacy password opens its backup through --key, the environment and a kit", async () => {
    assert.equal((await cli(["verify", "--key", LEGACY, legacyFile])).code, 0);
    assert.equal((await cli(["verify", legacyFile], { BACKUP_KEYRING_KEYS: `wrong,${LEGACY}` })).code, 0);
    const kit = join(tmp, "legacy-kit.txt");
    writeFileSync(kit, haKit(LEGACY));
    assert.equal((await cli(["verify", "--kit", kit, legacyFile])).code, 0);
    // A note kept after the kit, quoting the documentation link, changes nothing.
    const noted = join(tmp, "legacy-kit-noted.txt");
    writeFileSync(noted, haKit(LEGACY, "\nNote: see https://www.home-assistant.io/more-info/backup-emergency-kit"));
    assert.equal((await cli(["verify", "--kit", noted, legacyFile])).code, 0);
    const bare = join(tmp, "legacy-bare.txt");
    writeFileSync(bare, `${LEGACY}\n`);
    assert.equal((await cli(["verify", "--kit", bare, legacyFile])).code, 0);
  });

  it("a dash or a word before or after the groups makes it another password: tried exactly, never tidied into the key", async () => {
    const loose = GENERATED.toLowerCase();
    for (const other of [`-${loose}`, `${loose}-`, `x ${loose}`, `${loose} x`]) {
      const r = await cli(["verify", "--key", other, generatedFile]);
      assert.equal(r.code, 3, `${other} must not open the backup of ${GENERATED}`);
    }
  });

  it("a generated key typed loosely is still tidied (in addition)", async () => {
    const loose = GENERATED.toLowerCase().replace(/-/g, " ");
    const r = await cli(["verify", "--json", "--key", loose, generatedFile]);
    assert.equal(r.code, 0);
    assert.ok(!r.out.includes(GENERATED) && !r.out.includes(loose));
  });
});

describe("where the opening key came from", () => {
  it("text names the kit file and its generation; --json keeps the 0-based position and adds the source", async () => {
    const kitText = (await cli(["kit", "--instance", "Home", "--url", "http://ha.local:8123", "--key", GENERATED])).out;
    const kit = join(tmp, "home_gen2.txt");
    writeFileSync(kit, kitText.replace(/\n*$/, "\n\n== Backup Keyring ==\nKey generation: 2\n"));
    const text = await cli(["verify", "--key", "nope", "--kit", kit, generatedFile]);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /opens with kit home_gen2\.txt \(generation 2\)/);
    const json = JSON.parse((await cli(["verify", "--json", "--key", "nope", "--kit", kit, generatedFile])).out);
    assert.deepEqual([json.backups[0].opened_by, json.backups[0].opened_by_source], [1, "kit home_gen2.txt (generation 2)"]);
    const byKey = await cli(["verify", "--key", "nope", "--key", GENERATED, generatedFile]);
    assert.match(byKey.out, /opens with --key #2/);
  });

  it("a kit whose name could be a key is named by its position in the source, never by its name", async () => {
    const kitText = (await cli(["kit", "--instance", "Home", "--url", "http://ha.local:8123", "--key", GENERATED])).out;
    writeFileSync(join(tmp, "homekit"), kitText);
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      const text = await cli(["verify", "--kit", "homekit", generatedFile]);
      assert.equal(text.code, 0, text.err);
      assert.match(text.out, /opens with kit argument 3 \(not shown: it could be a key\)/);
      const json = await cli(["verify", "--json", "--kit", "homekit", generatedFile]);
      assert.ok(!json.out.includes("homekit"), "--json names the kit");
    } finally {
      process.chdir(cwd);
    }
  });

  it("kit --key prints a generated key typed in its groups in HA's format", async () => {
    for (const typed of [GENERATED.toLowerCase().replace(/-/g, " "), ` ${GENERATED.toLowerCase()} `, GENERATED]) {
      const r = await cli(["kit", "--instance", "Home", "--url", "http://ha.local:8123", "--key", typed]);
      assert.match(r.out, new RegExp(`\\nEncryption key:\\n${GENERATED}\\n`), typed);
    }
  });

  it("kit --key: groups apart by several spaces are the key; a word before or after the groups is a password kept exactly", async () => {
    const spaced = GENERATED.toLowerCase().split("-").join("   ");
    const r = await cli(["kit", "--instance", "Home", "--url", "http://ha.local:8123", "--key", spaced]);
    assert.match(r.out, new RegExp(`\\nEncryption key:\\n${GENERATED}\\n`));
    for (const other of [`x ${GENERATED.toLowerCase().replace(/-/g, " ")}`, `${GENERATED.toLowerCase().replace(/-/g, " ")} extra`]) {
      const kit = await cli(["kit", "--instance", "Home", "--url", "http://ha.local:8123", "--key", other]);
      assert.ok(kit.out.includes(`\nEncryption key:\n${other}\n`), `kit keeps ${other}`);
    }
  });

  it("kit --key keeps a legacy password exactly, even 28 letters and digits run together, so its kit opens the backup", async () => {
    for (const legacy of [LEGACY, "My old Password 2019"]) {
      const r = await cli(["kit", "--instance", "Home", "--url", "http://ha.local:8123", "--key", legacy]);
      assert.equal(r.code, 0);
      assert.ok(r.out.includes(`\nEncryption key:\n${legacy}\n`), `kit keeps ${legacy}`);
    }
    const kit = join(tmp, "legacy-from-kit-command.txt");
    writeFileSync(kit, (await cli(["kit", "--instance", "Home", "--url", "http://ha.local:8123", "--key", LEGACY])).out);
    assert.equal((await cli(["verify", "--kit", kit, legacyFile])).code, 0);
  });

  it("opened_by names the key as the user gave it, whichever form (exact or tidied) opened it", async () => {
    const v2Fixture = join(fixtures, "supervisor__backup_example_enc.tar"); // key "test"
    const loose = GENERATED.toLowerCase().replace(/-/g, " "); // tried as typed and tidied: two forms, one source
    const r = await cli(["verify", "--json", "--key", loose, "--key", "test", v2Fixture]);
    assert.equal(r.code, 0);
    const b = JSON.parse(r.out).backups[0];
    assert.deepEqual([b.opened_by, b.opened_by_source, b.members[0].opened_by], [1, "--key #2", 1]);
    assert.match((await cli(["verify", "--key", loose, "--key", "test", v2Fixture])).out, /opens with --key #2/);
    // The tidied form of the second --key opens the generated key's backup: source 1, not candidate 2.
    const tidied = JSON.parse((await cli(["verify", "--json", "--key", "nope", "--key", loose, generatedFile])).out).backups[0];
    assert.deepEqual([tidied.opened_by, tidied.opened_by_source], [1, "--key #2"]);
  });

  it("--kit given a backup says it is a backup, not a kit", async () => {
    const r = await cli(["verify", "--kit", join(fixtures, "supervisor__backup_example.tar"), legacyFile]);
    assert.equal(r.code, 2);
    assert.match(r.err, /This is a backup file, not an emergency kit/);
  });

  it("a kit without its key line is 'no key' (exit 2), in any language", async () => {
    const kit = join(tmp, "no-key.txt");
    writeFileSync(kit, haKit(LEGACY).replace(`${LEGACY}\n`, ""));
    const r = await cli(["verify", "--kit", kit, legacyFile]);
    assert.equal(r.code, 2);
    assert.match(r.err, /encryption key line is missing/);
  });
});

describe("arguments that could be keys are never printed", () => {
  it("--key=VALUE is named without its value", async () => {
    const r = await cli(["verify", `--key=${LEGACY}`, legacyFile]);
    assert.equal(r.code, 1);
    assert.match(r.err, /unknown option --key\b/);
    assert.ok(!r.err.includes(LEGACY) && !r.out.includes(LEGACY));
  });

  it("an unknown option that is not an option name is not printed at all", async () => {
    const r = await cli(["verify", `-${LEGACY}`, legacyFile]);
    assert.equal(r.code, 1);
    assert.ok(!r.err.includes(LEGACY));
  });

  it("a key given where a file belongs is reported by position, in text and --json", async () => {
    for (const arg of [LEGACY, GENERATED, "hunter2"]) {
      const text = await cli(["verify", "--key", "x", legacyFile, arg]);
      assert.equal(text.code, 2);
      assert.ok(!text.out.includes(arg) && !text.err.includes(arg), `text echoes ${arg}`);
      assert.match(text.out, /argument 5 \(not shown: it could be a key\): There is no such file/);
      const json = await cli(["verify", "--json", "--key", "x", arg]);
      assert.ok(!json.out.includes(arg), `--json echoes ${arg}`);
      assert.equal(JSON.parse(json.out).backups[0].error.code, "not_found");
    }
    // A real-looking path is still named, so the user can see the typo.
    assert.match((await cli(["verify", "--key", "x", join(tmp, "missing.tar")])).out, /missing\.tar: There is no such file/);
  });

  it("an unknown command is never printed, even one that looks like a word", async () => {
    for (const arg of [GENERATED, "hunter", "hunter2", LEGACY]) {
      const r = await cli([arg]);
      assert.equal(r.code, 1);
      assert.ok(!r.err.includes(arg) && !r.out.includes(arg), `echoes ${arg}`);
      assert.match(r.err, /unknown command \(not shown\); the commands are verify, inspect, kit/);
    }
  });

  it("kit --lang with an invalid language tag: a clear message, exit 1, no stack trace", async () => {
    const r = await cli(["kit", "--instance", "Home", "--url", "http://ha.local:8123", "--lang", "de_DE"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /--lang needs a language tag such as "de" or "pt-BR"/);
    assert.ok(!/RangeError|at .*\.ts:/.test(r.err));
    assert.match((await cli(["kit", "--instance", "Home", "--url", "http://ha.local:8123", "--lang", "de-de"])).out, /Notfall|Verschlüsselung/);
  });
});

describe("--keys-stdin", () => {
  it("verify reads one key per line (CRLF or LF, blank lines skipped), after --key and the environment, and names the line", async () => {
    const r = await cli(["verify", legacyFile, "--json", "--keys-stdin", "--key", "wrong-1"], { BACKUP_KEYRING_KEYS: "wrong-2" }, `wrong-3\r\n\n   \n${LEGACY}\r\nwrong-4\n`);
    assert.equal(r.code, 0, r.out + r.err);
    const report = JSON.parse(r.out) as { backups: { opened_by: number | null; opened_by_source: string | null }[] };
    assert.deepEqual([report.backups[0]!.opened_by, report.backups[0]!.opened_by_source], [3, "key #2 from standard input"]);
    assert.ok(!r.out.includes(LEGACY) && !r.err.includes(LEGACY), "the key is never printed");
    const text = await cli(["verify", generatedFile, "--keys-stdin"], {}, `nope\n${GENERATED.toLowerCase()}\n`);
    assert.equal(text.code, 0, text.out);
    assert.match(text.out, /key #2 from standard input/);
  });

  it("verify with only wrong keys on stdin, or none: not opened, and nothing read counts as a key", async () => {
    assert.equal((await cli(["verify", legacyFile, "--keys-stdin"], {}, "wrong\n")).code, 3);
    assert.equal((await cli(["verify", legacyFile, "--keys-stdin"], {}, "\n \r\n")).code, 1);
  });

  it("decrypt takes its key from stdin and writes the unencrypted backup", async () => {
    const out = join(tmp, "stdin-decrypted.tar");
    const r = await cli(["decrypt", legacyFile, "--keys-stdin", "-o", out], {}, `wrong\n${LEGACY}\n`);
    assert.equal(r.code, 0, r.out + r.err);
    const check = await cli(["verify", out, "--key", "any", "--json"]);
    assert.equal(check.code, 0, "the copy opens without a key");
    assert.equal((JSON.parse(check.out) as { backups: { encrypted: boolean }[] }).backups[0]!.encrypted, false);
    assert.ok(!r.out.includes(LEGACY) && !r.err.includes(LEGACY));
  });
});
