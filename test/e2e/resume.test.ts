import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/paths.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { dataset, HUMANEVAL, runPreset, tempDir } from './helpers.js';

const SEEDS = 60;
const CONCURRENCY = 6;
/**
 * Seeds in flight at most. The window is fixed (`--max-concurrency` = `--concurrency`): with the
 * adaptive window every seed may be in flight at the kill, none checkpointed, and the rerun would
 * start over rather than resume (the adaptive window's order and bounds: core/runner/ordered.test.ts).
 */
const MAX_SEEDS_IN_FLIGHT = CONCURRENCY;

function cli(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'cli/bin.ts'), ...args], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
}

describe('resume after SIGKILL', () => {
  let double: LlmDouble;
  beforeAll(async () => {
    double = await startLlmDouble();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
  });
  afterAll(async () => double?.close());

  it('continues a killed run, repeats no finished call, and ends with exactly the uninterrupted dataset', async () => {
    const reference = tempDir('ref');
    await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: 'openai:scripted-coder', baseUrl: double.url, out: reference, limit: SEEDS, concurrency: CONCURRENCY, maxConcurrency: CONCURRENCY });
    const referenceCalls = double.chatRequests().length;
    double.reset();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));

    const out = tempDir('killed');
    const args = ['run', '--preset', 'infinite-instruct', '--seeds', HUMANEVAL, '--model', 'openai:scripted-coder', '--base-url', double.url, '--out', out, '--limit', String(SEEDS), '--concurrency', String(CONCURRENCY), '--max-concurrency', String(CONCURRENCY)];
    const first = cli(args);
    // Kill hard in the middle of the run: once a third of the reference run's calls have been made.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (double.chatRequests().length >= referenceCalls / 3) {
          clearInterval(timer);
          first.kill('SIGKILL');
          resolve();
        }
      }, 5);
    });
    const exit = await new Promise<NodeJS.Signals | null>((resolve) => first.on('exit', (_code, signal) => resolve(signal)));
    expect(exit).toBe('SIGKILL');
    const beforeKill = double.chatRequests().map((r) => JSON.stringify([r.messages, r.seed, r.schemaName]));
    const partial = readFileSync(join(out, 'samples.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    expect(partial).toBeLessThan(SEEDS);

    const second = cli(args);
    let stderr = '';
    second.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => second.on('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(/^instructsmith:/m); // warnings may appear; errors may not
    expect(code).toBe(0);

    const afterKill = double.chatRequests().slice(beforeKill.length).map((r) => JSON.stringify([r.messages, r.seed, r.schemaName]));
    const repeated = afterKill.filter((k) => beforeKill.includes(k));
    // Only calls in flight at the kill (sent, not yet answered and cached) may be sent again: at most
    // the 3 judgments of each seed in flight.
    expect(repeated.length).toBeLessThanOrEqual(MAX_SEEDS_IN_FLIGHT * 3);
    expect(beforeKill.length + afterKill.length - repeated.length).toBe(referenceCalls);

    expect(dataset(out)).toEqual(dataset(reference));
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    const ref = JSON.parse(readFileSync(join(reference, 'run.json'), 'utf8'));
    expect(run.status).toBe('complete');
    expect(run.resumed).toBe(true);
    expect(run.funnel).toEqual(ref.funnel);
    // usage counts what the endpoint received: the reference run's calls are the double's; the resumed
    // run's are every call of the second process plus those the first one checkpointed before the kill.
    const model = 'openai:scripted-coder';
    expect(ref.usage[model]).toMatchObject({ calls: referenceCalls, cachedCalls: 0 });
    expect(run.usage[model].calls).toBeGreaterThanOrEqual(afterKill.length);
    expect(run.usage[model].calls).toBeLessThanOrEqual(beforeKill.length + afterKill.length);
    expect(run.usage[model].cachedCalls).toBeGreaterThan(0);
  }, 600_000);
});
