/**
 * Analyzer throughput and accuracy (issue #3).
 *
 * Throughput: samples per second through each analyzer, batched (the gate's default batch of 64
 * samples per tool process) versus one tool process per sample, one process at a time in both
 * modes so the ratio measures batching alone. Batched mode runs the whole corpus (default 1,000
 * samples per language); per-sample mode is timed on the first SINGLE samples (default 20) and
 * extrapolated to the corpus, as printed.
 *
 * Accuracy: the fixture corpus (test/fixtures/analyzers) plus the generated corpus (valid samples
 * and planted errors, test/fixtures/analyzers/generate.ts); a false positive is a valid sample
 * that fails, a false negative a planted error that passes.
 *
 * The gate column runs the same corpus through createVerifier (the runner's path): batches of
 * different records in parallel up to the cores; its ratio is against the per-sample rate.
 *
 * Environment: BENCH_SAMPLES (default 1000), BENCH_SINGLE (20), BENCH_PLANTED (150),
 * BENCH_LANGUAGES (comma list; default all with their tool installed).
 */
import { availableParallelism } from 'node:os';
import { findExecutable, type CheckResult, type Plugin, type SampleRecord } from '../../core/index.js';
import { createHarness, type PluginHarness } from '../../core/testing/index.js';
// The gate is core's, not public API: the benchmark measures the runner's own verification path.
import { createVerifier } from '../../core/verify/gate.js';
import { analyzers } from '../../plugins/analyzers/index.js';
import { GENERATED_LANGUAGES, plantedErrors, validSamples } from '../fixtures/analyzers/generate.js';
import { loadCorpus, samplesOf } from '../fixtures/analyzers/harness.js';

const N = Number(process.env.BENCH_SAMPLES ?? 1000);
const SINGLE = Number(process.env.BENCH_SINGLE ?? 20);
const PLANTED = Number(process.env.BENCH_PLANTED ?? 150);
const BATCH = 64;

/** The executables each analyzer needs (the bench skips a language whose tool is missing, and says so). */
const TOOLS: Record<string, string[]> = {
  python: ['pylint'], javascript: [process.execPath], typescript: [process.execPath], java: ['javac', 'checkstyle'], c: ['clang-tidy'], cpp: ['clang-tidy'],
  sql: ['sqlfluff'], shell: ['shellcheck'], go: ['go', 'gofmt'], rust: ['rustc'], php: ['php'],
};

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t) / 1000 };
}

async function inBatches(harness: PluginHarness, language: string, codes: Array<{ code: string; dialect?: string }>, size: number): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (let i = 0; i < codes.length; i += size) out.push(...(await harness.analyze(language, samplesOf(language, codes.slice(i, i + size)))));
  return out;
}

/**
 * The production path: every sample as a record with a fenced answer, all verified concurrently
 * through the gate (DataLoader batching, batchSize 64, cpuBudget = cores). Returns samples/s.
 */
async function throughGate(harness: PluginHarness, language: string, codes: string[]): Promise<number> {
  const verifier = createVerifier({ hooks: harness.hooks, policy: { batchSize: BATCH, cpuBudget: availableParallelism() } });
  const records = codes.map((code, i): SampleRecord => ({
    id: `bench-${language}-${i}`,
    language,
    messages: [{ role: 'user', content: 'task' }, { role: 'assistant', content: `\`\`\`\n${code}\n\`\`\`` }],
    lineage: { seedId: '', source: 'bench', strategy: 'bench', parentIds: [], generation: 0 },
    scores: [],
    checks: [],
    usage: [],
    meta: {},
    stage: 'responded',
  }));
  const { seconds, value } = await timed(() => Promise.all(records.map((r) => verifier.verify(r, harness.stage('verified')))));
  if (value.some((o) => !o.passed)) throw new Error(`${language}: the gate rejected a valid generated sample: ${value.find((o) => !o.passed)!.reason}`);
  return codes.length / seconds;
}

export default async function bench(log: (line: string) => void): Promise<void> {
  const wanted = process.env.BENCH_LANGUAGES?.split(',').map((s) => s.trim()) ?? GENERATED_LANGUAGES;
  log(`cores: ${availableParallelism()}; batched: ${N} samples per language in batches of ${BATCH}; per-sample: first ${SINGLE} samples, one process each, extrapolated`);
  log('');
  const speed: string[][] = [['language', 'tool', 'batched s/s', 'per-sample s/s', 'ratio', `batched ${N}`, `per-sample ${N} (est.)`, `gate s/s (${availableParallelism()} procs)`]];
  const accuracy: string[][] = [['language', 'valid', 'false pos.', 'planted', 'false neg.', 'FP / FN examples']];
  for (const language of wanted) {
    const plugin = analyzers.find((a) => a.name === `analyzer:${language}`) as Plugin | undefined;
    if (!plugin) continue;
    const missing = (TOOLS[language] ?? []).filter((t) => !findExecutable(t));
    if (missing.length) {
      log(`${language}: skipped, ${missing.join(', ')} not installed`);
      continue;
    }
    const harness = await createHarness([plugin]);
    const valid = validSamples(language, N).map((code) => ({ code }));
    const batched = await timed(() => inBatches(harness, language, valid, BATCH));
    const single = await timed(() => inBatches(harness, language, valid.slice(0, SINGLE), 1));
    const bRate = N / batched.seconds;
    const sRate = SINGLE / single.seconds;
    const tool = batched.value[0]?.tool ?? '?';
    const gRate = await throughGate(harness, language, valid.map((v) => v.code));
    speed.push([language, tool, bRate.toFixed(1), sRate.toFixed(2), `${(bRate / sRate).toFixed(1)}x`, `${batched.seconds.toFixed(1)} s`, `${(N / sRate).toFixed(0)} s`, `${gRate.toFixed(1)} (${(gRate / sRate).toFixed(1)}x)`]);

    const corpus = loadCorpus(language);
    const planted = plantedErrors(language, PLANTED);
    const fixtureResults = await inBatches(harness, language, [...corpus.valid, ...corpus.invalid], BATCH);
    const plantedResults = await inBatches(harness, language, planted, BATCH);
    const fpNames = [
      ...batched.value.flatMap((r, i) => (r.passed ? [] : [`generated #${i}: ${r.diagnostics.find((d) => d.severity === 'error')?.rule}`])),
      ...corpus.valid.flatMap((e, i) => (fixtureResults[i]!.passed ? [] : [e.name])),
    ];
    const fnNames = [
      ...planted.flatMap((p, i) => (plantedResults[i]!.passed ? [`planted ${p.kind} #${i}`] : [])),
      ...corpus.invalid.flatMap((e, k) => (fixtureResults[corpus.valid.length + k]!.passed ? [e.name] : [])),
    ];
    accuracy.push([
      language,
      String(N + corpus.valid.length),
      String(fpNames.length),
      String(planted.length + corpus.invalid.length),
      String(fnNames.length),
      [...fpNames.slice(0, 2).map((n) => `FP ${n}`), ...fnNames.slice(0, 2).map((n) => `FN ${n}`)].join('; ') || '-',
    ]);
    log(`${language}: batched ${bRate.toFixed(1)} samples/s, per-sample ${sRate.toFixed(2)} samples/s (${(bRate / sRate).toFixed(1)}x); FP ${fpNames.length}, FN ${fnNames.length}`);
  }
  if (wanted.includes('cpp') && findExecutable('clang-tidy')) speed.push(...(await precompiledHeaders(log)));
  log('');
  log('## throughput (samples per second; batched and per-sample: one tool process at a time; gate: records verified concurrently, batches in parallel up to the cores)');
  for (const line of table(speed)) log(line);
  log('');
  log('## accuracy (valid = generated + fixtures; planted = generated planted errors + fixtures)');
  for (const line of table(accuracy)) log(line);
}

/**
 * Shared precompiled headers (plugins/analyzers/clang-pch.ts) on C++ snippets without includes,
 * which the analyzer wraps with `<bits/stdc++.h>`: one batch of PCH_SNIPPETS (default 16) with and
 * without `pch`, each run timing everything including the header build (first use in the process).
 */
async function precompiledHeaders(log: (line: string) => void): Promise<string[][]> {
  const n = Number(process.env.PCH_SNIPPETS ?? 16);
  const plugin = analyzers.find((a) => a.name === 'analyzer:cpp') as Plugin;
  const snippets = Array.from({ length: n }, (_, i) => ({
    code: `int total${i}(int n) {\n    vector<int> v(n);\n    iota(v.begin(), v.end(), ${i});\n    return accumulate(v.begin(), v.end(), 0);\n}\n`,
  }));
  const rows: string[][] = [];
  const rates: number[] = [];
  for (const pch of [false, true]) {
    const harness = await createHarness([[plugin, { pch }]]);
    const run = await timed(() => harness.analyze('cpp', samplesOf('cpp', snippets)));
    if (run.value.some((r) => !r.passed)) throw new Error(`cpp snippets (pch ${pch}): a valid snippet failed: ${run.value.find((r) => !r.passed)!.diagnostics[0]?.message}`);
    rates.push(n / run.seconds);
    rows.push([`cpp, bits/stdc++.h wrapper, pch ${pch ? 'on' : 'off'}`, 'clang-tidy', (n / run.seconds).toFixed(2), '-', pch ? `${(rates[1]! / rates[0]!).toFixed(1)}x vs pch off` : '-', `${run.seconds.toFixed(1)} s for ${n}`, '-', '-']);
  }
  log(`cpp snippets wrapped with <bits/stdc++.h>: ${rates[0]!.toFixed(2)} samples/s without a precompiled header, ${rates[1]!.toFixed(2)} with (${(rates[1]! / rates[0]!).toFixed(1)}x)`);
  return rows;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}
