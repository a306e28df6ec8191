// A tiny deterministic PRNG, so data splits and shuffles are identical on every run and
// machine. mulberry32: 32-bit state, one multiply-xorshift round per draw.

/** Returns a generator of floats in [0, 1) seeded by the 32-bit integer `seed`. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A permutation of 0..n-1 by a Fisher–Yates shuffle driven by mulberry32(seed). */
export function shuffledIndices(n: number, seed: number): Uint32Array {
  if (!Number.isInteger(n) || n < 0)
    throw new Error('mote: shuffledIndices: n must be a non-negative integer, got ' + n);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}
