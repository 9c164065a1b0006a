import { mulberry32 } from '../../../core/index.js';
import { ngramHashes, wordTokens } from '../text.js';

/**
 * MinHash (Broder 1997) over word-token shingles. Each of the `numPerm` hash functions is a bijection
 * of 32-bit values (xor with a seed, odd multiply, xor-shift), so the minimum over a set's shingle
 * hashes is a min-wise sample; the fraction of equal minimums estimates the Jaccard similarity.
 * The functions come from a fixed seed, so signatures are the same on every machine and run.
 */
export class MinHasher {
  private readonly xors: Uint32Array;
  private readonly muls: Uint32Array;

  /** @param numPerm hash functions (signature length) @param shingle tokens per shingle */
  constructor(
    readonly numPerm: number,
    readonly shingle: number,
    seed = 0x5eed,
  ) {
    const rng = mulberry32(seed);
    this.xors = new Uint32Array(numPerm);
    this.muls = new Uint32Array(numPerm);
    for (let i = 0; i < numPerm; i++) {
      this.xors[i] = Math.floor(rng() * 2 ** 32) >>> 0;
      this.muls[i] = (Math.floor(rng() * 2 ** 32) | 1) >>> 0;
    }
  }

  /** Shingle hashes of normalised text (word tokens, `shingle` at a time). */
  shingles(text: string): Uint32Array {
    return ngramHashes(wordTokens(text).tokens, this.shingle);
  }

  /** The signature of a shingle set: `numPerm` minimums (unsigned 32-bit); all 0xffffffff for an empty set. */
  signature(shingles: Uint32Array, out = new Uint32Array(this.numPerm)): Uint32Array {
    out.fill(0xffffffff);
    const { xors, muls, numPerm } = this;
    for (let s = 0; s < shingles.length; s++) {
      const x = shingles[s]!;
      for (let i = 0; i < numPerm; i++) {
        let v = Math.imul(x ^ xors[i]!, muls[i]!);
        v ^= v >>> 15;
        v = Math.imul(v, 0x2c1b3c6d);
        v = (v ^ (v >>> 12)) >>> 0;
        if (v < out[i]!) out[i] = v;
      }
    }
    return out;
  }
}

/** Exact Jaccard similarity of two hash sets (for measuring the estimate). */
export function exactJaccard(a: Uint32Array, b: Uint32Array): number {
  const sa = new Set(a);
  const sb = new Set(b);
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter += 1;
  const union = sa.size + sb.size - inter;
  return union === 0 ? 1 : inter / union;
}

/** The LSH threshold of `bands` bands of `rows` rows: the similarity at which a pair becomes a candidate with probability about 1/2 ((1/b)^(1/r)). */
export function lshThreshold(bands: number, rows: number): number {
  return (1 / bands) ** (1 / rows);
}
