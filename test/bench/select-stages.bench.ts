/**
 * Pool selection (Infinity Instruct Phase 1, issue #13): rows/s and peak RSS of selector:rules ->
 * selector:dedup -> selector:retrieve over a synthetic pool of BENCH_POOL rows (default 1,000,000;
 * generated as a stream, never stored; see select-pool.ts for what is planted). Each prefix of the
 * chain (rules; rules -> dedup; all three) runs in its own process, so each RSS is that chain's and
 * the differences are each stage's cost. Retrieval keeps rows with BM25 ≥ BENCH_MIN_SCORE (40)
 * against HumanEval. Rows per CPU second are printed beside the wall-clock rate, which a loaded
 * machine lowers. Measures only; never fails on a threshold.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../core/index.js';

const NAMES = ['rules', 'rules -> dedup', 'rules -> dedup -> retrieve'];

export default async function bench(log: (line: string) => void): Promise<void> {
  const n = Number(process.env.BENCH_POOL ?? 1_000_000);
  for (const stages of [1, 2, 3]) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(packageRoot(), 'test/bench/select-stages-worker.ts'), String(n), String(stages)], { encoding: 'utf8', maxBuffer: 1 << 22 });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { seconds: number; perSecond: number; cpuSeconds: number; kept: number; dropped: Record<string, number>; reports: Record<string, Record<string, unknown>>; peakRssMb: number };
    const drops = Object.entries(r.dropped).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ');
    log(`${NAMES[stages - 1]} over ${n.toLocaleString('en')} rows: ${Math.round(r.perSecond).toLocaleString('en')} rows/s (${r.seconds.toFixed(1)} s wall, ${r.cpuSeconds.toFixed(1)} s CPU: ${Math.round(n / r.cpuSeconds).toLocaleString('en')} rows per CPU second), peak RSS ${Math.round(r.peakRssMb)} MB; kept ${r.kept.toLocaleString('en')}; dropped ${drops}`);
    if (r.reports.dedup) log(`  dedup index ${Math.round(Number(r.reports.dedup.indexBytes) / 2 ** 20)} MB`);
    if (r.reports.retrieve) log(`  retrieve BM25 quantiles ${JSON.stringify(r.reports.retrieve.scores)}`);
  }
}
