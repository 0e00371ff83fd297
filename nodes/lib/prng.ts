/**
 * Counter-based randomness: every number is a pure hash of (seed, n, salt), so any reading can be
 * recomputed on its own after a restart without replaying a generator from the beginning.
 */

const TWO_32 = 4294967296;

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit hash of (seed, n, salt); n may exceed 2^32 (sequence numbers run for years). */
export function hash32(seed: number, n: number, salt: number): number {
  let h = mix(0x2545f491 ^ salt, seed >>> 0);
  h = mix(h, n >>> 0);
  h = mix(h, Math.floor(n / TWO_32) >>> 0);
  return finish(mix(h, salt));
}

/** Uniform in [0, 1). */
export function uniform(seed: number, n: number, salt: number): number {
  return hash32(seed, n, salt) / TWO_32;
}

/** Standard normal (Box–Muller over two independent hashes). */
export function gaussian(seed: number, n: number, salt: number): number {
  const u1 = (hash32(seed, n, salt) + 1) / TWO_32; // (0, 1]: keeps the logarithm finite
  const u2 = uniform(seed, n, salt + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
