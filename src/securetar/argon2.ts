// Argon2id through the Argon2 reference implementation compiled to WebAssembly with SIMD
// (@phi-ag/argon2's build, inlined). Chosen by measurement (`npm run bench -- crypto`): the
// fastest of the candidates in Chromium on this machine, ~1.8× native libsodium against ~2.3× for
// libsodium's own WASM build (the issue's ≤ 1.5× is not reached: docs/architecture.md). We call the raw
// exports ourselves: the package's wrapper passes the password's UTF-16 length as its byte length,
// which is wrong for any non-ASCII password, and a key must be hashed as its exact UTF-8 bytes.
import { ARGON2_WASM_BASE64 } from "./argon2-wasm.js";

interface Argon2Exports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  malloc(size: number): number;
  free(ptr: number): void;
  argon2_hash(
    t: number,
    m: number,
    p: number,
    pwd: number,
    pwdLen: number,
    salt: number,
    saltLen: number,
    hash: number,
    hashLen: number,
    encoded: number,
    encodedLen: number,
    type: number,
    version: number,
  ): number;
}

const ARGON2ID = 2;
const VERSION_13 = 0x13;
let loaded: Promise<Argon2Exports> | null = null;

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function load(): Promise<Argon2Exports> {
  loaded ??= WebAssembly.instantiate(decodeBase64(ARGON2_WASM_BASE64) as BufferSource).then(({ instance }) => {
    const exports = instance.exports as unknown as Argon2Exports;
    exports._initialize();
    return exports;
  });
  return loaded;
}

/** Argon2id v1.3 raw hash: `memoryKiB` KiB, `passes` iterations, `lanes` lanes. */
export async function argon2idRaw(password: Uint8Array, salt: Uint8Array, passes: number, memoryKiB: number, lanes: number, length: number): Promise<Uint8Array> {
  const w = await load();
  const pwd = w.malloc(Math.max(1, password.length));
  const s = w.malloc(salt.length);
  const out = w.malloc(length);
  try {
    new Uint8Array(w.memory.buffer).set(password, pwd);
    new Uint8Array(w.memory.buffer).set(salt, s);
    const rc = w.argon2_hash(passes, memoryKiB, lanes, pwd, password.length, s, salt.length, out, length, 0, 0, ARGON2ID, VERSION_13);
    if (rc !== 0) throw new Error(`argon2 error ${rc}`);
    return new Uint8Array(w.memory.buffer).slice(out, out + length);
  } finally {
    // The password's copy is wiped before it goes back to the allocator.
    new Uint8Array(w.memory.buffer).fill(0, pwd, pwd + password.length);
    w.free(pwd);
    w.free(s);
    w.free(out);
  }
}
