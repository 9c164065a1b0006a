/**
 * Endpoint utilisation at scale (issue #15): about `SCALE_CALLS` (default 10,000) calls through the
 * infinite-instruct preset, the scripted model served by the test double in its own process at a
 * fixed 200 ms latency, `llm.concurrency: 64`, analyzers off (`SCALE_ANALYZERS=1` adds a run with
 * them on). utilisation = calls x 0.2 s / (wall x 64). Seeds: Python functions of a directory
 * (`SCALE_SEEDS_PATH`, default this machine's Python stdlib), `limit` sized from `SCALE_CALLS`.
 * Printed with the process's CPU per call, since on a small shared machine the run may be CPU-bound
 * (its CPU time exceeding the 200 ms endpoint's ideal wall, calls x 0.2 / 64), and the double's
 * in-flight timeline, which shows where the pipeline leaves slots idle (the pass barrier, the tail):
 * `SCALE_BUCKET_S` sets its interval (default 2 s; 0.25 shows the ramps). `SCALE_PLUGINS` (JSON) is
 * merged into the run's `plugins`, for A/B runs, e.g. `{"strategy:backfeeding":{"earlyExtraction":false}}`.
 */
import { execFileSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import type { ConfigInput } from '../../../core/config/schema.js';
import { loadConfig } from '../../../core/config/load.js';
import { runPipeline } from '../../../core/runner/runner.js';
import { builtinPlugins, implicitPlugins } from '../../../plugins/index.js';
import { quietLog, tempDir } from '../../e2e/helpers.js';
import { startDoubleChild } from './double-child.js';

const LATENCY_MS = 200;
const CALL_SLOTS = 64;
/**
 * Chat calls per seed of this preset over stdlib functions with the scripted model, measured
 * (`SCALE_CALLS_PER_SEED` overrides): used only to size `limit`; the figures use the calls counted.
 */
const CALLS_PER_SEED = 5.8;

/**
 * Returns the utilisation with analyzers off: of one run, or the median of `SCALE_RUNS` runs (on a
 * shared machine one run varies by about +-0.015; the median of 3 or 5 is the figure to compare).
 * Runs after the first reuse this process's loaded modules and warmed-up code, so their start is
 * quicker than an `instructsmith run`'s; compare medians with medians.
 */
export async function utilisation(log: (line: string) => void): Promise<{ utilisation: number; calls: number }> {
  const offRuns: Array<{ utilisation: number; calls: number }> = [];
  const runs = Math.max(1, Number(process.env.SCALE_RUNS ?? 1));
  const calls = Number(process.env.SCALE_CALLS ?? 10_000);
  const seedsPath = process.env.SCALE_SEEDS_PATH ?? execFileSync('python3', ['-c', 'import sysconfig;print(sysconfig.get_path("stdlib"))'], { encoding: 'utf8' }).trim();
  const limit = Math.ceil(calls / Number(process.env.SCALE_CALLS_PER_SEED ?? CALLS_PER_SEED));
  const plan = [...Array.from({ length: runs }, () => false), ...(process.env.SCALE_ANALYZERS ? [true] : [])];
  for (const analyzers of plan) {
    const double = await startDoubleChild(LATENCY_MS);
    try {
      const overrides: ConfigInput = { model: 'openai:scripted-coder', baseUrl: double.url, out: join(tempDir('scale-utilisation'), 'run'), limit, concurrency: CALL_SLOTS, llm: { concurrency: CALL_SLOTS } };
      if (!analyzers) Object.assign(overrides, { plugins: { 'analyzer:python': false }, verify: { unhandled: 'skip' } });
      if (process.env.SCALE_PLUGINS) overrides.plugins = { ...(overrides.plugins as object), ...JSON.parse(process.env.SCALE_PLUGINS) };
      await double.reset();
      const startedAt = Date.now();
      const started = performance.now();
      const cpu = process.cpuUsage();
      // How late the event loop runs callbacks: a reply waits this long before the framework sees it.
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      // The run as `instructsmith run` makes it (config loading included), timed without the test
      // kit's reading of the written records afterwards.
      const { config } = await loadConfig({ cwd: tempDir('scale-cwd'), overrides: { ...overrides, preset: 'infinite-instruct', seeds: seedsPath } });
      const result = await runPipeline({ config, builtins: builtinPlugins, implicit: implicitPlugins, log: quietLog });
      lag.disable();
      const used = process.cpuUsage(cpu);
      const wall = (performance.now() - started) / 1000;
      const stats = await double.stats();
      const cpuS = (used.user + used.system) / 1e6;
      const u = (stats.calls * (LATENCY_MS / 1000)) / (wall * CALL_SLOTS);
      const ideal = (stats.calls * (LATENCY_MS / 1000)) / CALL_SLOTS;
      if (!analyzers) offRuns.push({ utilisation: u, calls: stats.calls });
      log(`${analyzers ? 'analyzers on ' : 'analyzers off'}: ${limit} seeds, ${stats.calls} calls in ${wall.toFixed(1)} s (ideal ${ideal.toFixed(1)} s), kept ${result.funnel.kept}: utilisation ${u.toFixed(3)}, mean ${(u * CALL_SLOTS).toFixed(1)} of ${CALL_SLOTS} in flight`);
      log(`  run process CPU ${cpuS.toFixed(1)} s = ${((1000 * cpuS) / stats.calls).toFixed(2)} ms/call (${(cpuS / wall).toFixed(2)} cores busy); ${cpuS > ideal ? 'CPU-bound here: its CPU time alone exceeds the ideal wall' : 'CPU time below the ideal wall'}`);
      const untilFirst = (stats.firstAt - startedAt) / 1000;
      log(`  double process CPU ${(stats.cpuMs / 1000).toFixed(1)} s = ${(stats.cpuMs / stats.calls).toFixed(2)} ms/call; both ${((cpuS * 1000 + stats.cpuMs) / 1000 / wall).toFixed(2)} cores busy`);
      log(`  wall: ${untilFirst.toFixed(1)} s before the first call, ${stats.spanS.toFixed(1)} s of calls (utilisation over it ${((stats.calls * (LATENCY_MS / 1000)) / (stats.spanS * CALL_SLOTS)).toFixed(3)}), ${(wall - untilFirst - stats.spanS).toFixed(1)} s after the last reply`);
      const ms = (ns: number) => (ns / 1e6).toFixed(0);
      log(`  event-loop delay: mean ${ms(lag.mean)} ms, p50 ${ms(lag.percentile(50))}, p99 ${ms(lag.percentile(99))}, max ${ms(lag.max)} ms`);
      log(`  in flight at the double per ${stats.bucketS} s: ${stats.inFlight.map((n) => n.toFixed(0)).join(' ')}`);
    } finally {
      await double.close();
    }
  }
  const sorted = [...offRuns].sort((a, b) => a.utilisation - b.utilisation);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  if (runs > 1) log(`analyzers off, ${runs} runs: median ${median.utilisation.toFixed(3)} (${sorted.map((r) => r.utilisation.toFixed(3)).join(', ')})`);
  return median;
}
