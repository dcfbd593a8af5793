// tarfile's rules one field at a time (src/tar/tarfile-rules.ts, after CPython 3.13's
// Lib/tarfile.py: `nti`, `frombuf`, `_proc_pax`, `_proc_gnulong`, `_apply_pax_info`), and where
// the walker and the stream check end or refuse an archive, with the offset they name. Each case is
// a header HA could meet in a damaged or hand-made backup; what tarfile makes of it decides whether
// a restore would lose or misname a member.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BackupFileError } from "../../../src/common/backup-file-errors.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import { walkTar } from "../../../src/tar/reader.js";
import { TarStreamChecker, type TarStreamResult } from "../../../src/tar/stream-check.js";
import { MAX_META, parseHeader, parseNumeric, parsePaxRecords, TarfileState, type Header } from "../../../src/tar/tarfile-rules.js";
import { concat, END_BLOCKS, padded, paxRecords, tarHeader } from "./tar-builder.js";

const bytes = (...parts: (string | number[])[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...Buffer.from(p, "latin1")] : p)));
const field8 = (text: string) => {
  const f = new Uint8Array(8);
  f.set(Buffer.from(text, "latin1"));
  return f;
};
/** A header with one field rewritten and its checksum made right again. */
function withField(h: Uint8Array, at: number, value: Uint8Array | string): Uint8Array {
  const out = Uint8Array.from(h);
  out.set(typeof value === "string" ? Buffer.from(value, "latin1") : value, at);
  out.fill(0x20, 148, 156);
  const sum = out.reduce((s, b) => s + b, 0);
  out.set(Buffer.from(`${sum.toString(8).padStart(6, "0")}\0 `, "latin1"), 148);
  return out;
}
const header = (name: string, size: number, type = "0") => tarHeader(name, size, { type });
const parsed = (h: Uint8Array) => {
  const p = parseHeader(h);
  assert.equal(typeof p, "object", "a header tarfile accepts");
  return p as Header;
};

describe("numeric fields (nti)", () => {
  it("octal text with Python's whitespace stripped at either end, NUL-terminated or filling the field", () => {
    assert.equal(parseNumeric(field8("\v17")), 15);
    assert.equal(parseNumeric(field8("17\v\v")), 15);
    assert.equal(parseNumeric(field8("\x1c 17 \x1f")), 15);
    assert.equal(parseNumeric(bytes("00000017")), 15, "no NUL: the whole field");
    assert.equal(parseNumeric(field8("")), 0);
    assert.equal(parseNumeric(field8("18")), null, "8 is no octal digit");
  });

  it("base-256: 0x80 positive, 0xff negative in two's complement", () => {
    assert.equal(parseNumeric(bytes([0x80, 0, 0, 0, 0, 0, 1, 0])), 256);
    assert.equal(parseNumeric(bytes([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe])), -2);
    assert.equal(parseNumeric(bytes([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00])), -256);
    assert.equal(parseNumeric(bytes([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff])), -257);
  });
});

describe("one header (frombuf)", () => {
  it("a non-octal uid, gid, mode, mtime, devmajor or devminor: tarfile refuses the header", () => {
    for (const [at, len] of [
      [100, 8],
      [108, 8],
      [116, 8],
      [136, 12],
      [329, 8],
      [337, 8],
    ] as const) {
      assert.equal(parseHeader(withField(header("a", 0), at, "9".repeat(len - 1))), "field", `field at ${at}`);
    }
    assert.equal(parseHeader(withField(header("a", 0), 124, "99999999999")), "field", "size");
  });

  it("sparse members and negative sizes are refused", () => {
    assert.equal(parseHeader(header("a", 0, "S")), "field");
    assert.equal(parseHeader(withField(header("a", 0), 124, bytes([0xff, ...new Array(10).fill(0xff), 0xfe]))), "field");
  });

  it("links and symlinks carry no data whatever their size field; files and unknown types skip theirs; PAX headers are not members", () => {
    for (const type of ["1", "2", "3", "4", "5", "6"]) assert.equal(parsed(header("l", 100, type)).skipsData, false, type);
    for (const type of ["0", "7", "Z"]) assert.equal(parsed(header("f", 100, type)).skipsData, true, type);
    const x = parsed(header("PaxHeader", 100, "x"));
    assert.deepEqual([x.meta, x.skipsData, x.isFile], ["pax", false, false]);
  });

  it("a NUL type is a regular file, or an old v7 directory when the name ends in '/'; a directory loses its trailing slashes", () => {
    const f = parsed(header("file", 3, "\0"));
    assert.deepEqual([f.typeflag, f.isFile, f.isDir, f.name], ["\0", true, false, "file"]);
    const d = parsed(header("old/", 0, "\0"));
    assert.deepEqual([d.typeflag, d.isFile, d.isDir, d.name], ["5", false, true, "old"]);
    assert.equal(parsed(header("a/b//", 0, "5")).name, "a/b");
    assert.equal(parsed(header("a/b//", 0, "0")).name, "a/b//", "a file keeps its name");
  });
});

describe("PAX records (_proc_pax)", () => {
  const recs = (s: string | Uint8Array) => {
    const r = parsePaxRecords(typeof s === "string" ? Buffer.from(s, "latin1") : s, () => true);
    return r && Object.fromEntries(r);
  };
  it("records filling the buffer exactly, the shortest record, a 20-digit length", () => {
    assert.deepEqual(recs("11 path=ab\n"), { path: "ab" });
    assert.deepEqual(recs("5 a=\n"), { a: "" });
    const body = " path=abc\n";
    assert.deepEqual(recs(`${String(20 + body.length).padStart(20, "0")}${body}`), { path: "abc" });
  });

  it("21 digits, no space after the length, an empty key: tarfile refuses the header", () => {
    const body = " path=abc\n";
    assert.equal(recs(`${String(21 + body.length).padStart(21, "0")}${body}`), null);
    assert.equal(recs("11xpath=ab\n"), null);
    assert.equal(recs("6 =ab\n"), null);
  });
});

describe("state across headers", () => {
  const pax = (records: Record<string, string>, type = "x") => {
    const data = padded(paxRecords(records));
    return { h: parsed(header("PaxHeader", paxRecords(records).length, type)), data };
  };
  it("a global header whose size is not plain digits is refused", () => {
    const g = pax({ size: "12abc" }, "g");
    assert.equal(new TarfileState().meta(g.h, g.data), false);
    const ok = pax({ size: "12" }, "g");
    assert.equal(new TarfileState().meta(ok.h, ok.data), true);
  });

  it("PAX and global paths lose all their trailing slashes; a GNU long name on a directory loses one", () => {
    const s = new TarfileState();
    const x = pax({ path: "name//" });
    s.meta(x.h, x.data);
    assert.equal(s.member(parsed(header("short", 0)))!.name, "name");
    const g = new TarfileState();
    const gp = pax({ path: "every//" }, "g");
    g.meta(gp.h, gp.data);
    assert.equal(g.member(parsed(header("short", 0)))!.name, "every");
    const l = new TarfileState();
    const long = Buffer.from("longdir//");
    l.meta(parsed(header("././@LongLink", long.length, "L")), padded(long));
    assert.equal(l.member(parsed(header("short", 0, "5")))!.name, "longdir/");
    const lf = new TarfileState();
    lf.meta(parsed(header("././@LongLink", long.length, "L")), padded(long));
    assert.equal(lf.member(parsed(header("short", 0)))!.name, "longdir//", "a file keeps its long name");
  });
});

async function walk(tar: Uint8Array): Promise<{ names: string[]; error: string | null; params?: Record<string, string | number> }> {
  const names: string[] = [];
  try {
    for await (const e of walkTar(bytesSource(tar))) names.push(e.name);
    return { names, error: null };
  } catch (err) {
    if (!(err instanceof BackupFileError)) throw err;
    return { names, error: err.code, params: err.params };
  }
}
function stream(tar: Uint8Array, piece = 7): TarStreamResult {
  const check = new TarStreamChecker();
  for (let at = 0; at < tar.length; at += piece) check.push(tar.subarray(at, at + piece));
  return check.finish();
}
const file = (name: string, data = "") => concat(header(name, data.length), padded(Buffer.from(data)));
const paxBlock = (records: Record<string, string>, type = "x") => concat(header("PaxHeader", paxRecords(records).length, type), padded(paxRecords(records)));

describe("where the walker and the stream check end an archive", () => {
  it("at the end of the file right after a member (no end blocks): every member read, nothing lost", async () => {
    const tar = concat(file("a", "hello"), header("d", 0, "5"));
    assert.deepEqual(await walk(tar), { names: ["a", "d"], error: null });
    assert.equal(stream(tar), "ok");
    assert.equal(stream(file("a", "hello")), "ok", "ends right after a file's data");
    assert.equal(stream(concat(file("a", "hello"), new Uint8Array(100))), "ok", "a cut inside the zero end blocks loses nothing");
    assert.equal(stream(concat(file("a", "hello"), new Uint8Array(100).fill(1, 50, 51))), "incomplete", "a header cut short");
  });

  it("an empty stream, or only part of a zero block, holds no member: incomplete", () => {
    assert.equal(stream(new Uint8Array(0)), "incomplete");
    assert.equal(stream(new Uint8Array(100)), "incomplete");
  });

  it("after the end block tarfile reads nothing more, whatever follows", () => {
    assert.equal(stream(concat(file("a", "x"), new Uint8Array(512), new Uint8Array(512).fill(0x41))), "ok");
  });

  it("a PAX header waiting for its member at the end, or before a zero block: an error, at the offset where the member should be", async () => {
    const lone = concat(file("a", "x"), paxBlock({ path: "b" }));
    assert.deepEqual(await walk(lone), { names: ["a"], error: "corrupt_header", params: { offset: 2048 } });
    assert.equal(stream(lone), "incomplete");
    const zero = concat(file("a", "x"), paxBlock({ path: "b" }), END_BLOCKS);
    assert.deepEqual(await walk(zero), { names: ["a"], error: "corrupt_header", params: { offset: 2048 } });
    assert.equal(stream(zero), "invalid");
  });

  it("a PAX header whose data is cut off: truncated, at the PAX header", async () => {
    const full = paxBlock({ path: "x".repeat(600) });
    const tar = concat(file("a", "x"), full.subarray(0, 512 + 700));
    assert.deepEqual(await walk(tar), { names: ["a"], error: "truncated", params: { offset: 1024 } });
  });

  it("a header cut short: truncated at its offset; a first block cut short: not a tar, at 0", async () => {
    assert.deepEqual(await walk(concat(file("a", "x"), header("b", 0).subarray(0, 300))), { names: ["a"], error: "truncated", params: { offset: 1024 } });
    assert.deepEqual(await walk(header("b", 0).subarray(0, 300)), { names: [], error: "not_tar", params: { offset: 0 } });
  });

  it("a global size reaching past the end of the file: the member's data is cut off (walker: truncated; stream: invalid)", async () => {
    const tar = concat(paxBlock({ size: "100000" }, "g"), header("a", 0));
    assert.deepEqual(await walk(tar), { names: [], error: "truncated", params: { offset: 1024 } });
    assert.equal(stream(tar), "invalid");
  });

  it("PAX data up to the record cap is read; one byte more is refused", async () => {
    const body = " path=";
    const capped = (n: number) => {
      let len = n;
      const make = () => `${len}${body}${"p".repeat(len - String(len).length - body.length - 1)}\n`;
      len = n;
      return Buffer.from(make(), "latin1");
    };
    const ok = capped(MAX_META);
    assert.equal(ok.length, MAX_META);
    const tarOk = concat(header("PaxHeader", ok.length, "x"), padded(ok), file("a"), END_BLOCKS);
    assert.deepEqual((await walk(tarOk)).names, ["p".repeat(MAX_META - 7 - body.length - 1)]);
    assert.equal(stream(tarOk, 65536), "ok");
    const big = concat(header("PaxHeader", MAX_META + 1, "x"), padded(new Uint8Array(MAX_META + 1)), file("a"), END_BLOCKS);
    assert.equal((await walk(big)).error, "corrupt_header");
    assert.equal(stream(big, 65536), "invalid");
  });
});
