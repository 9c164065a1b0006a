import { createHash } from 'node:crypto';
import type { SampleRecord } from '../../../core/index.js';
import { caseInsensitiveLanguage, mix32, normalizeText, recordTexts } from '../text.js';
import { MinHasher } from './minhash.js';
import { ShingleStore, sortedDistinct, sortedJaccard } from './shingle-store.js';
import { ensureCapacity, MultiMap32 } from './tables.js';

/** What is compared: the instruction alone, the response alone, or both together. */
export type DedupScope = 'instruction' | 'response' | 'pair';

export interface DedupSettings {
  /** Scope of the exact-duplicate check (hash of the normalised text), or off. */
  exact: DedupScope | 'off';
  /** Scope of the near-duplicate check (MinHash + LSH), or off. */
  near: DedupScope | 'off';
  /** Estimated Jaccard similarity at or above which a sample is a near-duplicate. */
  threshold: number;
  numPerm: number;
  bands: number;
  /** Word tokens per shingle. */
  shingle: number;
}

/** A sample found to duplicate an earlier one. */
export interface DuplicateMatch {
  kind: 'exact' | 'near';
  scope: DedupScope;
  /** Record id of the earlier sample that is kept. */
  of: string;
  /** 1 for exact duplicates; for near-duplicates the Jaccard similarity of the two shingle sets (exact, verified after the MinHash/LSH candidate stage). */
  similarity: number;
}

/** A sample's keys, computed once for {@link Deduplicator.find} and {@link Deduplicator.add}. */
export interface Prepared {
  id: string;
  exact?: { hi: number; lo: number };
  /** Full 32-bit MinHash signature (undefined when near is off or the text has no word). */
  signature?: Uint32Array;
  /** Sorted distinct shingle hashes (with the signature). */
  shingles?: Uint32Array;
}

/**
 * Exact and near-duplicate detection over a stream of samples, in order: the first of a group is
 * kept (the caller `add`s it), later ones are reported with the sample they duplicate.
 *
 * Near-duplicates in two stages: MinHash signatures banded for LSH give the candidates (earlier
 * samples sharing a band), then each candidate's exact Jaccard similarity is computed from its
 * shingles, read from an on-disk {@link ShingleStore}; the most similar at or above the threshold wins.
 *
 * Memory (typed arrays only): per kept sample 8 bytes of id, 4 of exact hash (+~20 in its table),
 * 12 of shingle-store offset and `bands`×~20 bytes of LSH buckets: about 450 bytes with the defaults.
 * Signatures are not kept.
 */
export class Deduplicator {
  readonly hasher: MinHasher;
  private readonly rows: number;
  private ids = new Uint32Array(1024);
  private exactHi = new Uint32Array(512);
  private readonly store: ShingleStore;
  private readonly exactTable = new MultiMap32();
  private readonly bandTable = new MultiMap32();
  private n = 0;

  /**
   * @param storeDir folder for the shingle store's file (unlinked at once; see ShingleStore)
   * @throws Error when numPerm is not a multiple of bands (the options schema checks this first)
   */
  constructor(
    readonly settings: DedupSettings,
    storeDir: string,
  ) {
    if (settings.numPerm % settings.bands !== 0) throw new Error(`numPerm ${settings.numPerm} is not a multiple of bands ${settings.bands}`);
    this.rows = settings.numPerm / settings.bands;
    this.hasher = new MinHasher(settings.numPerm, settings.shingle);
    this.store = new ShingleStore(storeDir);
  }

  /** Release the shingle store. */
  close(): void {
    this.store.close();
  }

  /** Samples added so far. */
  get size(): number {
    return this.n;
  }

  /** Bytes held by the index's typed arrays. */
  get bytes(): number {
    return this.ids.byteLength + this.exactHi.byteLength + this.store.bytes + this.exactTable.bytes + this.bandTable.bytes;
  }

  /** Compute the keys of a record (normalised texts, exact hash, signature). */
  prepare(record: Pick<SampleRecord, 'id' | 'messages' | 'language'>): Prepared {
    const { instruction, response } = recordTexts(record);
    const text = (scope: DedupScope) => {
      const i = normalizeText(instruction, true);
      const r = normalizeText(response, caseInsensitiveLanguage(record.language));
      return scope === 'instruction' ? i : scope === 'response' ? r : `${i}\u0000${r}`;
    };
    const out: Prepared = { id: record.id };
    const { exact, near } = this.settings;
    if (exact !== 'off') {
      const d = createHash('sha256').update(text(exact)).digest();
      out.exact = { hi: d.readUInt32BE(0), lo: d.readUInt32BE(4) };
    }
    if (near !== 'off') {
      const sh = this.hasher.shingles(text(near).replaceAll('\u0000', ' '));
      if (sh.length > 0) {
        out.signature = this.hasher.signature(sh);
        out.shingles = sortedDistinct(sh);
      }
    }
    return out;
  }

  /** The earlier added sample `p` duplicates (exact first, then the most similar near-duplicate), or undefined. */
  find(p: Prepared): DuplicateMatch | undefined {
    const { settings } = this;
    if (p.exact && settings.exact !== 'off') {
      let hit = -1;
      this.exactTable.forEach(p.exact.lo, (i) => {
        if (this.exactHi[i] === p.exact!.hi) hit = i;
        return hit !== -1;
      });
      if (hit !== -1) return { kind: 'exact', scope: settings.exact, of: this.idOf(hit), similarity: 1 };
    }
    if (p.signature && p.shingles && settings.near !== 'off') {
      let best = -1;
      let bestSim = 0;
      const seen = new Set<number>();
      const len = p.shingles.length;
      for (let b = 0; b < settings.bands; b++) {
        this.bandTable.forEach(this.bandKey(p.signature, b), (i) => {
          if (seen.has(i)) return;
          seen.add(i);
          // Jaccard ≤ smaller/larger set size: skip the disk read when even that is below the threshold.
          const other = this.store.length(i);
          if (Math.min(len, other) / Math.max(len, other) < settings.threshold) return;
          const sim = sortedJaccard(p.shingles!, this.store.get(i));
          // Ties go to the earliest sample, so the answer does not depend on bucket order.
          if (sim > bestSim || (sim === bestSim && i < best)) [best, bestSim] = [i, sim];
        });
      }
      if (best !== -1 && bestSim >= settings.threshold) return { kind: 'near', scope: settings.near, of: this.idOf(best), similarity: bestSim };
    }
    return undefined;
  }

  /** Add a kept sample to the index. */
  add(p: Prepared): void {
    const i = this.n++;
    this.ids = ensureCapacity(this.ids, 2 * this.n);
    this.ids[2 * i] = parseInt(p.id.slice(0, 8), 16) >>> 0;
    this.ids[2 * i + 1] = parseInt(p.id.slice(8, 16), 16) >>> 0;
    if (p.exact) {
      this.exactHi = ensureCapacity(this.exactHi, this.n);
      this.exactHi[i] = p.exact.hi;
      this.exactTable.add(p.exact.lo, i);
    }
    this.store.add(i, p.shingles ?? new Uint32Array(0));
    if (p.signature) for (let b = 0; b < this.settings.bands; b++) this.bandTable.add(this.bandKey(p.signature, b), i);
  }

  private bandKey(sig: Uint32Array, band: number): number {
    let h = mix32(band + 1);
    const start = band * this.rows;
    for (let k = start; k < start + this.rows; k++) h = mix32(Math.imul(h, 31) + sig[k]!);
    return h;
  }

  private idOf(i: number): string {
    return this.ids[2 * i]!.toString(16).padStart(8, '0') + this.ids[2 * i + 1]!.toString(16).padStart(8, '0');
  }
}

/** `near-duplicate of 0123abcd… (instruction, estimated Jaccard 0.84 ≥ 0.7)`. */
export function describeMatch(m: DuplicateMatch, threshold: number): string {
  return m.kind === 'exact'
    ? `exact duplicate of sample ${m.of} (${m.scope}, normalised text identical, similarity 1)`
    : `near-duplicate of sample ${m.of} (${m.scope}, Jaccard ${m.similarity.toFixed(2)} ≥ ${threshold})`;
}
