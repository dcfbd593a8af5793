// Hostile files stay cheap: the damage list is built in linear time however many archives a file
// has, and SecureTar v3 key checks (one Argon2id, t = 8 and 16 MiB, per candidate and root salt)
// are paid only for archives backup.json promises, for at most MAX_V3_ROOT_SALTS salts. Work is
// counted (Argon2id runs are the entries of the `v3RootKeys` cache), never timed.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { checkBackupKeys, inspectBackup, MAX_V3_ROOT_SALTS, orderDamage } from "../../../src/backup-file/inspect.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import { encryptV3, v3Root } from "../../../src/sim/securetar-writer.js";
import { writeTar } from "../../../src/sim/tar-writer.js";
import { concat, END_BLOCKS, padded, tarHeader, tarOf } from "../securetar/tar-builder.js";

const json = (extra: Record<string, unknown>) =>
  Buffer.from(JSON.stringify({ slug: "0057113e", name: "Hostile", date: "2026-11-27T00:00:00+00:00", protected: true, homeassistant: null, folders: [], addons: [], ...extra }));

/** A v3 archive header with random salts, plaintext size 0, and its one empty chunk: 153 bytes. */
function randomV3(): Uint8Array {
  const m = Buffer.alloc(153);
  m.write("SecureTar", 0, "latin1");
  m[9] = 3;
  randomBytes(104).copy(m, 32);
  return m;
}

const inner = gzipSync(writeTar([{ name: "data/a.txt", data: new TextEncoder().encode("a\n"), mtime: 1_700_000_000 }], { recordSize: 512 }));

describe("hostile files stay cheap", () => {
  it("v3 archives with a new random root salt each: at most MAX_V3_ROOT_SALTS salts are paid for, the rest is damage", async () => {
    const addons = Array.from({ length: 24 }, (_, i) => ({ slug: `addon${i}` }));
    const tar = tarOf([["./backup.json", json({ addons })], ...addons.map((a): [string, Uint8Array] => [`${a.slug}.tar.gz`, randomV3()])]);
    const roots = new Map<string, Uint8Array>();
    const r = await checkBackupKeys(bytesSource(tar), ["wrong-1", "wrong-2"], { v3RootKeys: roots });
    assert.equal(roots.size, MAX_V3_ROOT_SALTS * 2, "one Argon2id per key and paid-for salt");
    const over = r.damage.filter((d) => d.code === "too_many_key_salts");
    assert.equal(over.length, 24 - MAX_V3_ROOT_SALTS);
    assert.ok(r.members.filter((m) => m.damage?.code === "too_many_key_salts").every((m) => !m.keyChecked && m.openedBy === null));
    assert.equal(r.damaged, true);
  });

  it("archives backup.json does not list, or damaged ones, cost no Argon2id; the promised archive decides which key opens the backup", async () => {
    const root = await v3Root("right", new Uint8Array(16).fill(1), new Uint8Array(16).fill(2));
    const ha = await encryptV3(inner, root, new Uint8Array(16).fill(3));
    const cut = randomV3().subarray(0, 150); // shorter than its header says: size_mismatch
    const extras = Array.from({ length: 10 }, (_, i): [string, Uint8Array] => [`extra${i}.tar.gz`, randomV3()]);
    const tar = tarOf([["./backup.json", json({ homeassistant: { version: "2026.11.0" }, addons: [{ slug: "cut" }] })], ["homeassistant.tar.gz", ha], ["cut.tar.gz", cut], ...extras]);
    const roots = new Map<string, Uint8Array>();
    const r = await checkBackupKeys(bytesSource(tar), ["wrong", "right"], { v3RootKeys: roots });
    assert.equal(roots.size, 2, "only the promised archive's salt, for both keys");
    assert.equal(r.openedBy, 1);
    assert.deepEqual(
      r.members.filter((m) => m.keyChecked).map((m) => m.name),
      ["homeassistant.tar.gz"],
    );
    assert.ok(r.damage.some((d) => d.archive === "extra0.tar.gz" && d.code === "unexpected"));
    assert.ok(r.damage.some((d) => d.archive === "cut.tar.gz" && d.code === "size_mismatch"));
  });

  it("an extra archive under the same root context is still checked with the key already derived", async () => {
    const root = await v3Root("right", new Uint8Array(16).fill(4), new Uint8Array(16).fill(5));
    const tar = tarOf([
      ["./backup.json", json({ homeassistant: { version: "2026.11.0" } })],
      ["homeassistant.tar.gz", await encryptV3(inner, root, new Uint8Array(16).fill(6))],
      ["share.tar.gz", await encryptV3(inner, root, new Uint8Array(16).fill(7))],
    ]);
    const roots = new Map<string, Uint8Array>();
    const r = await checkBackupKeys(bytesSource(tar), ["right"], { v3RootKeys: roots });
    assert.equal(roots.size, 1);
    assert.deepEqual(
      r.members.map((m) => [m.name, m.openedBy]),
      [
        ["homeassistant.tar.gz", 0],
        ["share.tar.gz", 0],
      ],
    );
    assert.deepEqual(r.damage, [{ archive: "share.tar.gz", code: "unexpected" }]);
  });

  it("with no promised intact archive (a bare archive, no backup.json) the check still answers, salt-capped", async () => {
    const root = await v3Root("right", new Uint8Array(16).fill(8), new Uint8Array(16).fill(9));
    const member = await encryptV3(inner, root, new Uint8Array(16).fill(10));
    const bare = concat(tarHeader("homeassistant.tar.gz", member.length), padded(member), END_BLOCKS);
    const r = await checkBackupKeys(bytesSource(bare), ["right"]);
    assert.equal(r.openedBy, 0);
    assert.deepEqual(r.damage, [{ archive: null, code: "no_backup_json" }]);
  });

  it("many archives nobody promised: the damage list reads each item a bounded number of times (linear, not one search per archive)", async () => {
    const n = 20_000;
    let reads = 0;
    /** Counts every element read, however the list is walked (index, iterator, filter, find…). */
    const counted = <T extends object>(list: T[]): T[] =>
      new Proxy(list, {
        get(target, key, receiver) {
          if (typeof key === "string" && /^\d+$/.test(key)) reads++;
          return Reflect.get(target, key, receiver);
        },
      });
    const members = counted(Array.from({ length: n }, (_, i) => ({ name: `x${i}.tar.gz`, damage: { code: "unknown_format" as const } })));
    const completeness = counted([
      { archive: null, code: "backup_json_incomplete" as const },
      ...members.map((m) => ({ archive: m.name, code: "unexpected" as const })),
      { archive: "homeassistant.tar.gz", code: "missing" as const },
    ]);
    reads = 0;
    const items = orderDamage(members, completeness);
    assert.ok(reads <= 4 * (2 * n + 2), `${reads} element reads for ${n} archives`);
    assert.equal(items.length, 2 * n + 2);
    assert.deepEqual(items.slice(0, 3), [
      { archive: null, code: "backup_json_incomplete" },
      { archive: "x0.tar.gz", code: "unknown_format" },
      { archive: "x0.tar.gz", code: "unexpected" },
    ]);
    assert.deepEqual(items.at(-1), { archive: "homeassistant.tar.gz", code: "missing" });
    // The same through a whole file.
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 2000; i++) parts.push(tarHeader(`x${i}.tar.gz`, 0));
    const body = json({ protected: false });
    const r = await inspectBackup(bytesSource(concat(tarHeader("./backup.json", body.length), padded(body), ...parts, END_BLOCKS)));
    assert.equal(r.damage.length, 4000);
    assert.deepEqual(r.damage.at(-1), { archive: "x1999.tar.gz", code: "unexpected" });
  });
});
