// What an inner archive is, from its first bytes: the verdict decides whether a key is tried at all
// and whether the backup is called damaged.
import assert from "node:assert/strict";
import { it } from "node:test";
import { detectMember, expectedMemberSize, V2_HEADER, V3_HEADER } from "../../../src/securetar/detect.js";

function secureTarHead(version: number, plaintextSize: number, length = 512): Uint8Array {
  const h = new Uint8Array(length);
  h.set(Buffer.from("SecureTar", "latin1"), 0);
  h[9] = version;
  const view = new DataView(h.buffer);
  view.setUint32(16, Math.floor(plaintextSize / 2 ** 32));
  view.setUint32(20, plaintextSize >>> 0);
  return h;
}

it("v2 and v3 headers: format, plaintext size (64-bit), and whether the member has the size the header promises", () => {
  const size = 5 * 2 ** 32 + 1234; // beyond 32 bits
  for (const [version, format] of [
    [2, "v2"],
    [3, "v3"],
  ] as const) {
    const expected = expectedMemberSize(format, size);
    assert.deepEqual(detectMember(secureTarHead(version, size), expected), { format, plaintextSize: size, sizeMismatch: false });
    assert.deepEqual(detectMember(secureTarHead(version, size), expected - 1), { format, plaintextSize: size, sizeMismatch: true });
  }
});

it("expected sizes: v2 pads to the next 16 bytes (a full block when aligned); v3 adds 17 bytes per started MiB, at least one", () => {
  assert.equal(expectedMemberSize("v2", 0), V2_HEADER + 16);
  assert.equal(expectedMemberSize("v2", 15), V2_HEADER + 16);
  assert.equal(expectedMemberSize("v2", 16), V2_HEADER + 32);
  assert.equal(expectedMemberSize("v3", 0), V3_HEADER + 17);
  assert.equal(expectedMemberSize("v3", 1024 * 1024), V3_HEADER + 1024 * 1024 + 17);
  assert.equal(expectedMemberSize("v3", 1024 * 1024 + 1), V3_HEADER + 1024 * 1024 + 1 + 34);
});

it("a header cut before its end is that format, and damaged", () => {
  assert.deepEqual(detectMember(secureTarHead(2, 10, V2_HEADER - 1), 100), { format: "v2", sizeMismatch: true });
  assert.deepEqual(detectMember(secureTarHead(3, 10, V3_HEADER - 1), 100), { format: "v3", sizeMismatch: true });
  assert.equal(detectMember(secureTarHead(2, 0, V2_HEADER), expectedMemberSize("v2", 0)).sizeMismatch, false, "exactly the header is enough");
});

it("the magic with another version or non-zero reserved bytes is unknown, not a guess", () => {
  assert.deepEqual(detectMember(secureTarHead(1, 10), 1000), { format: "unknown" });
  assert.deepEqual(detectMember(secureTarHead(4, 10), 1000), { format: "unknown" });
  for (const at of [10, 15]) {
    const h = secureTarHead(2, 10);
    h[at] = 1;
    assert.deepEqual(detectMember(h, 1000), { format: "unknown" }, `reserved byte ${at}`);
  }
  const almost = secureTarHead(2, 10);
  almost[8] = 0x73; // "SecureTas"
  assert.notEqual(detectMember(almost, 1000).format, "v2");
  assert.notEqual(detectMember(secureTarHead(2, 10).subarray(0, 15), 1000).format, "v2", "too short to be a header");
});

it("plaintext gzip and tar; otherwise v1 only when the size fits a salt plus AES blocks", () => {
  const gz = new Uint8Array(64);
  gz.set([0x1f, 0x8b, 0x08]);
  assert.deepEqual(detectMember(gz, 64), { format: "plain-gzip" });
  const notGz = new Uint8Array(64);
  notGz.set([0x1f, 0x8b, 0x00]);
  assert.notEqual(detectMember(notGz, 63).format, "plain-gzip");
  assert.notEqual(detectMember(Uint8Array.from([0x1f, 0x00, 0x08]), 63).format, "plain-gzip");
  assert.notEqual(detectMember(Uint8Array.from([0x00, 0x8b, 0x08]), 63).format, "plain-gzip");
  const tar = new Uint8Array(512);
  tar.set(Buffer.from("ustar", "latin1"), 257);
  assert.deepEqual(detectMember(tar, 1025), { format: "plain-tar" });
  assert.deepEqual(detectMember(tar.subarray(0, 261), 1025), { format: "unknown" }, "too short to see the magic");
  const random = new Uint8Array(512).fill(0x42);
  assert.deepEqual(detectMember(random, 32), { format: "v1" });
  assert.deepEqual(detectMember(random, 4096), { format: "v1" });
  assert.deepEqual(detectMember(random, 16), { format: "unknown" }, "a salt alone holds no data");
  assert.deepEqual(detectMember(random, 4097), { format: "unknown" });
});
