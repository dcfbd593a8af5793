// Tars that Python's tarfile (HA restores with it) reads differently from a naive walker: PAX and
// GNU data padded to blocks, global sizes that do not move the next header, directories and links
// without data, long runs of PAX headers. Every expectation here was checked against CPython
// 3.13.0's tarfile (`tarfile.open(…, "r:")` for the outer walk, `"r|"` for the inner stream);
// the tests themselves need no Python. The walker (outer tar) and the stream check (inner tar)
// share these rules and must agree.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BackupFileError } from "../../../src/common/backup-file-errors.js";
import { bytesSource } from "../../../src/common/byte-source.js";
import { walkTar } from "../../../src/tar/reader.js";
import { TarStreamChecker, type TarStreamResult } from "../../../src/tar/stream-check.js";
import { MAX_META_RUN } from "../../../src/tar/tarfile-rules.js";
import { concat, END_BLOCKS, padded, paxRecords, tarHeader } from "./tar-builder.js";

const END = END_BLOCKS;

async function walk(tar: Uint8Array): Promise<{ entries: [string, number][]; error: string | null; offset?: number }> {
  const entries: [string, number][] = [];
  try {
    for await (const e of walkTar(bytesSource(tar))) entries.push([e.name, e.size]);
    return { entries, error: null };
  } catch (err) {
    if (!(err instanceof BackupFileError)) throw err;
    return { entries, error: err.code, offset: err.params.offset as number };
  }
}

/** The stream check fed in odd-sized pieces, so every boundary falls inside a block somewhere. */
function stream(tar: Uint8Array, piece = 7): TarStreamResult {
  const check = new TarStreamChecker();
  for (let at = 0; at < tar.length; at += piece) check.push(tar.subarray(at, at + piece));
  return check.finish();
}

const pax = (records: Record<string, string>, type = "x") => {
  const r = paxRecords(records);
  return concat(tarHeader("PaxHeader", r.length, { type }), padded(r));
};
/** A PAX header whose padding (after its `size` bytes) holds `extra`. */
const paxWithPadding = (records: Record<string, string>, extra: Uint8Array) => {
  const r = paxRecords(records);
  const block = padded(r);
  block.set(extra, r.length);
  return concat(tarHeader("PaxHeader", r.length, { type: "x" }), block);
};
const longName = (name: string, padding = new Uint8Array(0)) => {
  const data = Buffer.from(name);
  const block = padded(data);
  block.set(padding, data.length);
  return concat(tarHeader("././@LongLink", data.length, { type: "L" }), block);
};
const file = (name: string, data: string | Uint8Array = new Uint8Array(0), sizeField?: number) => {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  return concat(tarHeader(name, sizeField ?? bytes.length), padded(bytes));
};
const noise = (n: number) => new Uint8Array(n).fill(0x07);

describe("PAX and GNU data are read padded to whole blocks", () => {
  it("garbage in a PAX header's padding makes tarfile refuse it: the member after it is lost", async () => {
    const tar = concat(file("./backup.json", "{}"), paxWithPadding({ path: "a.tar.gz" }, Buffer.from("junk!")), file("real.tar.gz"), file("next.tar.gz"), END);
    assert.deepEqual(await walk(tar), { entries: [["./backup.json", 2]], error: "corrupt_header", offset: 1024 });
    assert.equal(stream(tar), "invalid");
  });

  it("a record in the padding is applied, as tarfile does", async () => {
    const tar = concat(paxWithPadding({ path: "a.tar.gz" }, paxRecords({ path: "evil.tar.gz" })), file("real.tar.gz"), file("next.tar.gz"), END);
    assert.deepEqual(
      (await walk(tar)).entries.map(([n]) => n),
      ["evil.tar.gz", "next.tar.gz"],
    );
    assert.equal(stream(tar), "ok");
  });

  it("a GNU long name runs on into non-NUL padding", async () => {
    const tar = concat(longName("long.tar.gz", Buffer.from("xyz")), file("short"), END);
    assert.deepEqual(
      (await walk(tar)).entries.map(([n]) => n),
      ["long.tar.gzxyz"],
    );
  });
});

describe("global sizes change a member's data, not where the next header is", () => {
  it("g(size=521), ./backup.json with size field 0, then x(size=256) and ssl.tar.gz: tarfile lists only ./backup.json", async () => {
    const json = Buffer.from(`{"slug":"abc12345",${" ".repeat(521 - 20)}}`);
    assert.equal(json.length, 521);
    const tar = concat(pax({ size: "521" }, "g"), file("./backup.json", json, 0), pax({ size: "256" }), file("ssl.tar.gz", noise(256), 0), END);
    // tarfile reads backup.json's 521 bytes, then looks for the next header at its data.
    assert.deepEqual(await walk(tar), { entries: [["./backup.json", 521]], error: "corrupt_header", offset: 1536 });
    assert.equal(stream(tar), "invalid");
  });

  it("an x header starts from the globals: a global size there does move the next header", async () => {
    const tar = concat(pax({ size: "3" }, "g"), pax({ comment: "c" }), file("a.tar", "abc", 0), file("b.tar", "def"), END);
    assert.deepEqual(await walk(tar), {
      entries: [
        ["a.tar", 3],
        ["b.tar", 3],
      ],
      error: null,
    });
    // Without an x header the member's own field moves on: 0 puts the next header at "def".
    const without = concat(pax({ size: "3" }, "g"), pax({ comment: "c" }), file("a.tar", "abc", 0), file("b.tar", "def", 0), file("c.tar"), END);
    assert.deepEqual(await walk(without), {
      entries: [
        ["a.tar", 3],
        ["b.tar", 3],
      ],
      error: "corrupt_header",
      offset: 3584,
    });
  });

  it("a global path names every later member", async () => {
    const tar = concat(pax({ path: "G.tar.gz" }, "g"), file("a.tar.gz"), file("b.tar.gz"), END);
    assert.deepEqual(
      (await walk(tar)).entries.map(([n]) => n),
      ["G.tar.gz", "G.tar.gz"],
    );
  });

  it("inside an archive (read as a stream, which cannot seek back) a global size beyond the header's own fails", () => {
    assert.equal(stream(concat(pax({ size: "3" }, "g"), file("a.tar", "abc"), END)), "ok");
    assert.equal(stream(concat(pax({ size: "600" }, "g"), file("a.tar", "abc"), END)), "invalid");
  });
});

describe("only regular files and unknown types have data", () => {
  it("a directory with a size field: tarfile reads the next header where its 'data' is", async () => {
    const dir = tarHeader("d/", 1024, { type: "5" });
    const withData = concat(dir, noise(1024), file("a.tar.gz"), END);
    assert.deepEqual(await walk(withData), { entries: [["d", 1024]], error: "corrupt_header", offset: 512 });
    assert.equal(stream(withData), "invalid");
    // Zeros there are the end of the archive: a.tar.gz is gone, as in tarfile.
    assert.deepEqual(await walk(concat(dir, new Uint8Array(1024), file("a.tar.gz"), END)), { entries: [["d", 1024]], error: null });
  });

  it("links and old v7 directories (type NUL, name ending in /) have no data; unknown types do", async () => {
    for (const [type, name] of [
      ["2", "link"],
      ["1", "hard"],
      ["6", "fifo"],
      ["\0", "v7dir/"],
    ]) {
      const tar = concat(tarHeader(name!, 512, { type }), noise(512), file("a.tar.gz"), END);
      assert.equal((await walk(tar)).error, "corrupt_header", `type ${JSON.stringify(type)}`);
    }
    assert.deepEqual((await walk(concat(tarHeader("u", 512, { type: "A" }), noise(512), file("a.tar.gz"), END))).entries, [
      ["u", 512],
      ["a.tar.gz", 0],
    ]);
  });
});

describe("runs of PAX/GNU headers", () => {
  it(`more than ${MAX_META_RUN} in a row are refused (tarfile recurses once per header and fails near 330)`, async () => {
    const run = (n: number, unit: Uint8Array) => concat(...Array.from({ length: n }, () => unit), file("a.tar.gz"), END);
    for (const unit of [pax({ comment: "c" }), pax({ comment: "c" }, "g"), longName("long.tar.gz")]) {
      assert.equal((await walk(run(MAX_META_RUN, unit))).error, null);
      assert.equal(stream(run(MAX_META_RUN, unit)), "ok");
      assert.equal((await walk(run(MAX_META_RUN + 1, unit))).error, "corrupt_header");
      assert.equal((await walk(run(400, unit))).error, "corrupt_header");
      assert.equal(stream(run(400, unit)), "invalid");
    }
  });

  it("the outermost header wins: x(path) before x(path) or L; L before x(path)", async () => {
    const names = async (tar: Uint8Array) => (await walk(concat(tar, file("real.tar.gz"), END))).entries.map(([n]) => n);
    assert.deepEqual(await names(concat(pax({ path: "outer.tar.gz" }), pax({ path: "inner.tar.gz" }))), ["outer.tar.gz"]);
    assert.deepEqual(await names(concat(pax({ path: "outer.tar.gz" }), longName("long.tar.gz"))), ["outer.tar.gz"]);
    assert.deepEqual(await names(concat(longName("long.tar.gz"), pax({ path: "outer.tar.gz" }))), ["long.tar.gz"]);
    assert.deepEqual(await names(concat(pax({ path: "G.tar.gz" }, "g"), pax({ comment: "c" }), longName("long.tar.gz"))), ["G.tar.gz"]);
    assert.deepEqual(await names(pax({ path: "a.tar.gz" }, "X")), ["a.tar.gz"], "Solaris X is a PAX header");
  });

  it("a pending PAX size applies to the member, never to a following PAX header (walker and stream check alike)", async () => {
    const tar = concat(pax({ size: "1024" }), pax({ path: "p.tar" }), tarHeader("m", 0), noise(1024), END);
    assert.deepEqual(await walk(tar), { entries: [["p.tar", 1024]], error: null });
    assert.equal(stream(tar), "ok");
    const sizes = concat(pax({ size: "3" }), pax({ size: "700" }), file("a.tar", "abc", 0), file("b.tar"), END);
    assert.deepEqual((await walk(sizes)).entries, [
      ["a.tar", 3],
      ["b.tar", 0],
    ]);
    assert.equal(stream(sizes), "ok");
  });
});

describe("other things tarfile does", () => {
  it("the last member's data cut inside its padding: tarfile fails ('unexpected end of data')", async () => {
    const tar = concat(file("a.tar"), tarHeader("b.tar", 3), Buffer.from("abc"));
    assert.equal((await walk(tar)).error, "truncated");
    assert.equal(stream(tar), "incomplete");
  });

  it("the prefix field is joined even without ustar magic", async () => {
    const h = Buffer.from(tarHeader("a.tar.gz", 0, { prefix: "pre" }));
    h.fill(0, 257, 265);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    assert.deepEqual((await walk(concat(h, END))).entries, [["pre/a.tar.gz", 0]]);
  });

  it("GNU sparse members and records are refused", async () => {
    assert.equal((await walk(concat(file("./backup.json", "{}"), tarHeader("s", 0, { type: "S" }), END))).error, "corrupt_header");
    assert.equal((await walk(concat(pax({ "GNU.sparse.size": "10" }), file("a.tar.gz"), END))).error, "corrupt_header");
    assert.equal(stream(concat(pax({ "GNU.sparse.map": "0,10" }), file("a.tar"), END)), "invalid");
  });

  it("the walker and the stream check agree on every case above that ends with end blocks", async () => {
    const cases: Uint8Array[] = [
      concat(paxWithPadding({ path: "a" }, Buffer.from("zz")), file("b"), END),
      concat(pax({ size: "3" }, "g"), pax({ comment: "c" }), file("a", "abc", 0), file("b", "def", 0), END),
      concat(tarHeader("d/", 1024, { type: "5" }), noise(1024), file("a"), END),
      concat(tarHeader("u", 512, { type: "A" }), noise(512), file("a"), END),
      concat(pax({ size: "1024" }), pax({ path: "p" }), tarHeader("m", 0), noise(1024), END),
      concat(pax({ size: "5" }), file("m", "abcde", 0), END),
      concat(pax({ size: "x5" }), file("m", "abcde", 0), END),
      concat(longName("n", Buffer.from("q")), file("m"), END),
    ];
    for (const [i, tar] of cases.entries()) {
      const walked = (await walk(tar)).error === null;
      assert.equal(stream(tar) === "ok", walked, `case ${i}`);
    }
  });
});
