// Hand-made SecureTar v3 streams, written with libsodium (the library HA's securetar uses): our
// secretstream pull against libsodium's push beyond what HA writes (REKEY tags, hundreds of chunks,
// so the nonce counter carries into its second byte), and every damage code of the deep check.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { bytesSource } from "../../../src/common/byte-source.js";
import { V3_CHUNK, V3_HEADER } from "../../../src/securetar/detect.js";
import { CHUNK_OVERHEAD, SecretStreamPull, TAG_FINAL, TAG_MESSAGE, TAG_REKEY } from "../../../src/securetar/secretstream.js";
import { parseV3Header } from "../../../src/securetar/v3.js";
import { v3Subkey } from "../../../src/securetar/v3-crypto.js";
import { checkV3Stream } from "../../../src/securetar/v3-deep.js";
import { sodium } from "../../../src/sim/securetar-writer.js";

async function pushStream(streamKey: Uint8Array, messages: { message: Uint8Array; tag: number }[]) {
  const s = await sodium();
  const { state, header } = s.crypto_secretstream_xchacha20poly1305_init_push(streamKey);
  return { header, chunks: messages.map(({ message, tag }) => s.crypto_secretstream_xchacha20poly1305_push(state, message, null, tag)) };
}

describe("secretstream pull against libsodium's push", () => {
  it("300 chunks of every small length, two REKEY tags among them: each message and tag comes back; between them the counter carries past 255", async () => {
    const key = new Uint8Array(randomBytes(32));
    const messages = Array.from({ length: 300 }, (_, i) => ({ message: new Uint8Array(randomBytes(i % 70)), tag: i === 299 ? TAG_FINAL : i === 5 || i === 296 ? TAG_REKEY : TAG_MESSAGE }));
    const { header, chunks } = await pushStream(key, messages);
    const pull = new SecretStreamPull(key, header);
    chunks.forEach((chunk, i) => {
      const out = pull.pull(chunk);
      assert.ok(out, `chunk ${i} authenticates`);
      assert.equal(out.tag, messages[i]!.tag, `chunk ${i} tag`);
      assert.deepEqual(out.message, messages[i]!.message, `chunk ${i} message`);
    });
  });

  it("a chunk out of order, a flipped bit, a wrong key or a chunk shorter than its overhead does not authenticate", async () => {
    const key = new Uint8Array(randomBytes(32));
    const { header, chunks } = await pushStream(key, [
      { message: new Uint8Array(10), tag: TAG_MESSAGE },
      { message: new Uint8Array(10), tag: TAG_FINAL },
    ]);
    assert.equal(new SecretStreamPull(key, header).pull(chunks[1]!), null);
    const flipped = Uint8Array.from(chunks[0]!);
    flipped[3]! ^= 1;
    assert.equal(new SecretStreamPull(key, header).pull(flipped), null);
    assert.equal(new SecretStreamPull(new Uint8Array(randomBytes(32)), header).pull(chunks[0]!), null);
    assert.equal(new SecretStreamPull(key, header).pull(chunks[0]!.subarray(0, CHUNK_OVERHEAD - 1)), null);
    assert.throws(() => new SecretStreamPull(key.subarray(0, 31), header), RangeError);
    assert.throws(() => new SecretStreamPull(key, header.subarray(0, 23)), RangeError);
  });
});

describe("deep check of hand-made v3 members: every damage code", () => {
  // A member as HA lays it out: 136-byte header (the stream header at 112), then the chunks.
  async function member(messages: { message: Uint8Array; tag: number }[]) {
    const rootKey = new Uint8Array(randomBytes(32));
    const head = new Uint8Array(V3_HEADER);
    head.set(randomBytes(16), 96); // derivation salt
    const streamKey = v3Subkey(rootKey, head.subarray(96, 112));
    const { header, chunks } = await pushStream(streamKey, messages);
    head.set(header, 112);
    const bytes = new Uint8Array(V3_HEADER + chunks.reduce((n, c) => n + c.length, 0));
    bytes.set(head, 0);
    let at = V3_HEADER;
    for (const c of chunks) (bytes.set(c, at), (at += c.length));
    const plaintext = messages.reduce((n, m) => n + m.message.length, 0);
    return { bytes, rootKey, header: parseV3Header(head), plaintext };
  }
  // The member inside a larger file, at a non-zero offset, as in a backup.
  const check = (m: Awaited<ReturnType<typeof member>>, opts: { size?: number; plaintext?: number } = {}) => {
    const file = new Uint8Array([...new Uint8Array(512), ...m.bytes, ...new Uint8Array(1024)]);
    return checkV3Stream(bytesSource(file), 512, opts.size ?? m.bytes.length, opts.plaintext ?? m.plaintext, m.header, m.rootKey);
  };
  const big = () => new Uint8Array(randomBytes(V3_CHUNK));

  it("a whole stream of two full chunks and a short one passes, with its chunks and bytes counted", async () => {
    const m = await member([
      { message: big(), tag: TAG_MESSAGE },
      { message: big(), tag: TAG_MESSAGE },
      { message: new Uint8Array(5), tag: TAG_FINAL },
    ]);
    assert.deepEqual(await check(m), { damage: null, chunks: 3, plaintextBytes: 2 * V3_CHUNK + 5 });
    const seen: number[] = [];
    await checkV3Stream(bytesSource(m.bytes), 0, m.bytes.length, m.plaintext, m.header, m.rootKey, undefined, (b) => void seen.push(b.length));
    assert.deepEqual(seen, [V3_CHUNK, V3_CHUNK, 5]);
  });

  it("a member of only its header: stream_empty", async () => {
    const m = await member([{ message: new Uint8Array(3), tag: TAG_FINAL }]);
    assert.deepEqual(await check(m, { size: V3_HEADER }), { damage: "stream_empty", chunks: 0, plaintextBytes: 0 });
  });

  it("FINAL on a chunk that is not the last: final_too_early", async () => {
    const m = await member([
      { message: big(), tag: TAG_FINAL },
      { message: new Uint8Array(7), tag: TAG_FINAL },
    ]);
    assert.deepEqual(await check(m), { damage: "final_too_early", chunks: 1, plaintextBytes: V3_CHUNK });
  });

  it("no FINAL on the last chunk: no_final_tag", async () => {
    const m = await member([
      { message: big(), tag: TAG_MESSAGE },
      { message: new Uint8Array(7), tag: TAG_MESSAGE },
    ]);
    assert.deepEqual(await check(m), { damage: "no_final_tag", chunks: 2, plaintextBytes: V3_CHUNK + 7 });
  });

  it("the file ends inside the member: stream_size_mismatch after the chunks that were there", async () => {
    const m = await member([
      { message: big(), tag: TAG_MESSAGE },
      { message: new Uint8Array(7), tag: TAG_FINAL },
    ]);
    const cut = m.bytes.subarray(0, m.bytes.length - 3);
    assert.deepEqual(await checkV3Stream(bytesSource(cut), 0, m.bytes.length, m.plaintext, m.header, m.rootKey), { damage: "stream_size_mismatch", chunks: 1, plaintextBytes: V3_CHUNK });
  });

  it("a whole stream holding fewer or more bytes than the header promises: stream_size_mismatch", async () => {
    const m = await member([{ message: new Uint8Array(100), tag: TAG_FINAL }]);
    assert.deepEqual(await check(m, { plaintext: 101 }), { damage: "stream_size_mismatch", chunks: 1, plaintextBytes: 100 });
    assert.deepEqual(await check(m, { plaintext: 99 }), { damage: "stream_size_mismatch", chunks: 1, plaintextBytes: 100 });
  });

  it("a damaged chunk: stream_auth_failed, counted up to it", async () => {
    const m = await member([
      { message: big(), tag: TAG_MESSAGE },
      { message: new Uint8Array(9), tag: TAG_FINAL },
    ]);
    m.bytes[m.bytes.length - 1]! ^= 0x80;
    assert.deepEqual(await check(m), { damage: "stream_auth_failed", chunks: 1, plaintextBytes: V3_CHUNK });
  });

  it("stops when asked", async () => {
    const m = await member([{ message: new Uint8Array(9), tag: TAG_FINAL }]);
    const controller = new AbortController();
    controller.abort(new Error("stopped by user"));
    await assert.rejects(checkV3Stream(bytesSource(m.bytes), 0, m.bytes.length, m.plaintext, m.header, m.rootKey, controller.signal), /stopped by user/);
  });
});
