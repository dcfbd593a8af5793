// The CLI's commands in-process (`main`), for what a person or a script reads: inspect's members,
// --json fields, kits made by `kit` read back by `verify --kit`, keys from the environment, usage
// errors that name the problem, --deep finding a v3 stream without its end mark.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, afterEach, before, describe, it } from "node:test";
import { EXIT_NOT_OPENED, EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, main } from "../../../src/cli/main.js";
import { concat, END_BLOCKS, padded, tarHeader } from "../securetar/tar-builder.js";

const fixtures = join(fileURLToPath(new URL("../../../", import.meta.url)), "..", "shared", "fixtures", "ha-real");
const v2 = join(fixtures, "supervisor__backup_example_enc.tar"); // "test"
const plain = join(fixtures, "supervisor__backup_example.tar");
const noFinal = join(fixtures, "securetar__backup_no_final_tag.tar"); // v3, "hunter2"
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "cli-commands-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));
const savedEnv = { ...process.env };
afterEach(() => {
  for (const k of ["BACKUP_KEYRING_KEYS", "MY_KEYS"]) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

interface JsonBackup {
  file: string;
  backup_id: string | null;
  name: string | null;
  date: string | null;
  encrypted: boolean;
  format: string;
  opened_by?: number | null;
  protected: boolean | null;
  mislabelled: boolean;
  damaged: boolean;
  damage: { archive: string | null; code: string }[];
  members: { name: string; size: number; format: string; damaged: boolean; damage: string | null; opened_by: number | null }[];
  error?: { code: string; message: string };
}
const json = (out: string) => (JSON.parse(out) as { backups: JsonBackup[] }).backups;

describe("inspect", () => {
  it("shows backup.json's facts and each member's format, no key needed", async () => {
    const r = await run("inspect", v2);
    assert.equal(r.code, EXIT_OK);
    assert.match(r.out, /: Encrypt test \(93b462f8, 2025-02-03T18:48:28\.273501\+00:00\) — encrypted \(SecureTar v2\)$/m);
    assert.ok(!r.out.includes("disagree"), "no mislabelled warning for a consistent backup");
    assert.ok(!r.out.includes('"backups"'), "text, not JSON, without --json");
    assert.match(r.out, /^ {2}ssl\.tar\.gz: v2$/m);
    const unencrypted = await run("inspect", plain);
    assert.match(unencrypted.out, /Example \(7fed74c8, .*\) — not encrypted/);
  });

  it("--json: the documented fields, and no opened_by without keys", async () => {
    const [b] = json((await run("inspect", v2, "--json")).out);
    assert.deepEqual(
      { ...b!, members: undefined, file: undefined },
      {
        file: undefined,
        backup_id: "93b462f8",
        name: "Encrypt test",
        date: "2025-02-03T18:48:28.273501+00:00",
        encrypted: true,
        format: "v2",
        protected: true,
        mislabelled: false,
        damaged: false,
        damage: [],
        members: undefined,
      },
    );
    assert.deepEqual(
      b!.members.map((m) => [m.name, m.format, m.damaged, m.damage, m.opened_by]),
      [["ssl.tar.gz", "v2", false, null, null]],
    );
    assert.ok(b!.members[0]!.size > 0);
  });

  it("files that are missing or a folder get their own error code; the others are still read", async () => {
    const r = await run("inspect", join(dir, "nope.tar"), dir, plain, "--json");
    assert.equal(r.code, EXIT_UNREADABLE);
    const [missing, folder, ok] = json(r.out);
    assert.deepEqual(missing!.error, { code: "not_found", message: "There is no such file." });
    assert.deepEqual(folder!.error, { code: "not_a_file", message: "This is a folder, not a backup file." });
    assert.equal(ok!.encrypted, false);
    const text = await run("inspect", join(dir, "nope.tar"));
    assert.match(text.out, /nope\.tar: There is no such file\./);
  });

  it("a backup.json that says protected over plaintext archives is reported as mislabelled", async () => {
    const meta = Buffer.from(JSON.stringify({ slug: "ab12cd34", name: "Odd", date: "2026-01-01T00:00:00+00:00", protected: true }));
    const gz = Buffer.alloc(64);
    gz.set([0x1f, 0x8b, 0x08]);
    const file = join(dir, "odd.tar");
    writeFileSync(file, concat(tarHeader("./backup.json", meta.length), padded(meta), tarHeader("./homeassistant.tar.gz", gz.length), padded(gz), END_BLOCKS));
    const [b] = json((await run("inspect", file, "--json")).out);
    assert.equal(b!.mislabelled, true);
    assert.equal(b!.damaged, true, "a restore would fail: it is damage, not a warning");
    assert.ok(b!.damage.some((d) => d.archive === "./homeassistant.tar.gz" && d.code === "not_encrypted"));
    assert.match((await run("inspect", file)).out, /homeassistant\.tar\.gz: The backup is marked as encrypted, but this archive is not/);
  });
});

describe("verify", () => {
  it("--json gives opened_by (0-based) per backup and per member", async () => {
    const r = await run("verify", v2, "--key", "nope", "--key", "test", "--json");
    assert.equal(r.code, EXIT_OK);
    const [b] = json(r.out);
    assert.equal(b!.opened_by, 1);
    assert.equal(b!.members[0]!.opened_by, 1);
    const text = await run("verify", v2, "--key", "nope");
    assert.match(text.out, /— encrypted \(SecureTar v2\) and none of the given keys opens it$/m);
    assert.ok(!/^ {2}ssl\.tar\.gz/m.test(text.out), "members are listed only when they disagree");
  });

  it("a kit printed by `kit` is read back by `verify --kit`", async () => {
    const kit = await run("kit", "--instance", "Home", "--url", "http://ha.local:8123", "--lang", "de", "--key", "test");
    assert.equal(kit.code, EXIT_OK);
    assert.match(kit.out, /http:\/\/ha\.local:8123/);
    assert.match(kit.out, /Home/);
    const file = join(dir, "kit.txt");
    writeFileSync(file, kit.out);
    const r = await run("verify", v2, "--kit", file);
    assert.equal(r.code, EXIT_OK, r.out);
    assert.match(r.out, /opens with kit kit\.txt/, "names the kit file, not an argument position");
  });

  it("a --kit that is not a kit: exit 2, says so, and repeats none of its text", async () => {
    const file = join(dir, "not-a-kit.txt");
    writeFileSync(file, "shopping list\neggs\nmilk\n");
    const r = await run("verify", v2, "--kit", file);
    assert.equal(r.code, EXIT_UNREADABLE);
    assert.match(r.out + r.err, /not-a-kit\.txt: This is neither an emergency kit nor an encryption key/);
    assert.ok(!(r.out + r.err).includes("eggs"));
  });

  it("keys from BACKUP_KEYRING_KEYS, or from the variable --key-env names (comma or newline separated)", async () => {
    process.env.BACKUP_KEYRING_KEYS = "nope, test";
    assert.equal((await run("verify", v2)).code, EXIT_OK);
    delete process.env.BACKUP_KEYRING_KEYS;
    process.env.MY_KEYS = "a\nb";
    assert.equal((await run("verify", v2, "--key-env", "MY_KEYS")).code, EXIT_NOT_OPENED);
    process.env.MY_KEYS = "a,,\n, test ";
    const r = await run("verify", v2, "--key-env", "MY_KEYS");
    assert.equal(r.code, EXIT_OK);
    assert.match(r.out, /opens with key #2 from MY_KEYS/, "empty entries are not keys; spaces around a key are not part of it");
  });

  it("--deep finds a v3 archive without its end mark: exit 2 with the reason", async () => {
    // securetar's fixture is a bare archive without backup.json: damaged either way, but only
    // --deep reads the stream to its end and finds the missing end mark.
    const codes = (out: string) => json(out)[0]!.damage.map((d) => d.code);
    const shallow = await run("verify", noFinal, "--key", "hunter2", "--json");
    assert.equal(shallow.code, EXIT_UNREADABLE);
    assert.deepEqual(codes(shallow.out), ["no_backup_json"]);
    const deep = await run("verify", noFinal, "--key", "hunter2", "--deep");
    assert.equal(deep.code, EXIT_UNREADABLE);
    assert.match(deep.out, /core_no_final_tag\.tar\.gz: An encrypted inner archive has no end mark/);
    const [b] = json((await run("verify", noFinal, "--key", "hunter2", "--deep", "--json")).out);
    assert.ok(b!.damage.some((d) => d.archive === "core_no_final_tag.tar.gz" && d.code === "no_final_tag"));
    assert.ok(b!.members.some((m) => m.damage === "no_final_tag"));
  });
});

describe("usage", () => {
  for (const [argv, says] of [
    [["verify", v2, "--key"], /--key needs a value/],
    [["verify", v2, "--bogus"], /unknown option --bogus/],
    [["inspect"], /name at least one backup file/],
    [["kit", "--url", "http://x"], /kit needs --instance and --url/],
    [["kit", "--instance", "Home"], /kit needs --instance and --url/],
    // An unknown command is never echoed (it could be a key typed first); the known ones are named.
    [["nonsense"], /unknown command \(not shown\); the commands are verify, inspect, kit, decrypt, extract, rekey/],
  ] as [string[], RegExp][]) {
    it(`${argv.join(" ").replace(fixtures, "…")}: exit 1 and says what is wrong`, async () => {
      const r = await run(...argv);
      assert.equal(r.code, EXIT_USAGE);
      assert.match(r.err, says);
      assert.match(r.err, /Usage:/);
    });
  }

  it("--help prints the usage on stdout with exit 0; no command prints it with exit 1", async () => {
    const help = await run("verify", "--help");
    assert.equal(help.code, EXIT_OK);
    assert.equal((await run("inspect", "-h")).code, EXIT_OK);
    assert.match(help.out, /^backup-keyring — /);
    const none = await run();
    assert.equal(none.code, EXIT_USAGE);
    assert.match(none.out, /Usage:/);
  });
});
