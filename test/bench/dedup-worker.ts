/**
 * Child process of dedup.bench.ts, so that its peak RSS is the dedup index's alone: streams N
 * synthetic samples with planted exact and near-duplicates through the Deduplicator and prints
 * one JSON line of figures. Usage: node --import tsx test/bench/dedup-worker.ts N
 */
import { tmpdir } from 'node:os';
import { Deduplicator } from '../../plugins/filters/dedup/deduplicator.js';
import { dedupOptions } from '../../plugins/filters/dedup/options.js';
import { syntheticSample } from './dedup-synthetic.js';

const n = Number(process.argv[2] ?? 100_000);
const d = new Deduplicator(dedupOptions.parse({}), tmpdir());
const counts = { exact: 0, near: 0, plantedExact: 0, plantedNear: 0, nearCaught: 0, exactCaught: 0, unplanted: 0 };
const started = performance.now();
for (let i = 0; i < n; i++) {
  const s = syntheticSample(i);
  if (s.planted === 'exact') counts.plantedExact += 1;
  if (s.planted === 'near') counts.plantedNear += 1;
  const p = d.prepare(s.record);
  const m = d.find(p);
  if (m) {
    counts[m.kind] += 1;
    if (s.planted === 'near') counts.nearCaught += 1;
    if (s.planted === 'exact') counts.exactCaught += 1;
    if (!s.planted) counts.unplanted += 1;
  } else d.add(p);
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ n, seconds, perSecond: n / seconds, kept: d.size, ...counts, indexMb: d.bytes / 2 ** 20, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
d.close();
