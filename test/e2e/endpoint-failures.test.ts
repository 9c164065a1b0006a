import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_STOPPED_RESUMABLE } from '../../cli/main.js';
import type { SampleRecord } from '../../core/index.js';
import { packageRoot } from '../../core/paths.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { dataset, HUMANEVAL, readJsonl, tempDir } from './helpers.js';

/**
 * Issue #17, point 2: an endpoint-wide failure (nothing listening, garbage replies, a rejected key)
 * stops the run with the resumable exit code, drops no sample for it, leaves run.json not complete,
 * and the same command against a healthy endpoint ends with exactly the undisturbed run's dataset.
 */

const KEY = 'sk-test-endpoint-right-0123456789';
const SEEDS = 6;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'cli/bin.ts'), ...args], {
    cwd: packageRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

async function closedPort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function runJson(dir: string): { status: string; usage: Record<string, { calls: number; cachedCalls: number }> } {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
}

describe('endpoint-wide failures stop the run, resumably', () => {
  let double: LlmDouble;
  let config: string;
  let reference: string;
  let referenceCalls: number;
  const args = (out: string, url: string) => ['run', '--preset', 'infinite-instruct', '--seeds', HUMANEVAL, '--model', 'openai:scripted-coder', '--base-url', url, '--out', out, '--limit', String(SEEDS), '--concurrency', '3', '--config', config];
  const healthy = () => {
    double.reset();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
  };

  beforeAll(async () => {
    double = await startLlmDouble({ requireKey: KEY });
    // Fast backoff so that exhausted retries take milliseconds; llm settings do not change the data.
    config = join(tempDir('cfg'), 'instructsmith.config.json');
    // A fixed window of 3 seeds (no adaptive growth): the first seeds finish before the endpoint breaks.
    writeFileSync(config, JSON.stringify({ maxConcurrency: 3, llm: { backoffBaseMs: 1, backoffMaxMs: 10, maxAttempts: 3 } }));
    healthy();
    reference = tempDir('ref');
    const r = await cli(args(reference, double.url), { OPENAI_API_KEY: KEY });
    expect(r.stderr).not.toMatch(/^instructsmith:/m);
    expect(r.code).toBe(0);
    referenceCalls = double.count('openai.chat');
  }, 300_000);
  afterAll(async () => double?.close());

  it('reports in run.json the calls the endpoint received', () => {
    const usage = runJson(reference).usage['openai:scripted-coder']!;
    expect(referenceCalls).toBeGreaterThan(SEEDS);
    expect(usage).toMatchObject({ calls: referenceCalls, cachedCalls: 0 });
  });

  /**
   * The checks common to every failure: resumable stop, no drop for it, then the rerun completes.
   * @param finished whether the stopped run finished seeds before the failure: the rerun then continues
   *   from its checkpoint (run.json `resumed`, "complete (resumed)"); with none finished it starts over.
   */
  async function expectStopThenResume(out: string, failed: CliResult, why: RegExp, finished: boolean) {
    expect(failed.code).toBe(EXIT_STOPPED_RESUMABLE);
    expect(failed.stderr).toMatch(why);
    expect(failed.stderr).toContain(`resume with:\n  instructsmith run --preset infinite-instruct`);
    expect(failed.stdout).not.toMatch(/run complete/);
    expect(runJson(out).status).not.toBe('complete');
    const rejected = existsSync(join(out, 'rejected.jsonl')) ? readJsonl<SampleRecord>(join(out, 'rejected.jsonl')) : [];
    const refRejected = new Set(dataset(reference));
    // Whatever was written before the stop is a record of the undisturbed run, never an endpoint failure.
    for (const r of rejected) expect(refRejected.has(JSON.stringify({ ...r, usage: r.usage.map(({ cached: _c, ...u }) => u) }))).toBe(true);
    const written = readJsonl(join(out, 'samples.jsonl')).length + rejected.length;
    if (finished) expect(written).toBeGreaterThan(0);
    else expect(written).toBe(0);

    healthy();
    const again = await cli(args(out, double.url), { OPENAI_API_KEY: KEY });
    expect(again.stderr).not.toMatch(/^instructsmith:/m);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(finished ? /run complete \(resumed\)/ : /run complete: /);
    expect(runJson(out)).toMatchObject({ status: 'complete', resumed: finished });
    expect(dataset(out)).toEqual(dataset(reference));
    return again;
  }

  it('nothing listening at the base URL', async () => {
    const out = tempDir('refused');
    const port = await closedPort();
    const failed = await cli(args(out, `http://127.0.0.1:${port}/v1`), { OPENAI_API_KEY: KEY });
    expect(failed.stderr).toContain(`127.0.0.1:${port}`);
    await expectStopThenResume(out, failed, /cannot reach openai at http:\/\/127\.0\.0\.1:\d+\/v1 \(ECONNREFUSED\)/, false);
  }, 300_000);

  it('a rejected API key (401)', async () => {
    const out = tempDir('auth');
    healthy();
    const failed = await cli(args(out, double.url), { OPENAI_API_KEY: 'sk-test-endpoint-wrong-9876543210' });
    expect(failed.stderr).not.toContain('9876543210');
    await expectStopThenResume(out, failed, /rejected the credentials \(HTTP 401\)/, false);
  }, 300_000);

  it('garbage HTTP bodies after a few good replies; run.json counts every request the endpoint received', async () => {
    const out = tempDir('garbage');
    healthy();
    // Healthy for the first 60% of the reference run's calls, then a broken body for every chat request.
    const healthyCalls = Math.floor(referenceCalls * 0.6);
    double.fault({ malformed: 'body', times: 1_000_000 }, (r) => r.route === 'openai.chat' && double.count('openai.chat') > healthyCalls);
    const failed = await cli(args(out, double.url), { OPENAI_API_KEY: KEY });
    const firstCalls = double.count('openai.chat');
    expect(firstCalls).toBeGreaterThan(healthyCalls);
    expect(readJsonl(join(out, 'samples.jsonl')).length).toBeGreaterThan(0);
    const again = await expectStopThenResume(out, failed, /not valid JSON[\s\S]*gave up after 3 attempts/, true);
    expect(again.code).toBe(0);
    const usage = runJson(out).usage['openai:scripted-coder']!;
    expect(usage.calls).toBe(firstCalls + double.count('openai.chat'));
    // Every reply the dataset needed was received from the endpoint or replayed from the cache (how many
    // were replayed depends on which seeds were in flight at the failure).
    expect(usage.calls + usage.cachedCalls).toBeGreaterThanOrEqual(referenceCalls);
  }, 300_000);
});
