/**
 * Child process of pool-read.bench.ts, so that its peak RSS is the pool reader's alone: reads one
 * pool (file or directory) with seed:pool's reader and prints one JSON line of figures.
 * Usage: node --import tsx test/bench/pool-read-worker.ts PATH ONMALFORMED
 */
import { statSync } from 'node:fs';
import { poolOptions } from '../../plugins/seeds/pool/options.js';
import { readPoolSeeds } from '../../plugins/seeds/pool/read.js';

const path = process.argv[2]!;
const options = poolOptions.parse({ onMalformed: process.argv[3] ?? 'error' });
let skipped = 0;
const query = { path, isDirectory: statSync(path).isDirectory(), skip: () => void (skipped += 1) };
const quiet = { info() {}, warn() {}, debug() {} };
const started = performance.now();
let seeds = 0;
let chars = 0;
for await (const seed of readPoolSeeds(query, options, quiet)) {
  seeds += 1;
  chars += seed.code.length;
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ seeds, skipped, chars, seconds, perSecond: seeds / seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
