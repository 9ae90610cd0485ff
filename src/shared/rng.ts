/**
 * Seeded, counter-derivable randomness. Every random choice in gradpool comes from an Rng derived from
 * (seed, purpose, indices…), so a sample's dropout mask or a step's batch never depends on the order in
 * which other random numbers were drawn, nor on how many workers ran the job.
 */

/** Mixes a 32-bit value (the murmur3 finaliser). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Stream tags, so that streams for different purposes never coincide. */
export const RngStream = {
  init: 1,
  batch: 2,
  dropout: 3,
  split: 4,
  trainSubset: 5,
  augment: 6,
  search: 7,
} as const;

/** xoshiro128** generator: fast, 128-bit state, good statistical quality. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  /** A generator for the key (seed, ...keys); equal keys give equal sequences. */
  constructor(seed: number, ...keys: number[]) {
    let h = mix32((seed >>> 0) ^ 0x9e3779b9);
    // Fold in the high bits of seeds above 2^32 as well.
    h = mix32(h ^ Math.floor(seed / 4294967296));
    for (const k of keys) h = mix32(h ^ mix32((k >>> 0) + 0x7f4a7c15) ^ Math.floor(k / 4294967296));
    this.s0 = mix32(h ^ 0x243f6a88) | 1;
    this.s1 = mix32(h ^ 0x85a308d3);
    this.s2 = mix32(h ^ 0x13198a2e);
    this.s3 = mix32(h ^ 0x03707344);
    for (let i = 0; i < 8; i++) this.nextUint32();
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
