/**
 * Tagging and distribution matching (Infinity Instruct, issue #13).
 *
 * 1. Vocabulary: 10,000 pool rows tagged by `selector:tag` with the scripted model's `infinity_tags`
 *    replies (in process, no network): distinct level-1 surface forms as the model wrote them versus
 *    distinct tags after normalisation (fold, singular, synonyms), and the rows dropped for invalid replies.
 * 2. Matching: the tagged rows (skewed towards string tasks) against HumanEval's level-2 distribution
 *    (tagged by the same scripted model): JS divergence (base 2) before and after `selectByDistribution`
 *    for several selection sizes; then a synthetic pool (25 categories, Zipf-skewed, 1-3 per row)
 *    against a uniform target.
 * Environment: BENCH_TAG_ROWS (default 10000), BENCH_MATCH_ROWS (synthetic pool, default 50000).
 * Measures only; never fails on a threshold.
 */
import { resolve } from 'node:path';
import { mulberry32, type Seed } from '../../core/index.js';
import { createHarness, MockModel } from '../../core/testing/index.js';
import { readBenchmark } from '../../plugins/filters/decontaminate/benchmarks.js';
import { tagsReply } from '../../plugins/providers/mock/scripted-tags.js';
import { jsDivergence, selectByDistribution, tagDistribution } from '../../plugins/selectors/match/distribution.js';
import tag from '../../plugins/selectors/tag.js';

const ROWS = Number(process.env.BENCH_TAG_ROWS ?? 10_000);
const MATCH_ROWS = Number(process.env.BENCH_MATCH_ROWS ?? 50_000);
const HUMANEVAL = resolve(import.meta.dirname, '../../../shared/data/humaneval/HumanEval.jsonl.gz');

const COMMON = ['reverse each string', 'uppercase a string', 'strip a string of spaces', 'split the string on commas', 'join strings with a separator'];
const RARE = ['sum the digits of an integer', 'check whether a number is prime', 'sort the list of integers', 'count the even values', 'match balanced brackets', 'read a csv file', 'compute fibonacci numbers recursively', 'query a sql table', 'run tasks in parallel threads', 'multiply a matrix by a vector'];

function pool(n: number): Seed[] {
  const rnd = mulberry32(7);
  return Array.from({ length: n }, (_, i) => {
    const pick = (xs: string[]) => xs[Math.floor(rnd() * xs.length)]!;
    const task = rnd() < 0.7 ? pick(COMMON) : `${pick(RARE)} and ${pick(rnd() < 0.5 ? COMMON : RARE)}`;
    const user = `Write a Python function to ${task}. Row ${i}.`;
    return { id: `r${i}`, language: 'python', code: user, source: { path: 'pool.jsonl', line: i + 1 }, kind: 'record', meta: {}, messages: [{ role: 'user', content: user }] };
  });
}

async function tagAll(seeds: readonly Seed[]): Promise<{ selected: Seed[]; dropped: number; report: Record<string, unknown> }> {
  const h = await createHarness([[tag, { concurrency: 32 }]], { model: new MockModel().reply((req) => tagsReply(req)) });
  const run = await h.select(seeds);
  return { selected: run.selected, dropped: run.dropped.length, report: run.reports['selector:tag'] ?? {} };
}

function zipfPool(n: number, categories: number, rnd: () => number): string[][] {
  const weights = Array.from({ length: categories }, (_, i) => 1 / (i + 1) ** 1.2);
  const total = weights.reduce((a, b) => a + b, 0);
  const draw = () => {
    let x = rnd() * total;
    for (let i = 0; i < categories; i++) if ((x -= weights[i]!) <= 0) return `c${i}`;
    return `c${categories - 1}`;
  };
  return Array.from({ length: n }, () => [...new Set(Array.from({ length: 1 + Math.floor(rnd() * 3) }, draw))]);
}

export default async function bench(log: (line: string) => void): Promise<void> {
  let t = performance.now();
  const tagged = await tagAll(pool(ROWS));
  const v = tagged.report.vocabulary as { surfaceForms: number; tags: number };
  log(`vocabulary: ${ROWS.toLocaleString('en')} rows tagged in ${((performance.now() - t) / 1000).toFixed(1)} s (scripted replies through the LLM middleware); ${tagged.dropped} dropped (invalid replies)`);
  log(`  level-1 surface forms ${v.surfaceForms} -> ${v.tags} tags after normalisation (${(v.surfaceForms / v.tags).toFixed(2)}x smaller); level-2 answers mapped ${String(tagged.report.categoriesMapped)}, left out ${String(tagged.report.categoriesUnknown)}`);

  const evalSet = readBenchmark({ format: 'humaneval', path: HUMANEVAL, required: true })!;
  const prompts = [...new Map(evalSet.texts.filter((x) => x.field === 'prompt').map((x) => [x.item, x.text])).values()];
  const evalTagged = await tagAll(prompts.map((p, i) => ({ id: `e${i}`, language: 'python', code: p, source: { path: 'HumanEval', line: i + 1 }, kind: 'record', meta: {} })));
  const target = tagDistribution(evalTagged.selected.map((s) => s.label!.cate_ability_en ?? []));
  const rows = tagged.selected.map((s) => s.label!.cate_ability_en ?? []);
  const before = jsDivergence(target, tagDistribution(rows));
  for (const k of [250, 1000, 2500]) {
    t = performance.now();
    const chosen = selectByDistribution(rows, target, k);
    const ms = performance.now() - t;
    log(`match vs HumanEval (${evalTagged.selected.length} items, level 2): select ${k} of ${rows.length}: JS ${before.toFixed(4)} -> ${jsDivergence(target, tagDistribution(chosen.map((i) => rows[i]!))).toFixed(4)} in ${ms.toFixed(0)} ms`);
  }

  const rnd = mulberry32(11);
  const synthetic = zipfPool(MATCH_ROWS, 25, rnd);
  const uniform = new Map(Array.from({ length: 25 }, (_, i) => [`c${i}`, 1 / 25]));
  const sBefore = jsDivergence(uniform, tagDistribution(synthetic));
  for (const k of [1000, 5000]) {
    t = performance.now();
    const chosen = selectByDistribution(synthetic, uniform, k);
    const ms = performance.now() - t;
    log(`match synthetic (25 categories, Zipf 1.2, 1-3 per row) vs uniform: select ${k} of ${MATCH_ROWS.toLocaleString('en')}: JS ${sBefore.toFixed(4)} -> ${jsDivergence(uniform, tagDistribution(chosen.map((i) => synthetic[i]!))).toFixed(4)} in ${ms.toFixed(0)} ms`);
  }
}
