// The shipped Argon2id (the reference C code as WASM SIMD, from @phi-ag/argon2, called through its
// raw exports by src/securetar/argon2.ts): SecureTar v3's known answer,
// and hash-wasm (an independent implementation) for other passes, memory sizes, lane counts and
// output lengths, incl. > 64 bytes, which takes H''s long path (libsodium agrees for v3's own
// parameters and non-ASCII or empty passwords: test/node/recovery/ports.test.ts).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { argon2id as hashWasmArgon2id } from "hash-wasm";
import { argon2idRaw } from "../../../src/securetar/argon2.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("Argon2id (the shipped WebAssembly SIMD build)", () => {
  it("SecureTar v3's known answer (t=8, m=16 MiB, p=1)", async () => {
    const salt = Buffer.from("833979db0ad8ffe9dcbb44455565df5c", "hex");
    assert.equal(hex(await argon2idRaw(new TextEncoder().encode("supervisor"), salt, 8, 16384, 1, 32)), "a3a37dff0eb46226a6090a4a5244b5c3ca77376653af6f010b306f58f418cc57");
  });

  for (const [t, m, p, len] of [
    [1, 8, 1, 32],
    [3, 64, 1, 16],
    [2, 256, 2, 64],
    [1, 1024, 4, 65],
    [2, 333, 3, 128],
    [4, 4096, 1, 32],
    [1, 64, 1, 1024],
  ] as const) {
    it(`matches hash-wasm: t=${t} m=${m} KiB p=${p}, ${len}-byte output`, async () => {
      for (const password of [randomBytes(1), randomBytes(9), Buffer.from("Passwört 🔑")]) {
        const salt = randomBytes(16);
        const expected = await hashWasmArgon2id({ password, salt, iterations: t, memorySize: m, parallelism: p, hashLength: len, outputType: "binary" });
        assert.equal(hex(await argon2idRaw(password, salt, t, m, p, len)), hex(expected));
      }
    });
  }

  it("refuses impossible parameters instead of hashing something else", async () => {
    await assert.rejects(argon2idRaw(new Uint8Array(1), randomBytes(16), 1, 4, 1, 32), /argon2 error -1/);
  });
});
