// Extract's reader of an inner archive follows Python's tarfile (`r|`, how HA restores an inner
// archive) by the walker's and the deep check's rules: what it lists is what HA would restore.
// Each expectation was checked against tarfile; the test needs no Python.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RecoveryError } from "../../../src/recovery/errors.js";
import { readInnerTar } from "../../../src/recovery/inner-tar.js";
import { concat, END_BLOCKS, padded, tarHeader } from "../securetar/tar-builder.js";

const file = (name: string, data = "") => concat(tarHeader(name, Buffer.byteLength(data)), padded(Buffer.from(data)));

/** Fed in odd-sized pieces, as a gunzip stream hands them on. */
async function* pieces(tar: Uint8Array, size = 100): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < tar.length; at += size) yield tar.subarray(at, at + size);
}

async function list(tar: Uint8Array): Promise<{ entries: [string, string, string][]; error: string | null }> {
  const entries: [string, string, string][] = [];
  try {
    for await (const e of readInnerTar(pieces(tar))) {
      let text = "";
      for await (const piece of e.data) text += Buffer.from(piece).toString("utf8");
      entries.push([e.name, e.type, text]);
    }
    return { entries, error: null };
  } catch (err) {
    if (!(err instanceof RecoveryError)) throw err;
    return { entries, error: `${err.code}:${err.params.reason}` };
  }
}

describe("extract reads an inner archive as tarfile does", () => {
  it("a GNU long link name (K) belongs to the next member, never listed itself", async () => {
    const target = Buffer.from("very/long/target/".repeat(8));
    const tar = concat(tarHeader("././@LongLink", target.length, { type: "K" }), padded(target), tarHeader("link", 0, { type: "2" }), file("after.txt", "hi"), END_BLOCKS);
    assert.deepEqual(await list(tar), {
      entries: [
        ["link", "symlink", ""],
        ["after.txt", "file", "hi"],
      ],
      error: null,
    });
  });

  it("a directory has no data, whatever its size field says", async () => {
    const tar = concat(tarHeader("data/", 1024, { type: "5" }), file("data/a.txt", "x"), END_BLOCKS);
    assert.deepEqual(await list(tar), {
      entries: [
        ["data", "dir", ""],
        ["data/a.txt", "file", "x"],
      ],
      error: null,
    });
  });

  it("a header tarfile rejects (bad checksum) ends in damage, not in files HA would not restore", async () => {
    const bad = file("b.txt", "bbb");
    bad[0] = "B".charCodeAt(0); // the name changes, the stored checksum does not
    const tar = concat(file("a.txt", "aaa"), bad, file("c.txt", "ccc"), END_BLOCKS);
    assert.deepEqual(await list(tar), { entries: [["a.txt", "file", "aaa"]], error: "damaged:inner_archive" });
  });

  it("a tar cut inside a member's data is cut short; one ending between members is whole", async () => {
    const tar = concat(file("a.txt", "aaa"), file("b.txt", "b".repeat(2000)), END_BLOCKS);
    assert.deepEqual(await list(tar.subarray(0, 1024 + 512 + 1000)), { entries: [["a.txt", "file", "aaa"]], error: "damaged:inner_tar_incomplete" });
    assert.deepEqual((await list(tar.subarray(0, 1024))).entries, [["a.txt", "file", "aaa"]]);
  });
});
