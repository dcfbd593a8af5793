// The browser's crypto port (WebCrypto AES-CBC in chunks with the extra-block trick, @noble
// ChaCha20/Poly1305) must give the same bytes as the CLI's node:crypto port: both decrypt what the
// other encrypted, and the v3 stream matches libsodium (the simulated HA's writer).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { bytesSource } from "../../../src/common/byte-source.js";
import { passwordToAesKeySync, type CryptoPort } from "../../../src/recovery/crypto-port.js";
import { encryptMember, v3RootContext } from "../../../src/recovery/member-encrypt.js";
import { openMember, type MemberKey } from "../../../src/recovery/member-decrypt.js";
import { nodeCryptoPort } from "../../../src/recovery/node-crypto-port.js";
import { webCryptoPort } from "../../../src/recovery/web-crypto-port.js";
import { decryptMember, encryptV3, v3Root } from "../../../src/sim/securetar-writer.js";

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

const ports: [string, CryptoPort][] = [
  ["node:crypto", nodeCryptoPort],
  ["WebCrypto/noble", webCryptoPort],
];

describe("crypto ports agree", () => {
  it("password_to_key known answers (synchronous SHA-256×100)", () => {
    for (const [, port] of ports) {
      assert.equal(Buffer.from(passwordToAesKeySync(port, "test")).toString("hex"), "f09bb91fdc2cffd578d6d68f7a192e0f");
      assert.equal(Buffer.from(passwordToAesKeySync(port, "hunter2")).toString("hex"), "85b58a9f4117fd96b75e0922a9a03323");
    }
  });

  it("the key check's own derivation (src/securetar/aes.ts) is synchronous and gives the same keys and IVs", async () => {
    const { aesIv, passwordToAesKey } = await import("../../../src/securetar/aes.js");
    const { aesIvSync } = await import("../../../src/recovery/crypto-port.js");
    const key = passwordToAesKey("test");
    // A value, not a Promise: no awaited WebCrypto digest per round.
    assert.ok(key instanceof Uint8Array);
    assert.equal(Buffer.from(key).toString("hex"), "f09bb91fdc2cffd578d6d68f7a192e0f");
    const salt = Buffer.from("0aab8f9afb859e4c267a092bf9aa4f48", "hex");
    const iv = aesIv(key, salt);
    assert.ok(iv instanceof Uint8Array);
    assert.equal(Buffer.from(iv).toString("hex"), Buffer.from(aesIvSync(nodeCryptoPort, key, salt)).toString("hex"));
  });

  for (const size of [0, 15, 16, 1024 * 1024, 2 * 1024 * 1024 + 9]) {
    it(`v2 and v3 round trips across ports, ${size} bytes`, async () => {
      const plain = randomBytes(size);
      const { v3RootKey } = await import("../../../src/securetar/v3-crypto.js");
      const rootSalt = randomBytes(16);
      const rootKey = await v3RootKey("pw", rootSalt);
      for (const [, writer] of ports) {
        for (const [, reader] of ports) {
          const v2 = await collect(encryptMember(writer, { format: "v2", aesKey: passwordToAesKeySync(writer, "pw") }, size, [plain] as unknown as AsyncIterable<Uint8Array>));
          const v3 = await collect(
            encryptMember(
              writer,
              { format: "v3", root: v3RootContext(rootKey, rootSalt, randomBytes(16)) },
              size,
              (async function* () {
                yield plain;
              })(),
            ),
          );
          for (const [bytes, key] of [
            [v2, { format: "v2", aesKey: passwordToAesKeySync(reader, "pw") }],
            [v3, { format: "v3", rootKey }],
          ] as [Buffer, MemberKey][]) {
            const opened = await openMember(reader, bytesSource(bytes), { offset: 0, size: bytes.length }, key);
            assert.equal(opened.plaintextSize, size);
            assert.ok(plain.equals(await collect(opened.chunks)));
          }
          // libsodium / OpenSSL read what we wrote.
          assert.ok(plain.equals(Buffer.from(await decryptMember(v2, "pw"))));
        }
      }
    });
  }

  it("Argon2id (WASM SIMD build) matches the known answer and libsodium, non-ASCII passwords too", async () => {
    const { v3RootKey } = await import("../../../src/securetar/v3-crypto.js");
    const salt = Buffer.from("833979db0ad8ffe9dcbb44455565df5c", "hex");
    assert.equal(Buffer.from(await v3RootKey("supervisor", salt)).toString("hex"), "a3a37dff0eb46226a6090a4a5244b5c3ca77376653af6f010b306f58f418cc57");
    for (const password of ["Passwört-ü", "ключ 🔑", ""]) {
      const expected = (await v3Root(password, salt, randomBytes(16))).rootKey;
      assert.equal(Buffer.from(await v3RootKey(password, salt)).toString("hex"), Buffer.from(expected).toString("hex"), password);
    }
  });

  it("decrypts libsodium's secretstream (odd last chunk) with both ports", async () => {
    const plain = randomBytes(3 * 1024 * 1024 + 5);
    const root = await v3Root("pw", randomBytes(16), randomBytes(16));
    const member = await encryptV3(plain, root, randomBytes(16));
    for (const [, port] of ports) {
      const opened = await openMember(port, bytesSource(member), { offset: 0, size: member.length }, { format: "v3", rootKey: root.rootKey });
      assert.ok(plain.equals(await collect(opened.chunks)));
    }
  });
});
