/**
 * `npm run bench`: runs every `test/bench/*.bench.ts` (or only those whose name contains argv[2]).
 * Each bench module default-exports `async (log: (line: string) => void) => void` and prints its
 * figures and ratios. Benchmarks measure; they never fail on a threshold.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort();
if (files.length === 0) {
  console.log(`no benchmark matches "${filter}"`);
  process.exit(1);
}
for (const file of files) {
  console.log(`\n## ${file.replace(/\.bench\.ts$/, '')}`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: (log: (line: string) => void) => Promise<void> };
  const started = performance.now();
  await mod.default((line) => console.log(line));
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
