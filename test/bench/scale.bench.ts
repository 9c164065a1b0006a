/**
 * Endpoint utilisation (issue #15): the infinite-instruct preset over HumanEval's 164 functions with
 * the scripted model served by the HTTP test double at a fixed latency, `llm.concurrency: 64`.
 * utilisation = calls x latency / (wall x 64): the share of the endpoint's capacity the run used.
 * Printed with static verification (pylint, CPU-bound on this machine) and without it (the
 * pipeline's own shape). `SCALE_SEEDS` limits the seeds (default: all 164).
 */
import { join } from 'node:path';
import type { ConfigInput } from '../../core/config/schema.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { startLlmDouble } from '../double/index.js';
import { HUMANEVAL, runPreset, tempDir } from '../e2e/helpers.js';

/** The measurement: a 200 ms endpoint with 64 calls allowed in flight. */
const LATENCY_MS = 200;
const CALL_SLOTS = 64;

export default async function bench(log: (line: string) => void): Promise<void> {
  const seeds = Number(process.env.SCALE_SEEDS ?? 164);
  for (const verify of [true, false]) {
    const double = await startLlmDouble({ latencyMs: LATENCY_MS });
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    try {
      const overrides: ConfigInput = { model: 'openai:scripted-coder', baseUrl: double.url, out: join(tempDir('scale-bench'), 'run'), limit: seeds, concurrency: CALL_SLOTS, llm: { concurrency: CALL_SLOTS } };
      if (!verify) Object.assign(overrides, { plugins: { 'analyzer:python': false }, verify: { unhandled: 'skip' } });
      const started = performance.now();
      const result = await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, ...overrides });
      const wall = (performance.now() - started) / 1000;
      const calls = double.chatRequests().length;
      const utilisation = (calls * (LATENCY_MS / 1000)) / (wall * CALL_SLOTS);
      log(`${verify ? 'with pylint   ' : 'no verification'}: ${seeds} seeds, ${calls} calls in ${wall.toFixed(1)} s, kept ${result.funnel.kept}: utilisation ${utilisation.toFixed(3)} (mean ${(utilisation * CALL_SLOTS).toFixed(1)} calls in flight of ${CALL_SLOTS})`);
    } finally {
      await double.close();
    }
  }
}
