import { definePlugin, type Seed, type SelectContext } from '../../../core/index.js';
import { EvalIndex, type Retrieval } from './eval-index.js';
import { retrieveOptions } from './options.js';
import { ScoreLog } from './scores.js';
import { TopK } from './top-k.js';

const QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9, 0.99];

/**
 * Narrow a seed stream to the rows lexically close to the evaluation set: each row's instruction
 * (`seed.code`, its first user turn) is a BM25 query against the evaluation items, and its best score
 * decides. With `minScore` rows stream through (kept when the score reaches it); with `topK` the `topK`
 * best rows (ties: the earlier) are held in a bounded heap and yielded in pool order once the pool
 * is read, a row being dropped as soon as it falls out of the heap. Memory: the evaluation index, 4
 * bytes of score per row, and the `topK` held seeds.
 * Reports `{ read, kept, dropped, against, scores: { p10 ... p99, max }, cutoff }`.
 */
export async function* selectRetrieved(
  seeds: AsyncIterable<Seed>,
  sctx: SelectContext,
  index: EvalIndex,
  mode: { minScore?: number; topK?: number },
): AsyncGenerator<Seed> {
  const scores = new ScoreLog();
  const heap = mode.topK === undefined ? undefined : new TopK<{ seed: Seed; best: Retrieval | undefined }>(mode.topK);
  let read = 0;
  let kept = 0;
  let dropped = 0;
  const drop = (seed: Seed, reason: string) => {
    dropped += 1;
    sctx.drop(seed, reason, 'not_retrieved');
  };
  const scored = (b: Retrieval | undefined) => (b ? `BM25 ${b.score.toFixed(2)}, best match ${b.item}` : `BM25 0: no term shared with any ${index.name} item`);
  try {
    for await (const seed of seeds) {
      if (sctx.signal.aborted) return;
      const best = index.best(seed.code);
      const score = best?.score ?? 0;
      scores.add(score);
      if (heap) {
        const out = heap.offer({ score, index: read, value: { seed, best } });
        if (out) drop(out.value.seed, `not among the ${heap.k} best rows (${scored(out.value.best)}; the lowest kept so far scores ${heap.worst!.score.toFixed(2)})`);
      } else if (score >= mode.minScore!) {
        kept += 1;
        yield seed;
      } else drop(seed, `${scored(best)} < minScore ${mode.minScore}`);
      read += 1;
    }
    if (heap) {
      for (const e of heap.inOrder()) {
        kept += 1;
        yield e.value.seed;
      }
    }
  } finally {
    sctx.report({
      read,
      kept,
      dropped,
      against: `${index.name} (${index.items} items)`,
      scores: scores.quantiles(QUANTILES),
      cutoff: heap ? (heap.worst?.score ?? null) : mode.minScore,
    });
  }
}

/**
 * `selector:retrieve`: the cheap first stage of distribution matching (Infinity Instruct, arXiv
 * 2506.11116, Phase 1): narrows the pool to rows lexically close to an evaluation set before any LLM
 * tagging. BM25 (MiniSearch) over the evaluation set, which is small, queried with each pool row's
 * instruction as it streams by, so the pool is never indexed. Options: `benchmarks` (as
 * filter:decontaminate's and selector:match's; default HumanEval at `cache:humaneval.jsonl.gz`; a
 * missing required file is an error naming it), and exactly one of `minScore` and `topK`.
 * Drop category `not_retrieved`; the reason gives the row's score and its best-matching item.
 */
export default definePlugin({
  name: 'selector:retrieve',
  description: 'Keeps the pool rows whose instruction is lexically close (BM25) to an evaluation set, by score or top K',
  options: retrieveOptions,
  apply(ctx, options) {
    const index = new EvalIndex(options.benchmarks);
    ctx.log.info(`retrieving against ${index.name} (${index.items} items, ${index.file})`);
    ctx.hooks.select.tapPromise(async (seeds, sctx) => selectRetrieved(seeds, sctx, index, options));
  },
});
