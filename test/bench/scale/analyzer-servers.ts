/**
 * Analyzers at their batched cost (issue #15): pylint, ESLint and tsc as long-lived servers
 * (`server: true`, core/verify/tool-server.ts) against one tool process per batch (`server: false`),
 * for batches of 4 (what a run's gate forms when few records are in flight: 3.9 files per pylint
 * process measured in a real run) and of 64 (the bench's batched figure, test/bench/analyzers.bench.ts).
 *
 * Per tool, batch size and mode: a fresh harness with the plugin checks ROUNDS consecutive batches
 * of valid generated samples (test/fixtures/analyzers/generate.ts), one batch at a time, then
 * `runEnd` closes its servers. CPU is this process's user+system time plus that of its reaped
 * children (/proc/self/stat utime, stime, cutime, cstime), from before the first batch to after
 * the close, so a server's start-up and its whole life are counted; per sample = CPU / samples.
 * Wall per batch is the median over the batches (the first, which starts the server, is in the
 * CPU figure); the steady column leaves the first batch out of CPU. Modes run back to back in one process; the machine is shared, so read the ratios.
 *
 * Environment: SERVER_BENCH_ROUNDS4 (batches of 4, default 16), SERVER_BENCH_ROUNDS64 (default 4),
 * SERVER_BENCH_TOOLS (comma list of python,javascript,typescript).
 */
import { availableParallelism, loadavg } from 'node:os';
import { execa } from 'execa';
import { findExecutable, type Plugin } from '../../../core/index.js';
import { createHarness } from '../../../core/testing/index.js';
import javascript from '../../../plugins/analyzers/javascript.js';
import python from '../../../plugins/analyzers/python.js';
import typescript from '../../../plugins/analyzers/typescript.js';
import { validSamples } from '../../fixtures/analyzers/generate.js';
import { samplesOf } from '../../fixtures/analyzers/harness.js';
import { liveChildrenSeconds, selfAndReapedSeconds } from './cpu.js';

const TOOLS: Array<{ language: string; tool: string; plugin: Plugin; available: () => boolean }> = [
  { language: 'python', tool: 'pylint', plugin: python as Plugin, available: () => Boolean(findExecutable('pylint')) },
  { language: 'javascript', tool: 'eslint', plugin: javascript as Plugin, available: () => true },
  { language: 'typescript', tool: 'tsc', plugin: typescript as Plugin, available: () => true },
];

interface Measure {
  cpuPerSample: number;
  /** The same from the end of the first batch (which starts a server) to after the close. */
  steadyCpuPerSample: number;
  wallPerBatch: number;
  passed: number;
  samples: number;
}

async function measure(plugin: Plugin, language: string, server: boolean, size: number, rounds: number, ticks: number): Promise<Measure> {
  const codes = validSamples(language, size * rounds).map((code) => ({ code }));
  const harness = await createHarness([[plugin, { server }]]);
  const walls: number[] = [];
  let passed = 0;
  const cpu0 = selfAndReapedSeconds(ticks);
  let cpu1 = cpu0;
  for (let r = 0; r < rounds; r++) {
    // Start-up is what the first batch cost, the servers' share included (counted at their reaping).
    if (r === 1) cpu1 = selfAndReapedSeconds(ticks) + liveChildrenSeconds(ticks);
    const t = performance.now();
    const results = await harness.analyze(language, samplesOf(language, codes.slice(r * size, (r + 1) * size)));
    walls.push((performance.now() - t) / 1000);
    passed += results.filter((c) => c.passed).length;
  }
  // Read the same way as cpu1 (live servers included): a server closed at runEnd may not be reaped, and so not in cutime, when `end` is read.
  const steadyEnd = selfAndReapedSeconds(ticks) + liveChildrenSeconds(ticks);
  await harness.hooks.runEnd.promise({ runDir: harness.runDir, kept: 0, rejected: 0, funnel: {} });
  const end = Math.max(selfAndReapedSeconds(ticks), steadyEnd);
  walls.sort((a, b) => a - b);
  return { cpuPerSample: (end - cpu0) / (size * rounds), steadyCpuPerSample: rounds > 1 ? (steadyEnd - cpu1) / (size * (rounds - 1)) : NaN, wallPerBatch: walls[Math.floor(walls.length / 2)]!, passed, samples: size * rounds };
}

export default async function analyzerServers(log: (line: string) => void): Promise<void> {
  const ticks = Number((await execa('getconf', ['CLK_TCK'], { reject: false })).stdout) || 100;
  const rounds: Record<number, number> = { 4: Number(process.env.SERVER_BENCH_ROUNDS4 ?? 16), 64: Number(process.env.SERVER_BENCH_ROUNDS64 ?? 4) };
  const wanted = process.env.SERVER_BENCH_TOOLS?.split(',') ?? TOOLS.map((t) => t.language);
  log(`analyzer servers: ${availableParallelism()} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start; one batch at a time; CPU includes children and server start-up`);
  const rows: string[][] = [['tool', 'batch', 'CPU/sample CLI', 'CPU/sample server', 'CLI/server', 'wall/batch CLI', 'wall/batch server', 'CLI/server', 'server@4 vs CLI@64 CPU', 'steady: server@4 vs CLI@64']];
  for (const { language, tool, plugin, available } of TOOLS) {
    if (!wanted.includes(language)) continue;
    if (!available()) {
      log(`${tool}: skipped, not installed`);
      continue;
    }
    const cli64 = await measure(plugin, language, false, 64, rounds[64]!, ticks);
    for (const size of [4, 64]) {
      const cli = size === 64 ? cli64 : await measure(plugin, language, false, size, rounds[size]!, ticks);
      const srv = await measure(plugin, language, true, size, rounds[size]!, ticks);
      if (cli.passed !== cli.samples || srv.passed !== srv.samples) log(`${tool} batch ${size}: passed ${cli.passed}/${cli.samples} (CLI), ${srv.passed}/${srv.samples} (server): valid samples failed`);
      rows.push([
        tool,
        String(size),
        `${(cli.cpuPerSample * 1000).toFixed(0)} ms`,
        `${(srv.cpuPerSample * 1000).toFixed(0)} ms`,
        `${(cli.cpuPerSample / srv.cpuPerSample).toFixed(1)}x`,
        `${cli.wallPerBatch.toFixed(2)} s`,
        `${srv.wallPerBatch.toFixed(2)} s`,
        `${(cli.wallPerBatch / srv.wallPerBatch).toFixed(1)}x`,
        size === 4 ? `${(srv.cpuPerSample / cli64.cpuPerSample).toFixed(2)}x` : '-',
        size === 4 ? `${(srv.steadyCpuPerSample / cli64.steadyCpuPerSample).toFixed(2)}x (${(srv.steadyCpuPerSample * 1000).toFixed(0)} ms vs ${(cli64.steadyCpuPerSample * 1000).toFixed(0)} ms)` : '-',
      ]);
      log(`${tool} batch ${size}: CPU/sample ${(cli.cpuPerSample * 1000).toFixed(0)} ms CLI, ${(srv.cpuPerSample * 1000).toFixed(0)} ms server (${(cli.cpuPerSample / srv.cpuPerSample).toFixed(1)}x)`);
    }
  }
  log(`load ${loadavg().map((l) => l.toFixed(2)).join(' ')} at end`);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}
