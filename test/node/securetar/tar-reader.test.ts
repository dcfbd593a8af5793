// The tar walker on hand-made archives: ustar prefix + name, PAX `x` path/size (a member beyond
// 8 GiB), PAX `g`, GNU `L` long names, GNU base-256 sizes; and how it fails on bad input.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BackupFileError } from "../../../src/common/backup-file-errors.js";
import { inspectBackup } from "../../../src/backup-file/inspect.js";
import { bytesSource, countingSource, type ByteSource } from "../../../src/common/byte-source.js";
import { walkTar, type TarEntry } from "../../../src/tar/reader.js";
import { concat, END_BLOCKS, padded, paxRecords, tarHeader } from "./tar-builder.js";

/** A source of `size` zero bytes except the given parts: a huge archive without the memory. */
function sparseSource(size: number, parts: [number, Uint8Array][]): ByteSource {
  return {
    size,
    name: "sparse.tar",
    async read(offset, length) {
      const end = Math.min(size, offset + length);
      const out = new Uint8Array(Math.max(0, end - offset));
      for (const [at, bytes] of parts) {
        const from = Math.max(at, offset);
        const to = Math.min(at + bytes.length, end);
        if (from < to) out.set(bytes.subarray(from - at, to - at), from - offset);
      }
      return out;
    },
  };
}

async function entries(source: ByteSource): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  for await (const e of walkTar(source)) out.push(e);
  return out;
}

const END = END_BLOCKS;
const header = tarHeader;

describe("tar walker", () => {
  it("joins the ustar prefix and name; reports offsets and sizes", async () => {
    const tar = concat(header("backup.json", 3, { prefix: "." }), padded(Buffer.from("{}\n")), header("homeassistant.tar.gz", 600), new Uint8Array(1024), END);
    const list = await entries(bytesSource(tar));
    assert.deepEqual(
      list.map((e) => [e.name, e.size, e.dataOffset]),
      [
        ["./backup.json", 3, 512],
        ["homeassistant.tar.gz", 600, 1536],
      ],
    );
  });

  it("PAX path= and size= describe a 10 GiB member, and the walk skips it by reading headers only", async () => {
    const big = 10 * 1024 ** 3 + 7;
    const pax = paxRecords({ path: `./${"long-directory-name/".repeat(8)}homeassistant.tar.gz`, size: String(big) });
    const head = concat(header("./PaxHeaders/x", pax.length, { type: "x" }), padded(pax), header("./homeassistant.tar.gz", big));
    const after = 512 + Math.ceil(pax.length / 512) * 512 + 512 + Math.ceil(big / 512) * 512;
    const json = Buffer.from('{"slug":"abc12345","name":"Big","protected":false}');
    const tail = concat(header("./backup.json", json.length), padded(json), END);
    const source = countingSource(
      sparseSource(after + tail.length, [
        [0, head],
        [after, tail],
      ]),
    );
    const list = await entries(source);
    assert.equal(list[0]!.name, `./${"long-directory-name/".repeat(8)}homeassistant.tar.gz`);
    assert.equal(list[0]!.size, big);
    assert.equal(list[1]!.name, "./backup.json");
    assert.ok(source.bytesRead < 8192, `read ${source.bytesRead} bytes of a 10 GiB archive`);
  });

  it("GNU base-256 sizes and GNU L long names", async () => {
    const longName = `./${"x".repeat(150)}.tar.gz`;
    const name = Buffer.from(`${longName}\0`);
    const tar = concat(header("././@LongLink", name.length, { type: "L" }), padded(name), header("truncated-name", 700, { base256: true }), new Uint8Array(1024), END);
    const [e] = await entries(bytesSource(tar));
    assert.equal(e!.name, longName);
    assert.equal(e!.size, 700);
  });

  it("PAX g global headers are read, not listed", async () => {
    const g = paxRecords({ comment: "made by hand" });
    const tar = concat(header("pax_global_header", g.length, { type: "g" }), padded(g), header("a.tar", 0), END);
    assert.deepEqual(
      (await entries(bytesSource(tar))).map((e) => e.name),
      ["a.tar"],
    );
  });

  for (const [what, make, code] of [
    ["an empty source", () => new Uint8Array(0), "empty"],
    ["less than one header", () => new Uint8Array(100).fill(7), "not_tar"],
    [
      "a bad checksum on the first header",
      () => {
        const h = header("a", 0);
        h[0] = 0x62;
        return concat(h, END);
      },
      "not_tar",
    ],
    ["data running past the end", () => concat(header("a.tar.gz", 5000), new Uint8Array(512)), "truncated"],
    ["a base-256 size of 2^50 (1 PiB)", () => concat(header("a.tar.gz", 2 ** 50, { base256: true }), END), "truncated"],
    ["a base-256 size beyond 2^53", () => concat(header("a.tar.gz", 2 ** 60, { base256: true }), END), "corrupt_header"],
    [
      "a non-octal size field",
      () => {
        const h = header("a", 0);
        h.set(Buffer.from("99999999999\0"), 124);
        h.fill(0x20, 148, 156);
        let s = 0;
        for (const b of h) s += b;
        h.set(Buffer.from(s.toString(8).padStart(6, "0") + "\0 "), 148);
        return concat(h, END);
      },
      "corrupt_header",
    ],
    [
      "a PAX size that is not a number",
      () => {
        const p = paxRecords({ size: "lots" });
        return concat(header("p", p.length, { type: "x" }), padded(p), header("a", 0), END);
      },
      "corrupt_header",
    ],
    ["a header cut off mid-block", () => concat(header("a", 0), header("b", 0).subarray(0, 100)), "truncated"],
  ] as [string, () => Uint8Array, string][]) {
    it(`${what} → ${code}`, async () => {
      await assert.rejects(entries(bytesSource(make())), (e) => e instanceof BackupFileError && e.code === code);
    });
  }

  it("a tar with neither backup.json nor inner archives is not a backup", async () => {
    const tar = concat(header("notes.txt", 3), padded(Buffer.from("hi\n")), END);
    await assert.rejects(inspectBackup(bytesSource(tar)), (e) => e instanceof BackupFileError && e.code === "no_backup_json");
  });

  it("backup.json that is not JSON, or is too big, is a typed error", async () => {
    const bad = Buffer.from("{not json");
    await assert.rejects(inspectBackup(bytesSource(concat(header("./backup.json", bad.length), padded(bad), END))), (e) => e instanceof BackupFileError && e.code === "bad_backup_json");
    const hugeSize = 2 * 1024 * 1024;
    const hugeTar = sparseSource(512 + hugeSize + 1024, [[0, header("./backup.json", hugeSize)]]);
    await assert.rejects(inspectBackup(hugeTar), (e) => e instanceof BackupFileError && e.code === "bad_backup_json");
  });

  it("finds the legacy ./snapshot.json", async () => {
    const json = Buffer.from('{"slug":"0ld5nap","name":"Old","protected":false}');
    const plain = Buffer.alloc(64);
    plain.set([0x1f, 0x8b, 0x08]);
    const r = await inspectBackup(bytesSource(concat(header("./snapshot.json", json.length), padded(json), header("./homeassistant.tar.gz", 64), padded(plain), END)));
    assert.equal(r.backupId, "0ld5nap");
    assert.equal(r.format, "none");
  });
});

/** Rewrites one header field and fixes the checksum, as a hostile or broken writer would. */
function withField(h: Uint8Array, offset: number, bytes: number[] | string): Uint8Array {
  const out = Buffer.from(h);
  if (typeof bytes === "string") out.write(bytes, offset, "latin1");
  else out.set(bytes, offset);
  out.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of out) sum += b;
  out.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
  return out;
}

describe("tar walker: fields Python's tarfile rejects are never passed", () => {
  const member = (h: Uint8Array) => concat(header("./backup.json", 2), padded(Buffer.from("{}")), h, new Uint8Array(512), END);
  for (const [what, make] of [
    ["a non-octal mode", () => member(withField(header("a.tar.gz", 10), 100, "0009644\0"))],
    ["a non-octal uid", () => member(withField(header("a.tar.gz", 10), 108, "abc\0"))],
    ["a non-octal mtime", () => member(withField(header("a.tar.gz", 10), 136, "1e10\0"))],
    ["a size with a base-256 prefix other than 0x80/0xff", () => member(withField(header("a.tar.gz", 10), 124, [0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10]))],
    ["a negative base-256 size", () => member(withField(header("a.tar.gz", 10), 124, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf6]))],
    [
      "a PAX record whose length is wrong",
      () => {
        const p = Buffer.from("99 path=a.tar.gz\n");
        return concat(header("p", p.length, { type: "x" }), padded(p), header("a.tar.gz", 0), END);
      },
    ],
    [
      "a PAX record without its newline",
      () => {
        const p = Buffer.from("16 path=a.tar.gz");
        return concat(header("p", p.length, { type: "x" }), padded(p), header("a.tar.gz", 0), END);
      },
    ],
    [
      "a PAX record without '='",
      () => {
        const p = Buffer.from("16 pathxa.tar.gz\n");
        return concat(header("p", p.length, { type: "x" }), padded(p), header("a.tar.gz", 0), END);
      },
    ],
    [
      "a PAX size written in hex",
      () => {
        const p = paxRecords({ size: "0x10" });
        return concat(header("p", p.length, { type: "x" }), padded(p), header("a", 0), END);
      },
    ],
    [
      "an empty PAX size",
      () => {
        const p = paxRecords({ size: "" });
        return concat(header("p", p.length, { type: "x" }), padded(p), header("a", 0), END);
      },
    ],
    [
      "a PAX header with no member after it",
      () => {
        const p = paxRecords({ path: "a.tar.gz" });
        return concat(header("./backup.json", 2), padded(Buffer.from("{}")), header("p", p.length, { type: "x" }), padded(p), END);
      },
    ],
  ] as [string, () => Uint8Array][]) {
    it(`${what} → corrupt_header`, async () => {
      await assert.rejects(entries(bytesSource(make())), (e) => e instanceof BackupFileError && e.code === "corrupt_header");
    });
  }

  it("a file cut anywhere inside its final zero blocks still lists every member (Python reads it)", async () => {
    const json = Buffer.from('{"slug":"abc12345"}');
    const whole = concat(header("./backup.json", json.length), padded(json), header("a.tar.gz", 700), new Uint8Array(1024), END, new Uint8Array(2048));
    const lastData = 512 + 512 + 512 + 700;
    const paddedEnd = 512 + 512 + 512 + 1024;
    for (let cut = paddedEnd; cut <= whole.length; cut += 37) {
      const list = await entries(bytesSource(whole.subarray(0, cut)));
      assert.deepEqual(
        list.map((e) => e.name),
        ["./backup.json", "a.tar.gz"],
        `cut at ${cut}`,
      );
    }
    // Cut inside the last member's data, or inside its padding: tarfile seeks to the byte before
    // the next header and fails ("unexpected end of data"), so HA's restore fails too.
    for (const cut of [lastData - 1, lastData, paddedEnd - 1]) {
      await assert.rejects(entries(bytesSource(whole.subarray(0, cut))), (e) => e instanceof BackupFileError && e.code === "truncated", `cut at ${cut}`);
    }
    // A non-zero partial block at the end is a cut-off header, not padding.
    const cutHeader = concat(whole.subarray(0, 2560), header("b.tar.gz", 10).subarray(0, 300));
    await assert.rejects(entries(bytesSource(cutHeader)), (e) => e instanceof BackupFileError && e.code === "truncated");
  });
});

describe("tar walker: linear in the input, bounded memory", () => {
  it("thousands of global PAX headers with distinct keys: at most two attributes held, each record byte parsed once", async () => {
    // Each `g` header adds a new attribute; a walker that keeps (and copies) the accumulated set
    // per header does O(n²) work. The counters are read off the walker's own attribute store and
    // parser, so keeping every attribute (as tarfile itself does) or re-parsing makes this fail.
    // Each `g` is followed by a member: tarfile recurses on consecutive PAX headers (see below).
    const parts: Uint8Array[] = [];
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const g = paxRecords({ [`comment${i}`]: "x".repeat(100), ...(i % 1000 === 0 ? { size: "0" } : {}) });
      parts.push(header("pax_global_header", g.length, { type: "g" }), padded(g), header(`f${i}`, 0));
    }
    const json = Buffer.from("{}");
    parts.push(header("./backup.json", json.length), padded(json), END);
    const tar = concat(...parts);
    const stats = { headers: 0, maxGlobalAttributes: 0, metaBytes: 0 };
    const names: string[] = [];
    for await (const e of walkTar(bytesSource(tar), { stats })) names.push(e.name);
    assert.equal(names.length, n + 1);
    assert.equal(names.at(-1), "./backup.json");
    assert.equal(stats.headers, 2 * n + 1);
    assert.equal(stats.maxGlobalAttributes, 1, "only the global size is held");
    assert.equal(stats.metaBytes, n * 512, "each PAX block parsed once");
  });

  it("a global PAX header larger than the cap is refused, not buffered", async () => {
    const big = paxRecords({ comment: "y".repeat(2 * 1024 * 1024) });
    const tar = concat(header("pax_global_header", big.length, { type: "g" }), padded(big), END);
    const source = countingSource(bytesSource(tar));
    await assert.rejects(entries(source), (e) => e instanceof BackupFileError && e.code === "corrupt_header");
    assert.ok(source.bytesRead < 4096, `read ${source.bytesRead} bytes`);
  });
});
