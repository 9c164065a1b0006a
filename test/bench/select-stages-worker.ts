/**
 * Child process of select-stages.bench.ts, so that its peak RSS is the selection's alone: streams N
 * synthetic pool rows (select-pool.ts) through the first S of selector:rules -> selector:dedup ->
 * selector:retrieve (their generator functions, chained as the select waterfall chains them) and
 * prints one JSON line of figures. Usage: node --import tsx test/bench/select-stages-worker.ts N S
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Seed, SelectContext } from '../../core/index.js';
import { selectUnique } from '../../plugins/selectors/dedup/index.js';
import { poolDedupOptions } from '../../plugins/selectors/dedup/options.js';
import { EvalIndex } from '../../plugins/selectors/retrieve/eval-index.js';
import { selectRetrieved } from '../../plugins/selectors/retrieve/index.js';
import { selectByRules } from '../../plugins/selectors/rules/index.js';
import { rulesOptions } from '../../plugins/selectors/rules/options.js';
import { compileRules } from '../../plugins/selectors/rules/rules.js';
import { poolRow, poolVocabulary } from './select-pool.js';

const n = Number(process.argv[2] ?? 1_000_000);
const stages = Number(process.argv[3] ?? 3);
const HUMANEVAL = resolve(import.meta.dirname, '../../../shared/data/humaneval/HumanEval.jsonl.gz');
const vocab = poolVocabulary(HUMANEVAL);
const dropped: Record<string, number> = {};
const reports: Record<string, unknown> = {};
const context = (name: string): SelectContext => ({
  signal: new AbortController().signal,
  dryRun: false,
  dir: () => mkdtempSync(join(tmpdir(), `bench-${name}-`)),
  drop: (_seed, _reason, category = '?') => void (dropped[`${name}/${category}`] = (dropped[`${name}/${category}`] ?? 0) + 1),
  report: (values) => void (reports[name] = values),
});
async function* pool(): AsyncGenerator<Seed> {
  for (let i = 0; i < n; i++) yield poolRow(i, vocab);
}

const started = performance.now();
const cpuStarted = process.cpuUsage();
let s: AsyncIterable<Seed> = pool();
s = selectByRules(s, context('rules'), compileRules(rulesOptions.parse({ builtin: ['io', 'empty-response', 'length'] })));
if (stages >= 2) s = selectUnique(s, context('dedup'), poolDedupOptions.parse({}));
if (stages >= 3) s = selectRetrieved(s, context('retrieve'), new EvalIndex([{ format: 'humaneval', path: HUMANEVAL, required: true }]), { minScore: Number(process.env.BENCH_MIN_SCORE ?? 40) });
let kept = 0;
for await (const _ of s) kept += 1;
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(JSON.stringify({ n, stages, seconds, perSecond: n / seconds, cpuSeconds, kept, dropped, reports, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
