/**
 * Issue #15's figures in one run (`npm run bench scale`), each section in test/bench/scale/, then
 * the headline ratios together:
 * 1. framework overhead: CPU per LLM call with instant answers against a bare `openai` loop (overhead.ts);
 * 2. endpoint utilisation: ~10,000 calls through infinite-instruct at 200 ms latency, 64 in flight (utilisation.ts);
 * 3. analyzer cost in the main job: pylint processes, files per process, CPU per verified sample
 *    against the batched figure, per verify dispatch policy (analyzers.ts), and the persistent
 *    analyzer servers against one process per batch (analyzer-servers.ts);
 * 4. rate limits: share of 429s and throughput against a double limited to R requests/s (rate-limit.ts);
 * 5. distributed: 1 worker vs 2 workers over BullMQ, datasets compared (distributed.ts).
 * `SCALE_SECTIONS` picks some of `overhead,utilisation,analyzers,servers,rate-limit,distributed`.
 * The machine's load average is printed at the start: on a shared 2-core machine every CPU-bound figure moves with it.
 */
import { loadavg } from 'node:os';
import analyzerServers from './scale/analyzer-servers.js';
import { analyzerCost } from './scale/analyzers.js';
import { distributed } from './scale/distributed.js';
import { overhead } from './scale/overhead.js';
import { rateLimit } from './scale/rate-limit.js';
import { utilisation } from './scale/utilisation.js';

export default async function bench(log: (line: string) => void): Promise<void> {
  const wanted = new Set((process.env.SCALE_SECTIONS ?? 'overhead,utilisation,analyzers,servers,rate-limit,distributed').split(','));
  const summary: string[] = [];
  const section = async <T>(name: string, title: string, run: () => Promise<T>, headline: (value: T) => string | undefined) => {
    if (!wanted.has(name)) return;
    log(`\n### ${title}`);
    const line = headline(await run());
    if (line) summary.push(line);
  };
  log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await section('overhead', 'framework overhead (instant answers)', () => overhead(log), (o) => `framework CPU per call beyond a bare openai loop: ${o.beyondMs.toFixed(2)} ms (target <= 2), ${o.ratio.toFixed(2)}x the bare loop`);
  await section('utilisation', 'endpoint utilisation (200 ms, 64 in flight)', () => utilisation(log), (u) => `endpoint utilisation at ${u.calls} calls: ${u.utilisation.toFixed(3)} (target >= 0.95)`);
  await section('analyzers', 'analyzer cost in the main job (pylint)', () => analyzerCost(log), (rows) =>
    rows.length ? `pylint CPU per verified sample / batched figure: ${rows.map((r) => `${r.policy} ${r.vsBatched.toFixed(2)}x (${r.filesPerProcess.toFixed(1)} files per process)`).join(', ')} (target <= 2x)` : undefined,
  );
  await section('servers', 'persistent analyzer servers against one process per batch', () => analyzerServers(log), () => undefined);
  await section('rate-limit', 'rate limits', () => rateLimit(log), (r) => `rate-limited double: ${(100 * r.share429).toFixed(1)}% of requests got 429 (target < 5%), throughput ${r.throughputVsR.toFixed(2)} x R`);
  await section('distributed', 'distributed (BullMQ)', () => distributed(log), (d) => (d ? `2 workers / 1 worker: ${d.ratio.toFixed(2)}x throughput, datasets identical: ${d.identical ? 'yes' : 'NO'}` : undefined));
  log(`\n### summary (load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  for (const line of summary) log(`- ${line}`);
}
