/**
 * filter:dedup on a resumed run: killed (SIGKILL) after its first samples, run again, the run ends
 * with exactly the dataset of an uninterrupted run, near-duplicate drops included: the index is
 * rebuilt from the replayed kept samples, so a duplicate of a sample kept before the kill is still
 * dropped after it, naming the same sample.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../core/index.js';

const STDLIB = execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_path("stdlib"))'], { encoding: 'utf8' }).trim();

function cli(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'cli/bin.ts'), ...args], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
}
const exit = (p: ReturnType<typeof cli>) => new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
const lines = (dir: string, f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean) : []);
// The dataset as content (a resumed run answers repeated calls from its cache: `cached` differs).
const dataset = (dir: string) => ['samples.jsonl', 'rejected.jsonl'].flatMap((f) => lines(dir, f).map((l) => JSON.stringify({ ...JSON.parse(l), usage: [] })));

describe('filter:dedup across a kill -9 and resume', () => {
  it('drops the same duplicates, naming the same kept samples, as an uninterrupted run', async () => {
    const tree = mkdtempSync(join(tmpdir(), 'dedup-resume-'));
    mkdirSync(join(tree, 'a'));
    mkdirSync(join(tree, 'z'));
    for (const m of ['colorsys.py', 'bisect.py']) {
      cpSync(join(STDLIB, m), join(tree, 'a', m));
      // A lightly edited copy, read after the original (seeds come in path order).
      writeFileSync(join(tree, 'z', m), readFileSync(join(STDLIB, m), 'utf8').replace(/^(def .*:)$/gm, '$1\n    # vendored copy'));
    }
    const args = (out: string) => ['run', '--preset', 'infinite-instruct', '--seeds', tree, '--model', 'mock:scripted', '--out', out, '--concurrency', '2', '--no-progress'];
    const reference = join(mkdtempSync(join(tmpdir(), 'dedup-ref-')), 'run');
    expect(await exit(cli(args(reference)))).toBe(0);
    const total = dataset(reference).length;
    expect(lines(reference, 'rejected.jsonl').some((l) => JSON.parse(l).dropped.plugin === 'filter:dedup')).toBe(true);

    const out = join(mkdtempSync(join(tmpdir(), 'dedup-killed-')), 'run');
    const first = cli(args(out));
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (lines(out, 'samples.jsonl').length + lines(out, 'rejected.jsonl').length >= total / 3) {
          clearInterval(timer);
          first.kill('SIGKILL');
          resolve();
        }
      }, 5);
    });
    await exit(first);
    // What the resumed run replays: the kept samples the checkpoint covers; what it writes anew: the records after it.
    const cp = JSON.parse(readFileSync(join(out, 'state', 'checkpoint.json'), 'utf8')) as { kept: number; rejected: number };
    expect(cp.kept).toBeGreaterThan(0);
    expect(dataset(out).length).toBeLessThan(total);

    expect(await exit(cli(args(out)))).toBe(0);
    expect(dataset(out)).toEqual(dataset(reference));
    const replayed = new Set(lines(out, 'samples.jsonl').slice(0, cp.kept).map((l) => JSON.parse(l).id));
    const afterResume = lines(out, 'rejected.jsonl').slice(cp.rejected).map((l) => JSON.parse(l)).filter((r) => r.dropped.plugin === 'filter:dedup');
    // At least one duplicate dropped by the second process names a sample only the replay told it about.
    expect(afterResume.some((r) => replayed.has(r.meta['filter:dedup'].of))).toBe(true);
  }, 600_000);
});
