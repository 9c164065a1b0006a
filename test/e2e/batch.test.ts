import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { dataset, HUMANEVAL, runPreset, tempDir } from './helpers.js';

const SEEDS = 6;
const MODEL = 'openai:scripted-coder';
/** Polls and idle waits short enough for a test; the double finishes a batch at its first poll. */
const BATCH = { enabled: true, pollMs: 5, maxWaitMs: 20 };

describe('--batch through the OpenAI Batch API', () => {
  let double: LlmDouble;
  beforeAll(async () => {
    double = await startLlmDouble();
  });
  afterAll(async () => double?.close());

  it('gives the dataset of the same run without --batch, resubmitting failed and expired lines', async () => {
    double.reset();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    const reference = tempDir('batch-ref');
    await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: MODEL, baseUrl: double.url, out: reference, limit: SEEDS });
    const referenceCalls = double.count('openai.chat');

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
});
