import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { dataset, HUMANEVAL, runPreset, tempDir } from './helpers.js';

const SEEDS = 6;
const MODEL = 'openai:scripted-coder';
/** Polls and idle waits short enough for a test; the double finishes a batch at its first poll. */
const BATCH = { enabled: true, pollMs: 5, maxWaitMs: 20 };

function cli(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'cli/bin.ts'), ...args], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
}

describe('--batch through the OpenAI Batch API', () => {
  let double: LlmDouble;
  /** The same run without --batch: its directory and the chat calls it made. */
  let reference: string;
  let referenceCalls: number;
  beforeAll(async () => {
    double = await startLlmDouble();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    reference = tempDir('batch-ref');
    await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: MODEL, baseUrl: double.url, out: reference, limit: SEEDS });
    referenceCalls = double.count('openai.chat');
  }, 300_000);
  afterAll(async () => double?.close());

  it('gives the dataset of the same run without --batch, resubmitting failed and expired lines', async () => {

    double.reset();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    double.batchFault({ expire: true, completedLines: 2 });
    double.batchFault({ lineStatus: 500, times: 2 });
    double.batchFault({ errorLine: true, times: 2 });
    const out = tempDir('batch');
    const result = await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: MODEL, baseUrl: double.url, out, limit: SEEDS, llm: { batch: BATCH } });

    expect(result.status).toBe('complete');
    expect(dataset(out)).toEqual(dataset(reference));
    expect(double.count('openai.chat')).toBe(0);
    const lines = double.batches.flatMap((b) => b.lines);
    expect(double.batches.some((b) => b.status === 'expired')).toBe(true);
    expect(lines.filter((l) => l.outcome === 500)).toHaveLength(2);
    expect(lines.filter((l) => l.outcome === 'error')).toHaveLength(2);
    // Every failed or unfinished line was answered by a later batch: the answered lines are the reference run's calls.
    const answered = lines.filter((l) => l.outcome === 200);
    expect(answered).toHaveLength(referenceCalls);
    const failed = lines.filter((l) => l.outcome !== 200).map((l) => JSON.stringify(l.body));
    for (const body of failed) expect(answered.some((l) => JSON.stringify(l.body) === body)).toBe(true);

    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    const ref = JSON.parse(readFileSync(join(reference, 'run.json'), 'utf8'));
    // Lines sent count as calls (resubmissions too); tokens come from the result lines, the same as the direct run's.
    expect(run.usage[MODEL].calls).toBe(lines.length);
    expect(run.usage[MODEL].promptTokens).toBe(ref.usage[MODEL].promptTokens);
    expect(run.usage[MODEL].completionTokens).toBe(ref.usage[MODEL].completionTokens);
    // The state file names batches and cache keys only.
    const state = readFileSync(join(out, 'state', 'batches.jsonl'), 'utf8');
    expect(state).toContain(double.batches[0]!.id);
    expect(state).not.toContain(double.url);
  }, 300_000);

  it('resumes a run killed while a batch is open by polling that batch, submitting none of its lines again', async () => {
    double.reset();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    const out = tempDir('batch-killed');
    const config = join(out, '..', `${out.split('/').pop()}.yaml`);
    writeFileSync(config, `llm:\n  batch: { pollMs: ${BATCH.pollMs}, maxWaitMs: 50 }\n`);
    // One seed at a time, so that seeds are checkpointed while later ones still wait on batches.
    const args = ['run', '--preset', 'infinite-instruct', '--seeds', HUMANEVAL, '--model', MODEL, '--base-url', double.url, '--out', out, '--limit', String(SEEDS), '--concurrency', '1', '--max-concurrency', '1', '--config', config, '--batch'];
    const first = cli(args);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => first.on('exit', (_code, signal) => resolve(signal)));
    const stateFile = join(out, 'state', 'batches.jsonl');
    const checkpoint = join(out, 'state', 'checkpoint.json');
    // Once a seed is checkpointed, hold every batch on the endpoint; kill hard once a held batch is
    // recorded in the run's state.
    let heldFrom: number | undefined;
    await Promise.race([
      exited,
      new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (heldFrom === undefined && existsSync(checkpoint) && JSON.parse(readFileSync(checkpoint, 'utf8')).seedsDone > 0) {
            double.holdBatches(true);
            heldFrom = double.batches.length;
          }
          const id = heldFrom === undefined ? undefined : double.batches.slice(heldFrom).find((b) => b.status === 'in_progress')?.id;
          if (id && readFileSync(stateFile, 'utf8').includes(id)) {
            clearInterval(timer);
            first.kill('SIGKILL');
            resolve();
          }
        }, 5);
      }),
    ]);
    expect(await exited).toBe('SIGKILL');
    const open = double.batches.filter((b) => b.status === 'in_progress');
    expect(open.length).toBeGreaterThan(0);
    const openIds = new Set(open.map((b) => b.id));
    const openBodies = new Set(open.flatMap((b) => b.lines.map((l) => JSON.stringify(l.body))));
    const killedAt = double.requests.length;
    const batchesBefore = double.batches.length;
    double.holdBatches(false);

    const second = cli(args);
    let stderr = '';
    second.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => second.on('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(/^instructsmith:/m);
    expect(code).toBe(0);

    // The resumed process polled the batches left open and took their lines' replies...
    const polled = double.requests.slice(killedAt).filter((r) => r.method === 'GET' && r.route === 'openai.batches').map((r) => r.path.split('/').pop());
    for (const id of openIds) expect(polled).toContain(id);
    for (const b of open) expect(b.status).toBe('completed');
    // ...and submitted none of them again.
    const later = double.batches.slice(batchesBefore).flatMap((b) => b.lines.map((l) => JSON.stringify(l.body)));
    expect(later.filter((body) => openBodies.has(body))).toEqual([]);
    expect(double.count('openai.chat')).toBe(0);
    expect(dataset(out)).toEqual(dataset(reference));
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.status).toBe('complete');
    expect(run.resumed).toBe(true);
  }, 300_000);

  it('refuses --batch with a provider that has no batch API, naming the flag and the provider, before any call', async () => {
    double.reset();
    const out = tempDir('batch-ollama');
    const run = runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: 'ollama:scripted-coder', baseUrl: double.ollamaUrl, out, limit: SEEDS, llm: { batch: { enabled: true } } });
    await expect(run).rejects.toBeInstanceOf(ConfigError);
    await expect(run).rejects.toThrow(/--batch .*provider "ollama"/);
    expect(double.requests.filter((r) => r.route === 'ollama.chat')).toEqual([]);
  });
});
