/**
 * Genetic-Instruct (strategy:genetic) against the HTTP test double, through the real openai client:
 * 1. instant answers: kept samples per second and peak RSS for GENETIC_BENCH_KEPT kept samples
 *    (default 10,000) grown from 64 seed instructions; LLM calls per kept sample;
 * 2. a fixed 100 ms latency per call: throughput with 1, 2 and 4 colonies at the same concurrency
 *    (the ratio shows whether colonies keep the endpoint busy).
 * Static analysis and the sandbox are turned off (analyzers, unit tests): this measures the loop,
 * the runner and the LLM stack, not pylint or bubblewrap. Sizes are our choice; override with
 * GENETIC_BENCH_KEPT and GENETIC_BENCH_LATENCY_KEPT.
 */
import { rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { runPreset } from '../../core/testing/index.js';
import { builtinPlugins, implicitPlugins } from '../../plugins/index.js';
import { tempDir } from '../e2e/helpers.js';

const KEPT = Number(process.env.GENETIC_BENCH_KEPT ?? 10_000);
const LATENCY_KEPT = Number(process.env.GENETIC_BENCH_LATENCY_KEPT ?? 300);
const CONCURRENCY = 32;
const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };

export default async function bench(log: (line: string) => void): Promise<void> {
  const dir = tempDir('genetic-bench');
  const seeds = join(dir, 'seeds.jsonl');
  await writeFile(seeds, Array.from({ length: 64 }, (_, i) => JSON.stringify({ instruction: `Write a Python function \`task_${i}\` that returns the values of a list in order number ${i}. Handle empty input.` })).join('\n') + '\n');
  // The double runs in its own process (genetic-double.ts): its request log must not count in this RSS.
  let double = await startDouble(0);
  // `target` is the run's (`--target`), the other keys strategy:genetic's options.
  const run = async (name: string, { target, ...genetic }: Record<string, unknown>) => {
    const out = join(dir, name);
    let peak = 0;
    const marks: string[] = [];
    let nextMark = 1;
    let lastMade = 0;
    let lastAt = 0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const started = performance.now();
    const { result, kept } = await runPreset({
      // RSS as the population grows (quarters of the target), to show whether it stays bounded.
      onProgress: (p) => {
        const { kept: k, rejected } = p.funnel as { kept: number; rejected: number };
        if (target && k >= (nextMark * (target as number)) / 4) {
          const s = (performance.now() - started) / 1000;
          marks.push(`${k} kept of ${k + rejected} made: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB at ${s.toFixed(0)} s (${((k + rejected - lastMade) / (s - lastAt)).toFixed(0)} made/s since the last mark)`);
          lastMade = k + rejected;
          lastAt = s;
          nextMark += 1;
        }
      },
      preset: 'genetic-instruct',
      seeds,
      builtins: builtinPlugins,
      implicit: implicitPlugins,
      log: quiet,
      overrides: {
        model: 'openai:scripted',
        baseUrl: double.url,
        out,
        concurrency: CONCURRENCY,
        target: target as number,
        llm: { concurrency: CONCURRENCY },
        verify: { unhandled: 'skip' },
        plugins: { 'strategy:genetic': { tests: false, generations: 10_000, ...genetic }, 'executor:sandbox': false, 'analyzer:python': false, 'exporter:messages': false },
      },
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    const usage = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).usage as Record<string, { calls: number }>;
    const calls = Object.values(usage).reduce((n, u) => n + u.calls, 0);
    await rm(join(out, 'cache'), { recursive: true, force: true });
    return { kept: kept.length, rejected: result.funnel.rejected, seconds, peak, calls, marks };
  };
  try {
    const a = await run('instant', { target: KEPT, colonies: 4, batchSize: 256, poolSize: 256 });
    log(`instant answers, 64 seeds -> ${a.kept} kept (${a.rejected} rejected), 4 colonies, concurrency ${CONCURRENCY}: ${(a.kept / a.seconds).toFixed(0)} kept/s, ${((a.kept + a.rejected) / a.seconds).toFixed(0)} records made/s, ${a.seconds.toFixed(1)} s, peak RSS ${(a.peak / 2 ** 20).toFixed(0)} MiB (the test kit then reads the run\'s files into arrays)`);
    log(`by quarter of the target (the double runs in another process; the share kept falls as the double's instructions repeat, so made/s is the pipeline's rate): ${a.marks.join('; ')}`);
    log(`LLM calls per kept sample: ${(a.calls / a.kept).toFixed(2)} (${a.calls} calls: Instructor, Coder, Judge)`);
    double.kill();
    double = await startDouble(100);
    const rates: number[] = [];
    for (const colonies of [1, 2, 4]) {
      const r = await run(`latency-${colonies}`, { target: LATENCY_KEPT, colonies, batchSize: 64 });
      rates.push(r.kept / r.seconds);
      log(`100 ms per call, ${colonies} colonies, concurrency ${CONCURRENCY}: ${r.kept} kept in ${r.seconds.toFixed(1)} s = ${(r.kept / r.seconds).toFixed(1)} kept/s (${(rates.at(-1)! / rates[0]!).toFixed(2)}x 1 colony)`);
    }
  } finally {
    double.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Start genetic-double.ts with a fixed reply latency; returns its URL and a kill switch. */
async function startDouble(latencyMs: number): Promise<{ url: string; kill: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'genetic-double.ts')], { env: { ...process.env, LATENCY_MS: String(latencyMs) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: chunk.toString().trim(), kill: () => child.kill('SIGTERM') };
}
