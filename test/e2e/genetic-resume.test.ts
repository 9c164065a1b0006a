import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/paths.js';
import { dataset, tempDir } from './helpers.js';

const SEEDS = join(packageRoot(), 'test', 'fixtures', 'genetic-seeds.jsonl');
const TARGET = 80;

function keptLines(dir: string): number {
  const f = join(dir, 'samples.jsonl');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0;
}

function cli(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'cli/bin.ts'), ...args], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
}

async function finish(child: ReturnType<typeof cli>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

describe('genetic-instruct: resume after SIGKILL', () => {
  it('a run killed in mid-evolution and run again ends with exactly the population of an uninterrupted run', async () => {
    const config = join(tempDir('genetic-config'), 'instructsmith.config.yaml');
    // Small sizes so the test is quick; the mechanism is the preset's.
    writeFileSync(config, `target: ${TARGET}\nplugins:\n  strategy:genetic: { colonies: 2, batchSize: 12, tests: false }\n`);
    const args = (out: string) => ['run', '--preset', 'genetic-instruct', '--seeds', SEEDS, '--model', 'mock:scripted', '--config', config, '--out', out, '--concurrency', '8', '--no-progress'];

    const reference = tempDir('genetic-ref');
    const ref = await finish(cli(args(reference)));
    expect(ref.code, ref.stderr).toBe(0);
    expect(keptLines(reference)).toBe(TARGET);

    const out = tempDir('genetic-killed');
    // Kill twice: once during the seed pass's aftermath / first generations, once later in the evolution.
    for (const at of [25, 55]) {
      const child = cli(args(out));
      const done = finish(child);
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (keptLines(out) >= at) {
            clearInterval(timer);
            child.kill('SIGKILL');
            resolve();
          }
        }, 5);
        void done.then(() => (clearInterval(timer), resolve()));
      });
      const killed = await done;
      expect(killed.signal).toBe('SIGKILL');
      expect(keptLines(out)).toBeLessThan(TARGET);
    }
    const last = await finish(cli(args(out)));
    expect(last.stderr).not.toMatch(/^instructsmith:/m);
    expect(last.code).toBe(0);

    expect(dataset(out)).toEqual(dataset(reference));
    expect(readFileSync(join(out, 'genetic', 'generations.json'), 'utf8')).toBe(readFileSync(join(reference, 'genetic', 'generations.json'), 'utf8'));
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    const refRun = JSON.parse(readFileSync(join(reference, 'run.json'), 'utf8'));
    expect(run).toMatchObject({ status: 'complete', resumed: true });
    expect(run.funnel).toEqual(refRun.funnel);
  }, 600_000);
});
