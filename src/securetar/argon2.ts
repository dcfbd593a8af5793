// Argon2id through our own WebAssembly SIMD build (src/securetar/argon2/argon2id.c, built by
// scripts/build-argon2-wasm.mjs and inlined as base64), chosen by measurement
// (`npm run bench -- crypto`; figures in docs/architecture.md). The module has one function and
// two fixed buffers: the password and salt are copied in as exact UTF-8 bytes, the hash read out.
import { ARGON2_WASM_BASE64 } from "./argon2-wasm.js";

interface Argon2Exports {
  memory: WebAssembly.Memory;
  /** Address of the 4096-byte input buffer (password, then salt). */
  input(): number;
  /** Address of the output buffer (up to 1024 bytes). */
  output(): number;
  argon2id(pwdLen: number, saltLen: number, passes: number, memoryKiB: number, lanes: number, outLen: number): number;
}

const INPUT_BYTES = 4096;
let loaded: Promise<Argon2Exports> | null = null;

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function load(): Promise<Argon2Exports> {
  loaded ??= WebAssembly.instantiate(decodeBase64(ARGON2_WASM_BASE64) as BufferSource).then(({ instance }) => instance.exports as unknown as Argon2Exports);
  return loaded;
}

/** Argon2id v1.3 raw hash: `memoryKiB` KiB, `passes` iterations, `lanes` lanes. */
export async function argon2idRaw(password: Uint8Array, salt: Uint8Array, passes: number, memoryKiB: number, lanes: number, length: number): Promise<Uint8Array> {
  if (password.length + salt.length > INPUT_BYTES) throw new RangeError("argon2: password and salt too long");
  const w = await load();
  const input = new Uint8Array(w.memory.buffer, w.input(), INPUT_BYTES);
  input.set(password, 0);
  input.set(salt, password.length);
  const rc = w.argon2id(password.length, salt.length, passes, memoryKiB, lanes, length);
  // The module wipes its copy of the password and its block memory; this clears the salt too.
  new Uint8Array(w.memory.buffer, w.input(), INPUT_BYTES).fill(0);
  if (rc !== 0) throw new Error(`argon2 error ${rc}`);
  const out = new Uint8Array(w.memory.buffer, w.output(), length);
  const hash = out.slice();
  out.fill(0);
  return hash;
}
