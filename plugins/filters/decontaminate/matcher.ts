import { ngramHashes, normalizeText, wordTokens } from '../text.js';
import type { BenchmarkText } from './benchmarks.js';

export interface MatcherSettings {
  /** Substring method on; shortest normalised benchmark text (characters) looked for. */
  substring: boolean;
  minChars: number;
  /** n-gram method on; n (word tokens) and the share of a benchmark text's n-grams a sample must contain. */
  ngram: boolean;
  n: number;
  threshold: number;
}

/** A benchmark text found in a sample. */
export interface Contamination {
  method: 'substring' | 'ngram';
  benchmark: string;
  item: string;
  field: BenchmarkText['field'];
  /** The matched text: the benchmark text (substring) or the longest run of shared n-grams in the sample (ngram), at most 300 characters. */
  span: string;
  /** Share of the benchmark text's distinct n-grams found in the sample (1 for a substring match). */
  overlap: number;
}

const ANCHOR_BASE = 0x01000193;

/**
 * Finds benchmark texts in samples, two ways:
 * 1. Substring: the normalised benchmark text (NFKC, whitespace runs to one space, lower case) occurs
 *    in the normalised sample: BigCode's decontamination for StarCoder, reused by Magicoder and
 *    SelfCodeAlign (case-insensitive substring match of benchmark docstrings and solutions), plus a
 *    minimum length. Multi-pattern Rabin–Karp: each text is anchored by a rolling hash of its first
 *    `minChars` characters, so a sample costs one pass whatever the number of benchmark texts.
 * 2. n-gram overlap: the share of a benchmark text's distinct word n-grams (lower-cased) that occur in
 *    the sample; at or above `threshold` it is a match. Catches copies with edited punctuation,
 *    formatting or a changed word that the substring test misses.
 */
export class ContaminationMatcher {
  private readonly patterns: { text: string; ref: BenchmarkText }[] = [];
  private readonly anchors = new Map<number, number[]>();
  private readonly ngramIndex = new Map<number, number[]>();
  private readonly ngramRefs: { ref: BenchmarkText; distinct: number }[] = [];
  private readonly power: number;
  // One bit per hash bucket (2^20 buckets, 128 KiB each): most positions of a clean sample are rejected without a Map lookup.
  private readonly anchorBits = new Uint32Array(1 << 15);
  private readonly ngramBits = new Uint32Array(1 << 15);

  constructor(
    texts: readonly BenchmarkText[],
    readonly settings: MatcherSettings,
  ) {
    let p = 1;
    for (let i = 1; i < settings.minChars; i++) p = Math.imul(p, ANCHOR_BASE);
    this.power = p;
    const seenPattern = new Set<string>();
    for (const ref of texts) {
      const norm = normalizeText(ref.text, true);
      if (settings.substring && norm.length >= settings.minChars && !seenPattern.has(norm)) {
        seenPattern.add(norm);
        const idx = this.patterns.push({ text: norm, ref }) - 1;
        const key = this.rollInit(norm);
        setBit(this.anchorBits, key);
        const list = this.anchors.get(key);
        if (list) list.push(idx);
        else this.anchors.set(key, [idx]);
      }
      if (settings.ngram) {
        const { tokens } = wordTokens(norm);
        if (tokens.length < settings.n) continue;
        const distinct = new Set(ngramHashes(tokens, settings.n));
        const idx = this.ngramRefs.push({ ref, distinct: distinct.size }) - 1;
        for (const h of distinct) {
          setBit(this.ngramBits, h);
          const list = this.ngramIndex.get(h);
          if (list) list.push(idx);
          else this.ngramIndex.set(h, [idx]);
        }
      }
    }
  }

  /** Benchmark texts indexed by each method. */
  get sizes(): { substring: number; ngram: number } {
    return { substring: this.patterns.length, ngram: this.ngramRefs.length };
  }

  /** The first contamination found in `text` (substring first, then the highest n-gram overlap), or undefined. */
  find(text: string): Contamination | undefined {
    const norm = normalizeText(text, true);
    return (this.settings.substring ? this.findSubstring(norm) : undefined) ?? (this.settings.ngram ? this.findNgram(norm) : undefined);
  }

  private findSubstring(s: string): Contamination | undefined {
    const k = this.settings.minChars;
    if (s.length < k || this.patterns.length === 0) return undefined;
    let h = this.rollInit(s);
    for (let i = 0; ; i++) {
      const hits = hasBit(this.anchorBits, h) ? this.anchors.get(h) : undefined;
      if (hits) {
        for (const idx of hits) {
          const p = this.patterns[idx]!;
          if (s.startsWith(p.text, i)) return { method: 'substring', benchmark: p.ref.benchmark, item: p.ref.item, field: p.ref.field, span: clip(p.text), overlap: 1 };
        }
      }
      if (i + k >= s.length) return undefined;
      h = (Math.imul(h - Math.imul(s.charCodeAt(i), this.power), ANCHOR_BASE) + s.charCodeAt(i + k)) >>> 0;
    }
  }

  private findNgram(s: string): Contamination | undefined {
    if (this.ngramRefs.length === 0) return undefined;
    const { tokens, starts, ends } = wordTokens(s);
    if (tokens.length < this.settings.n) return undefined;
    const hashes = ngramHashes(tokens, this.settings.n);
    const counts = new Map<number, number>();
    const seen = new Set<number>();
    for (const h of hashes) {
      if (!hasBit(this.ngramBits, h) || seen.has(h)) continue;
      seen.add(h);
      for (const idx of this.ngramIndex.get(h) ?? []) counts.set(idx, (counts.get(idx) ?? 0) + 1);
    }
    let best = -1;
    let bestOverlap = 0;
    for (const [idx, c] of counts) {
      const overlap = c / this.ngramRefs[idx]!.distinct;
      if (overlap > bestOverlap || (overlap === bestOverlap && idx < best)) [best, bestOverlap] = [idx, overlap];
    }
    if (best === -1 || bestOverlap < this.settings.threshold) return undefined;
    // The span: the longest run of consecutive sample n-grams the benchmark text shares.
    let runStart = -1;
    let bestRun: [number, number] = [0, 0];
    for (let i = 0; i <= hashes.length; i++) {
      const shared = i < hashes.length && (this.ngramIndex.get(hashes[i]!) ?? []).includes(best);
      if (shared && runStart === -1) runStart = i;
      if (!shared && runStart !== -1) {
        if (i - runStart > bestRun[1] - bestRun[0]) bestRun = [runStart, i];
        runStart = -1;
      }
    }
    const ref = this.ngramRefs[best]!.ref;
    const span = s.slice(starts[bestRun[0]]!, ends[bestRun[1] - 1 + this.settings.n - 1]!);
    return { method: 'ngram', benchmark: ref.benchmark, item: ref.item, field: ref.field, span: clip(span), overlap: bestOverlap };
  }

  private rollInit(s: string): number {
    let h = 0;
    for (let i = 0; i < this.settings.minChars; i++) h = (Math.imul(h, ANCHOR_BASE) + s.charCodeAt(i)) >>> 0;
    return h;
  }
}

function setBit(bits: Uint32Array, h: number): void {
  const b = (h >>> 0) & 0xfffff;
  bits[b >>> 5]! |= 1 << (b & 31);
}

function hasBit(bits: Uint32Array, h: number): boolean {
  const b = (h >>> 0) & 0xfffff;
  return (bits[b >>> 5]! & (1 << (b & 31))) !== 0;
}

function clip(s: string, n = 300): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
