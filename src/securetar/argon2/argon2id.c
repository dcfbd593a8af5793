// Argon2id (RFC 9106, version 0x13) for WebAssembly with 128-bit SIMD, written for Backup Keyring.
// Built by scripts/build-argon2-wasm.mjs (clang --target=wasm32 -O3 -msimd128 -mbulk-memory) into
// src/securetar/argon2-wasm.ts. No libc: one exported function, memory grown on demand.
//
// Speed (measured, docs/architecture.md): the compression function G works on a 1 KiB block as 64
// two-lane vectors. A BLAKE2b round keeps one row (or column) of the block in eight v128 values, as
// the SSE code of the Argon2 reference implementation does: the column step is two vector G's, the
// diagonal step the same after a lane rotation. Two rows (columns) are processed interleaved,
// because one G is a long dependency chain. BlaMka's 2 * lo32(x) * lo32(y) gathers the low words of
// two vector pairs with one shuffle, then widening multiplies (pmuludq in V8); rotations by 32, 24
// and 16 are byte shuffles, by 63 an add and a shift. Measured in Chromium against the reference C
// code compiled the same way (@phi-ag/argon2): the naive vector form was no faster, since a
// two-lane BlaMka costs as many instructions as two scalar ones; the interleaving is what gains.
#include <stdint.h>
#include <stddef.h>
#include <wasm_simd128.h>

#define BLOCK_WORDS 128
#define BLOCK_BYTES 1024
#define SYNC_POINTS 4

typedef struct {
  uint64_t v[BLOCK_WORDS];
} block;

/* ---- BLAKE2b (scalar; only used for H0, H' and the tag: a few hundred calls per hash) ---- */

typedef struct {
  uint64_t h[8];
  uint64_t t;
  uint8_t buf[128];
  size_t fill;
  size_t outlen;
} blake2b_state;

static const uint64_t IV[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const uint8_t SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

static inline uint64_t rotr64(uint64_t x, unsigned n) { return (x >> n) | (x << (64 - n)); }

static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  __builtin_memcpy(&v, p, 8); /* wasm is little-endian */
  return v;
}

static inline void store32(uint8_t *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }

static void blake2b_compress(blake2b_state *s, const uint8_t *in, int last) {
  uint64_t m[16], v[16];
  for (int i = 0; i < 16; i++) m[i] = load64(in + 8 * i);
  for (int i = 0; i < 8; i++) {
    v[i] = s->h[i];
    v[i + 8] = IV[i];
  }
  v[12] ^= s->t;
  if (last) v[14] = ~v[14];
#define B2G(r, i, a, b, c, d)                  \
  do {                                         \
    a = a + b + m[SIGMA[r][2 * i]];            \
    d = rotr64(d ^ a, 32);                     \
    c = c + d;                                 \
    b = rotr64(b ^ c, 24);                     \
    a = a + b + m[SIGMA[r][2 * i + 1]];        \
    d = rotr64(d ^ a, 16);                     \
    c = c + d;                                 \
    b = rotr64(b ^ c, 63);                     \
  } while (0)
  for (int r = 0; r < 12; r++) {
    B2G(r, 0, v[0], v[4], v[8], v[12]);
    B2G(r, 1, v[1], v[5], v[9], v[13]);
    B2G(r, 2, v[2], v[6], v[10], v[14]);
    B2G(r, 3, v[3], v[7], v[11], v[15]);
    B2G(r, 4, v[0], v[5], v[10], v[15]);
    B2G(r, 5, v[1], v[6], v[11], v[12]);
    B2G(r, 6, v[2], v[7], v[8], v[13]);
    B2G(r, 7, v[3], v[4], v[9], v[14]);
  }
#undef B2G
  for (int i = 0; i < 8; i++) s->h[i] ^= v[i] ^ v[i + 8];
}

static void blake2b_init(blake2b_state *s, size_t outlen) {
  for (int i = 0; i < 8; i++) s->h[i] = IV[i];
  s->h[0] ^= 0x01010000ULL ^ (uint64_t)outlen; /* no key, fanout 1, depth 1 */
  s->t = 0;
  s->fill = 0;
  s->outlen = outlen;
}

static void blake2b_update(blake2b_state *s, const uint8_t *in, size_t len) {
  while (len > 0) {
    if (s->fill == 128) {
      s->t += 128;
      blake2b_compress(s, s->buf, 0);
      s->fill = 0;
    }
    size_t n = 128 - s->fill;
    if (n > len) n = len;
    __builtin_memcpy(s->buf + s->fill, in, n);
    s->fill += n;
    in += n;
    len -= n;
  }
}

static void blake2b_final(blake2b_state *s, uint8_t *out) {
  s->t += s->fill;
  __builtin_memset(s->buf + s->fill, 0, 128 - s->fill);
  blake2b_compress(s, s->buf, 1);
  uint8_t full[64];
  __builtin_memcpy(full, s->h, 64);
  __builtin_memcpy(out, full, s->outlen);
}

static void update32(blake2b_state *s, uint32_t v) {
  uint8_t b[4];
  store32(b, v);
  blake2b_update(s, b, 4);
}

/* H' of RFC 9106 §3.3: variable-length hash built from BLAKE2b-512. */
static void hash_long(uint8_t *out, uint32_t outlen, const uint8_t *in, size_t inlen) {
  blake2b_state s;
  if (outlen <= 64) {
    blake2b_init(&s, outlen);
    update32(&s, outlen);
    blake2b_update(&s, in, inlen);
    blake2b_final(&s, out);
    return;
  }
  uint8_t v[64];
  blake2b_init(&s, 64);
  update32(&s, outlen);
  blake2b_update(&s, in, inlen);
  blake2b_final(&s, v);
  __builtin_memcpy(out, v, 32);
  out += 32;
  uint32_t left = outlen - 32;
  while (left > 64) {
    blake2b_init(&s, 64);
    blake2b_update(&s, v, 64);
    blake2b_final(&s, v);
    __builtin_memcpy(out, v, 32);
    out += 32;
    left -= 32;
  }
  blake2b_init(&s, left);
  blake2b_update(&s, v, 64);
  blake2b_final(&s, out);
}

/* ---- The compression function G, two 64-bit lanes per vector ---- */

static inline v128_t add3(v128_t x, v128_t y, v128_t p) { return wasm_i64x2_add(wasm_i64x2_add(x, y), wasm_i64x2_add(p, p)); }

/* Two BlaMka steps at once, X = X + Y + 2 * lo32(X) * lo32(Y) for two vector pairs: one shuffle
 * gathers the low words of both pairs, then a widening multiply of each half. */
#define FBLAMKA2(X0, Y0, X1, Y1)                                   \
  do {                                                             \
    v128_t xl = wasm_i32x4_shuffle(X0, X1, 0, 2, 4, 6);            \
    v128_t yl = wasm_i32x4_shuffle(Y0, Y1, 0, 2, 4, 6);            \
    v128_t p0 = wasm_u64x2_extmul_low_u32x4(xl, yl);               \
    v128_t p1 = wasm_u64x2_extmul_high_u32x4(xl, yl);              \
    X0 = add3(X0, Y0, p0);                                         \
    X1 = add3(X1, Y1, p1);                                         \
  } while (0)

static inline v128_t rotr32(v128_t x) { return wasm_i32x4_shuffle(x, x, 1, 0, 3, 2); }
static inline v128_t rotr24(v128_t x) { return wasm_i8x16_shuffle(x, x, 3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10); }
static inline v128_t rotr16(v128_t x) { return wasm_i8x16_shuffle(x, x, 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9); }
static inline v128_t rotr63(v128_t x) { return wasm_v128_xor(wasm_u64x2_shr(x, 63), wasm_i64x2_add(x, x)); }

/* Lanes (v4,v5)(v6,v7) → (v5,v6)(v7,v4); C halves swap; (v12,v13)(v14,v15) → (v15,v12)(v13,v14). */
#define DIAGONALIZE(A0, B0, C0, D0, A1, B1, C1, D1) \
  do {                                              \
    v128_t t0 = wasm_i64x2_shuffle(B0, B1, 1, 2);   \
    v128_t t1 = wasm_i64x2_shuffle(B1, B0, 1, 2);   \
    B0 = t0;                                        \
    B1 = t1;                                        \
    t0 = C0;                                        \
    C0 = C1;                                        \
    C1 = t0;                                        \
    t0 = wasm_i64x2_shuffle(D1, D0, 1, 2);          \
    t1 = wasm_i64x2_shuffle(D0, D1, 1, 2);          \
    D0 = t0;                                        \
    D1 = t1;                                        \
  } while (0)

#define UNDIAGONALIZE(A0, B0, C0, D0, A1, B1, C1, D1) \
  do {                                                \
    v128_t t0 = wasm_i64x2_shuffle(B1, B0, 1, 2);     \
    v128_t t1 = wasm_i64x2_shuffle(B0, B1, 1, 2);     \
    B0 = t0;                                          \
    B1 = t1;                                          \
    t0 = C0;                                          \
    C0 = C1;                                          \
    C1 = t0;                                          \
    t0 = wasm_i64x2_shuffle(D0, D1, 1, 2);            \
    t1 = wasm_i64x2_shuffle(D1, D0, 1, 2);            \
    D0 = t0;                                          \
    D1 = t1;                                          \
  } while (0)

/* Four independent G chains (two rows, or two columns, at once): the dependency chain of one G is
 * long (multiply, add, rotate, …), so interleaving two of them keeps the core busy. */
static inline void half1(v128_t *a, v128_t *b, v128_t *c, v128_t *d) {
  FBLAMKA2(a[0], b[0], a[1], b[1]);
  FBLAMKA2(a[2], b[2], a[3], b[3]);
  for (int k = 0; k < 4; k++) d[k] = rotr32(wasm_v128_xor(d[k], a[k]));
  FBLAMKA2(c[0], d[0], c[1], d[1]);
  FBLAMKA2(c[2], d[2], c[3], d[3]);
  for (int k = 0; k < 4; k++) b[k] = rotr24(wasm_v128_xor(b[k], c[k]));
}
static inline void half2(v128_t *a, v128_t *b, v128_t *c, v128_t *d) {
  FBLAMKA2(a[0], b[0], a[1], b[1]);
  FBLAMKA2(a[2], b[2], a[3], b[3]);
  for (int k = 0; k < 4; k++) d[k] = rotr16(wasm_v128_xor(d[k], a[k]));
  FBLAMKA2(c[0], d[0], c[1], d[1]);
  FBLAMKA2(c[2], d[2], c[3], d[3]);
  for (int k = 0; k < 4; k++) b[k] = rotr63(wasm_v128_xor(b[k], c[k]));
}
static inline void diag(v128_t *b, v128_t *c, v128_t *d, int k) {
  DIAGONALIZE(b[k], b[k], c[k], d[k], b[k + 1], b[k + 1], c[k + 1], d[k + 1]);
}
static inline void undiag(v128_t *b, v128_t *c, v128_t *d, int k) {
  UNDIAGONALIZE(b[k], b[k], c[k], d[k], b[k + 1], b[k + 1], c[k + 1], d[k + 1]);
}
/* Two BLAKE2b rounds on 16 words each: vectors x[i*s], i = 0..7 and y[i*s]. */
static inline void round2(v128_t *x, v128_t *y, int s) {
  v128_t a[4] = {x[0], x[s], y[0], y[s]};
  v128_t b[4] = {x[2 * s], x[3 * s], y[2 * s], y[3 * s]};
  v128_t c[4] = {x[4 * s], x[5 * s], y[4 * s], y[5 * s]};
  v128_t d[4] = {x[6 * s], x[7 * s], y[6 * s], y[7 * s]};
  half1(a, b, c, d);
  half2(a, b, c, d);
  diag(b, c, d, 0);
  diag(b, c, d, 2);
  half1(a, b, c, d);
  half2(a, b, c, d);
  undiag(b, c, d, 0);
  undiag(b, c, d, 2);
  x[0] = a[0]; x[s] = a[1]; y[0] = a[2]; y[s] = a[3];
  x[2 * s] = b[0]; x[3 * s] = b[1]; y[2 * s] = b[2]; y[3 * s] = b[3];
  x[4 * s] = c[0]; x[5 * s] = c[1]; y[4 * s] = c[2]; y[5 * s] = c[3];
  x[6 * s] = d[0]; x[7 * s] = d[1]; y[6 * s] = d[2]; y[7 * s] = d[3];
}

/* next = G(prev, ref) (XORed into next when `with_xor`, for passes after the first). */
static void fill_block(const block *prev, const block *ref, block *next, int with_xor) {
  v128_t r[64], t[64];
  const v128_t *p = (const v128_t *)prev->v, *q = (const v128_t *)ref->v;
  v128_t *n = (v128_t *)next->v;
  for (int i = 0; i < 64; i++) {
    r[i] = wasm_v128_xor(wasm_v128_load(p + i), wasm_v128_load(q + i));
    t[i] = with_xor ? wasm_v128_xor(r[i], wasm_v128_load(n + i)) : r[i];
  }
  /* Rows: words 16i..16i+15 are vectors 8i..8i+7. */
  for (int i = 0; i < 8; i += 2) round2(r + 8 * i, r + 8 * (i + 1), 1);
  /* Columns: words 2i, 2i+1, 2i+16, 2i+17, … are vectors i, i+8, i+16, …, i+56. */
  for (int i = 0; i < 8; i += 2) round2(r + i, r + i + 1, 8);
  for (int i = 0; i < 64; i++) wasm_v128_store(n + i, wasm_v128_xor(r[i], t[i]));
}

/* ---- Argon2id ---- */

/* Memory above the static data, grown on demand; returns the base of `bytes` free bytes. */
static uint8_t *reserve(size_t bytes) {
  extern uint8_t __heap_base;
  uint8_t *base = (uint8_t *)(((uintptr_t)&__heap_base + 63) & ~(uintptr_t)63);
  size_t have = __builtin_wasm_memory_size(0) * 65536;
  size_t need = (size_t)(uintptr_t)base + bytes;
  if (need > have && __builtin_wasm_memory_grow(0, (need - have + 65535) / 65536) == (size_t)-1) return 0;
  return base;
}

/* Inputs are copied here by the caller (see argon2.ts): password, then salt. */
#define INPUT_BYTES 4096
static uint8_t input_area[INPUT_BYTES];
static uint8_t output_area[1024];

__attribute__((export_name("input"))) uint8_t *input(void) { return input_area; }
__attribute__((export_name("output"))) uint8_t *output(void) { return output_area; }

static uint32_t index_alpha(uint32_t pass, uint32_t slice, uint32_t index, uint32_t segment_length, uint32_t lane_length, uint32_t pseudo_rand, int same_lane) {
  uint32_t area;
  if (pass == 0) {
    if (slice == 0) area = index - 1;
    else if (same_lane) area = slice * segment_length + index - 1;
    else area = slice * segment_length + (index == 0 ? -1 : 0);
  } else {
    if (same_lane) area = lane_length - segment_length + index - 1;
    else area = lane_length - segment_length + (index == 0 ? -1 : 0);
  }
  uint64_t rel = pseudo_rand;
  rel = (rel * rel) >> 32;
  rel = area - 1 - (((uint64_t)area * rel) >> 32);
  uint32_t start = 0;
  if (pass != 0) start = (slice == SYNC_POINTS - 1) ? 0 : (slice + 1) * segment_length;
  return (uint32_t)((start + rel) % lane_length);
}

static void next_addresses(block *address, block *input_block, const block *zero) {
  input_block->v[6]++;
  fill_block(zero, input_block, address, 0);
  fill_block(zero, address, address, 0);
}

/**
 * Argon2id v1.3 of the password (input()[0..pwd_len)) and salt (input()[pwd_len..+salt_len)) into
 * output()[0..out_len). Returns 0, or -1 for bad parameters, -2 when memory cannot grow.
 */
__attribute__((export_name("argon2id"))) int argon2id(uint32_t pwd_len, uint32_t salt_len, uint32_t passes, uint32_t memory_kib, uint32_t lanes, uint32_t out_len) {
  if (pwd_len + salt_len > INPUT_BYTES || out_len < 4 || out_len > sizeof output_area || passes < 1 || lanes < 1 || lanes > 255 || memory_kib < 8 * lanes) return -1;
  const uint8_t *pwd = input_area, *salt = input_area + pwd_len;
  uint32_t memory_blocks = memory_kib - memory_kib % (SYNC_POINTS * lanes);
  uint32_t segment_length = memory_blocks / (SYNC_POINTS * lanes);
  uint32_t lane_length = segment_length * SYNC_POINTS;
  block *memory = (block *)reserve((size_t)memory_blocks * BLOCK_BYTES);
  if (!memory) return -2;

  /* H0 */
  uint8_t h0[72];
  blake2b_state s;
  blake2b_init(&s, 64);
  update32(&s, lanes);
  update32(&s, out_len);
  update32(&s, memory_kib);
  update32(&s, passes);
  update32(&s, 0x13);
  update32(&s, 2); /* Argon2id */
  update32(&s, pwd_len);
  blake2b_update(&s, pwd, pwd_len);
  update32(&s, salt_len);
  blake2b_update(&s, salt, salt_len);
  update32(&s, 0); /* no secret */
  update32(&s, 0); /* no associated data */
  blake2b_final(&s, h0);

  for (uint32_t l = 0; l < lanes; l++) {
    store32(h0 + 64, 0);
    store32(h0 + 68, l);
    hash_long((uint8_t *)memory[l * lane_length].v, BLOCK_BYTES, h0, 72);
    store32(h0 + 64, 1);
    hash_long((uint8_t *)memory[l * lane_length + 1].v, BLOCK_BYTES, h0, 72);
  }

  block zero, input_block, address;
  for (uint32_t pass = 0; pass < passes; pass++) {
    for (uint32_t slice = 0; slice < SYNC_POINTS; slice++) {
      for (uint32_t lane = 0; lane < lanes; lane++) {
        int independent = pass == 0 && slice < SYNC_POINTS / 2;
        if (independent) {
          __builtin_memset(&zero, 0, sizeof zero);
          __builtin_memset(&input_block, 0, sizeof input_block);
          input_block.v[0] = pass;
          input_block.v[1] = lane;
          input_block.v[2] = slice;
          input_block.v[3] = memory_blocks;
          input_block.v[4] = passes;
          input_block.v[5] = 2;
        }
        uint32_t start = 0;
        if (pass == 0 && slice == 0) {
          start = 2;
          if (independent) next_addresses(&address, &input_block, &zero);
        }
        uint32_t curr = lane * lane_length + slice * segment_length + start;
        uint32_t prev = (curr % lane_length == 0) ? curr + lane_length - 1 : curr - 1;
        for (uint32_t i = start; i < segment_length; i++, curr++, prev++) {
          if (curr % lane_length == 1) prev = curr - 1;
          uint64_t pseudo;
          if (independent) {
            if (i % BLOCK_WORDS == 0) next_addresses(&address, &input_block, &zero);
            pseudo = address.v[i % BLOCK_WORDS];
          } else pseudo = memory[prev].v[0];
          uint32_t ref_lane = (pass == 0 && slice == 0) ? lane : (uint32_t)((pseudo >> 32) % lanes);
          uint32_t ref_index = index_alpha(pass, slice, i, segment_length, lane_length, (uint32_t)pseudo, ref_lane == lane);
          fill_block(memory + prev, memory + ref_lane * lane_length + ref_index, memory + curr, pass != 0);
        }
      }
    }
  }

  block final;
  __builtin_memcpy(&final, memory + lane_length - 1, sizeof final);
  for (uint32_t l = 1; l < lanes; l++)
    for (int i = 0; i < BLOCK_WORDS; i++) final.v[i] ^= memory[l * lane_length + lane_length - 1].v[i];
  hash_long(output_area, out_len, (const uint8_t *)final.v, BLOCK_BYTES);
  /* Nothing derived from the password stays behind. */
  __builtin_memset(memory, 0, (size_t)memory_blocks * BLOCK_BYTES);
  __builtin_memset(&final, 0, sizeof final);
  __builtin_memset(h0, 0, sizeof h0);
  __builtin_memset(input_area, 0, pwd_len);
  return 0;
}
