// Tar header details as Python's tarfile (which HA restores with) reads them: numeric fields with
// spaces or NULs, signed checksums, v7 headers, PAX records good and bad, GNU K/L records, archives
// without end blocks. Each case is something a real backup can contain or a damaged one can show.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BackupFileError } from "../../../src/common/backup-file-errors.js";
import { bytesSource, type ByteSource } from "../../../src/common/byte-source.js";
import { walkTar, type TarEntry } from "../../../src/tar/reader.js";
import { concat, END_BLOCKS, padded, paxRecords, tarHeader } from "./tar-builder.js";

interface Raw {
  name?: string | Uint8Array;
  size?: string; // the 12-byte size field as written
  type?: string;
  magic?: string | null; // null: a v7 header without magic
  prefix?: string;
  checksum?: "unsigned" | "signed" | string;
}

function rawHeader(r: Raw): Uint8Array {
  const h = Buffer.alloc(512);
  if (typeof r.name === "string" || r.name === undefined) h.write(r.name ?? "a", 0, "utf8");
  else h.set(r.name, 0);
  h.write("0000644\0", 100, "latin1");
  h.write(r.size ?? "00000000000\0", 124, "latin1");
  h.write(r.type ?? "0", 156, "latin1");
  if (r.magic !== null) h.write(r.magic ?? "ustar\u000000", 257, "latin1");
  if (r.prefix) h.write(r.prefix, 345, "latin1");
  h.fill(0x20, 148, 156);
  let unsigned = 0;
  let signed = 0;
  for (const b of h) {
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const mode = r.checksum ?? "unsigned";
  const field = mode === "unsigned" ? unsigned.toString(8).padStart(6, "0") + "\0 " : mode === "signed" ? (signed >>> 0 === signed ? signed.toString(8).padStart(6, "0") + "\0 " : "") : mode;
  h.write(field, 148, "latin1");
  return h;
}

async function entries(source: ByteSource): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  for await (const e of walkTar(source)) out.push(e);
  return out;
}
const list = (tar: Uint8Array) => entries(bytesSource(tar));
const names = async (tar: Uint8Array) => (await list(tar)).map((e) => e.name);
const fails = (tar: Uint8Array, code: string, offset?: number) =>
  assert.rejects(list(tar), (e) => e instanceof BackupFileError && e.code === code && (offset === undefined || e.params.offset === offset));

describe("numeric fields", () => {
  it("a size with leading spaces, or all NULs (0), is read like Python does", async () => {
    const spaced = await list(concat(rawHeader({ name: "a", size: "          3\0" }), padded(Buffer.from("abc")), END_BLOCKS));
    assert.equal(spaced[0]!.size, 3);
    const empty = await list(concat(rawHeader({ name: "d/", size: "\0".repeat(12), type: "5" }), END_BLOCKS));
    assert.equal(empty[0]!.size, 0);
  });

  it("a size with a space inside or a non-octal digit is a damaged header (at its offset)", async () => {
    const first = concat(rawHeader({ name: "ok" }), END_BLOCKS.subarray(0, 0));
    await fails(concat(first, rawHeader({ name: "b", size: "1 3        \0" }), END_BLOCKS), "corrupt_header", 512);
    await fails(concat(first, rawHeader({ name: "b", size: "00000000008\0" }), END_BLOCKS), "corrupt_header", 512);
  });

  it("a bad size field is damage even when a PAX record gives the size", async () => {
    const pax = paxRecords({ size: "3" });
    await fails(concat(tarHeader("p", pax.length, { type: "x" }), padded(pax), rawHeader({ name: "a", size: "zz\0" }), padded(Buffer.from("abc")), END_BLOCKS), "corrupt_header");
  });

  it("a negative PAX size is damage (at the member it would apply to)", async () => {
    const pax = paxRecords({ size: "-5" });
    await fails(concat(tarHeader("p", pax.length, { type: "x" }), padded(pax), tarHeader("a", 0), END_BLOCKS), "corrupt_header", 1024);
  });
});

describe("checksums", () => {
  it("the signed sum (old tars, bytes above 127 in a name) is accepted like the unsigned one", async () => {
    const name = Buffer.from("ünïcødé-backup.tar.gz", "utf8");
    for (const checksum of ["signed", "unsigned"] as const) {
      assert.deepEqual(await names(concat(rawHeader({ name, checksum }), END_BLOCKS)), ["ünïcødé-backup.tar.gz"], checksum);
    }
    // 0x7f is the last byte that counts the same both ways.
    const del = Buffer.concat([Buffer.from("del\x7f-", "latin1"), name]);
    assert.equal((await list(concat(rawHeader({ name: del, checksum: "signed" }), END_BLOCKS))).length, 1);
  });

  it("a checksum that is not a number, or wrong, is not a tar on the first header and damage later", async () => {
    await fails(concat(rawHeader({ checksum: "zzzzzz\0 " }), END_BLOCKS), "not_tar", 0);
    const bad = rawHeader({ name: "b" });
    bad[0] = 0x63; // "c": the stored checksum no longer matches
    await fails(concat(rawHeader({ name: "a" }), bad, END_BLOCKS), "corrupt_header", 512);
  });
});

describe("names and types", () => {
  it("a 100-character name without a NUL keeps its last character", async () => {
    const name = `${"n".repeat(96)}.tar`;
    assert.deepEqual(await names(concat(rawHeader({ name }), END_BLOCKS)), [name]);
  });

  it("a ustar prefix is joined to the name; a v7 header without one reads as its name", async () => {
    assert.deepEqual(await names(concat(rawHeader({ name: "x.tar", prefix: "dir" }), END_BLOCKS)), ["dir/x.tar"]);
    assert.deepEqual(await names(concat(rawHeader({ name: "plain.tar", magic: null }), END_BLOCKS)), ["plain.tar"]);
  });

  it("regular files (0, NUL, 7) are files, 5 is a directory, a symlink is something else", async () => {
    const tar = concat(...["0", "\0", "7", "5", "2"].map((type, i) => rawHeader({ name: `m${i}`, type })), END_BLOCKS);
    assert.deepEqual(
      (await list(tar)).map((e) => e.type),
      ["file", "file", "file", "dir", "other"],
    );
  });

  it("GNU K (long link name) records are read, not listed, and do not rename the next member", async () => {
    const link = Buffer.from(`${"t".repeat(120)}\0`);
    assert.deepEqual(await names(concat(tarHeader("././@LongLink", link.length, { type: "K" }), padded(link), tarHeader("b.tar", 0), END_BLOCKS)), ["b.tar"]);
  });

  it("GNU L and PAX records up to 1 MiB are read; a bigger one is damage", async () => {
    const MiB = 1024 * 1024;
    const name = Buffer.alloc(MiB);
    name.write("long/name.tar");
    assert.deepEqual(await names(concat(tarHeader("././@LongLink", MiB, { type: "L" }), name, tarHeader("short", 0), END_BLOCKS)), ["long/name.tar"]);
    const tooBig = Buffer.alloc(MiB + 512);
    await fails(concat(tarHeader("././@LongLink", MiB + 1, { type: "L" }), tooBig, tarHeader("short", 0), END_BLOCKS), "corrupt_header", 0);
  });
});

describe("PAX records", () => {
  const withPax = (data: string | Uint8Array, type = "x") => {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    return concat(tarHeader("PaxHeader", bytes.length, { type }), padded(bytes), tarHeader("real.tar", 0), END_BLOCKS);
  };

  it("malformed records are refused, as Python's tarfile (3.12+) does: zero or overlong lengths, no '=', an empty key", async () => {
    // tarfile raises "invalid header" on these and, past the first member, silently ends the archive
    // there: HA's restore would lose everything after it, so the file is not whole.
    for (const bad of ["0 path=evil\n", "99 path=evil\n", "8 pathx\n", "12 =evil.tar\n", "path=evil\n"]) {
      await fails(withPax(bad), "corrupt_header");
    }
  });

  it("a good record after a bad one's end is still read; records apply to the next member only", async () => {
    const good = paxRecords({ comment: "x", path: "from-pax.tar" });
    const tar = concat(tarHeader("PaxHeader", good.length, { type: "x" }), padded(good), tarHeader("real.tar", 0), tarHeader("next.tar", 0), END_BLOCKS);
    assert.deepEqual(await names(tar), ["from-pax.tar", "next.tar"]);
  });

  it("global records add up and apply to every later member's size, but not to where the next header is", async () => {
    // tarfile finds the next header by a member's own size field; a global size only changes what
    // it reads as the member's data (checked against CPython 3.13's tarfile).
    const g1 = paxRecords({ size: "3" });
    const g2 = paxRecords({ comment: "second global header" });
    const globals = concat(tarHeader("g1", g1.length, { type: "g" }), padded(g1), tarHeader("g2", g2.length, { type: "g" }), padded(g2));
    const sized = concat(globals, tarHeader("a.tar", 3), padded(Buffer.from("abc")), tarHeader("b.tar", 3), padded(Buffer.from("def")), END_BLOCKS);
    assert.deepEqual(
      (await list(sized)).map((e) => [e.name, e.size]),
      [
        ["a.tar", 3],
        ["b.tar", 3],
      ],
    );
    // With size fields of 0, tarfile looks for b.tar's header where a.tar's data is: it lists a.tar
    // alone and loses b.tar. That is damage.
    const zeroSized = concat(globals, tarHeader("a.tar", 0), padded(Buffer.from("abc")), tarHeader("b.tar", 0), padded(Buffer.from("def")), END_BLOCKS);
    await fails(zeroSized, "corrupt_header", 2560);
  });
});

describe("where an archive ends", () => {
  it("without end blocks: a last header with no data, or data up to the last byte, still counts", async () => {
    assert.deepEqual(await names(concat(tarHeader("a.tar", 3), padded(Buffer.from("abc")), tarHeader("empty.tar", 0))), ["a.tar", "empty.tar"]);
    assert.deepEqual(await names(concat(tarHeader("a.tar", 512), new Uint8Array(512))), ["a.tar"]);
  });

  it("data cut short reports where the member starts", async () => {
    await fails(concat(tarHeader("a.tar", 0), tarHeader("b.tar", 2000), new Uint8Array(512)), "truncated", 512);
    // Cut inside what would be the end blocks: Python reads this as a whole archive, and so do we.
    assert.deepEqual(await names(concat(tarHeader("a.tar", 0), new Uint8Array(100))), ["a.tar"]);
  });
});
