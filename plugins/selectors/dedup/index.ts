import { definePlugin, type Seed, type SelectContext } from '../../../core/index.js';
import { Deduplicator } from '../../filters/dedup/deduplicator.js';
import { poolDedupOptions, type PoolDedupOptions } from './options.js';

/**
 * Exact and near-duplicate pool rows over a seed stream, with the MinHash/LSH index of `filter:dedup`
 * (typed arrays and an on-disk shingle store under `sctx.dir()`: about 450 bytes per kept row with
 * the default bands, no object per row). The first occurrence in pool order is kept.
 *
 * The index keys each kept row by a 64-bit id; here that id is the row's place (file number, line),
 * so a drop names the kept row's `path:line` without a table of ids. Files are numbered in order of
 * first appearance (a small map: a pool has few files).
 * Reports `{ read, kept, dropped: { exact_duplicate, near_duplicate }, indexBytes }`.
 */
export async function* selectUnique(seeds: AsyncIterable<Seed>, sctx: SelectContext, options: PoolDedupOptions): AsyncGenerator<Seed> {
  const index = new Deduplicator(options, sctx.dir());
  const files = new Map<string, number>();
  const paths: string[] = [];
  let read = 0;
  const dropped = { exact_duplicate: 0, near_duplicate: 0 };
  try {
    for await (const seed of seeds) {
      if (sctx.signal.aborted) return;
      read += 1;
      let file = files.get(seed.source.path);
      if (file === undefined) {
        file = paths.push(seed.source.path) - 1;
        files.set(seed.source.path, file);
      }
      const key = hex8(file) + hex8(seed.source.line ?? 0);
      const p = index.prepare({ id: key, language: seed.language, messages: seed.messages?.length ? seed.messages : [{ role: 'user', content: seed.code }] });
      const m = index.find(p);
      if (!m) {
        index.add(p);
        yield seed;
        continue;
      }
      const of = paths[parseInt(m.of.slice(0, 8), 16)]!;
      const line = parseInt(m.of.slice(8), 16);
      const where = line ? `${of}:${line}` : of;
      dropped[`${m.kind}_duplicate`] += 1;
      sctx.drop(
        seed,
        m.kind === 'exact' ? `exact duplicate of ${where} (${m.scope}, normalised text identical)` : `near-duplicate of ${where} (${m.scope}, Jaccard ${m.similarity.toFixed(2)} ≥ ${options.threshold})`,
        `${m.kind}_duplicate`,
      );
    }
  } finally {
    sctx.report({ read, kept: index.size, dropped, indexBytes: index.bytes });
    index.close();
  }
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/**
 * `selector:dedup`: drops pool rows that duplicate an earlier row, exactly (hash of the normalised
 * text) or nearly (MinHash + LSH over word shingles, verified by exact Jaccard), by instruction or by
 * instruction + response (`exact`, `near`: `instruction`|`pair`|`off`; `threshold`, `numPerm`,
 * `bands`, `shingle` as `filter:dedup`). The first occurrence in pool order wins.
 * Drop categories `exact_duplicate`, `near_duplicate`; the reason names the kept row's place
 * (`near-duplicate of pool.jsonl:12 (instruction, Jaccard 0.91 ≥ 0.7)`).
 */
export default definePlugin({
  name: 'selector:dedup',
  description: 'Drops exact and near-duplicate pool rows (MinHash + LSH), keeping the first in pool order',
  options: poolDedupOptions,
  apply(ctx, options) {
    ctx.hooks.select.tapPromise(async (seeds, sctx) => selectUnique(seeds, sctx, options));
  },
});
