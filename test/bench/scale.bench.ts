/**
 * Endpoint utilisation (issue #15): the infinite-instruct preset over HumanEval's 164 functions with
 * the scripted model served by the HTTP test double at a fixed latency, `llm.concurrency: 64`.
 * utilisation = calls x latency / (wall x 64): the share of the endpoint's capacity the run used.
 * Printed with static verification (pylint, CPU-bound on this machine) and without it (the
 * pipeline's own shape), and with instant answers (the CPU floor of this machine). `SCALE_SEEDS`
 * limits the seeds (default: all 164), `SCALE_SEEDS_PATH` takes them from elsewhere (a directory of
 * Python code), `SCALE_VARIANTS` picks some of `pylint,plain,instant`. Then the rate-limit figure: the share of 429s and the
 * throughput against a double limited to R requests per second.
 */
import { join } from 'node:path';
import type { ConfigInput } from '../../core/config/schema.js';
import { createHooks } from '../../core/hooks.js';
import { createLlmFactory } from '../../core/llm/factory.js';
import { UsageMeter } from '../../core/llm/usage.js';
import { createOpenAiProvider } from '../../plugins/providers/openai.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { startLlmDouble } from '../double/index.js';
import { HUMANEVAL, runPreset, tempDir } from '../e2e/helpers.js';

/** The measurement: a 200 ms endpoint with 64 calls allowed in flight. */
const LATENCY_MS = 200;
const CALL_SLOTS = 64;

export default async function bench(log: (line: string) => void): Promise<void> {
  const seeds = Number(process.env.SCALE_SEEDS ?? 164);
  // A directory of code (e.g. /usr/lib/python3.11/email) for more seeds than HumanEval's 164.
  const seedsPath = process.env.SCALE_SEEDS_PATH ?? HUMANEVAL;
  const variants = (process.env.SCALE_VARIANTS ?? 'pylint,plain,instant').split(',');
  for (const [name, verify, latencyMs] of [['pylint', true, LATENCY_MS], ['plain', false, LATENCY_MS], ['instant', false, 0]] as const) {
    if (!variants.includes(name)) continue;
    const double = await startLlmDouble({ latencyMs });
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    try {
      const overrides: ConfigInput = { model: 'openai:scripted-coder', baseUrl: double.url, out: join(tempDir('scale-bench'), 'run'), limit: seeds, concurrency: CALL_SLOTS, llm: { concurrency: CALL_SLOTS } };
      if (!verify) Object.assign(overrides, { plugins: { 'analyzer:python': false }, verify: { unhandled: 'skip' } });
      const started = performance.now();
      const result = await runPreset({ preset: 'infinite-instruct', seeds: seedsPath, ...overrides });
      const wall = (performance.now() - started) / 1000;
      const calls = double.chatRequests().length;
      if (latencyMs === 0) {
        // The same run with instant answers: the wall this machine's CPU needs anyway; with it, the best
        // utilisation a 200 ms endpoint allows here is calls x 0.2 / (max(this wall, calls x 0.2 / 64) x 64).
        const best = (calls * (LATENCY_MS / 1000)) / (Math.max(wall, (calls * (LATENCY_MS / 1000)) / CALL_SLOTS) * CALL_SLOTS);
        log(`no verification, instant answers: ${calls} calls in ${wall.toFixed(1)} s (CPU-bound floor): at most ${best.toFixed(3)} utilisation reachable on this machine`);
        continue;
      }
      const utilisation = (calls * (LATENCY_MS / 1000)) / (wall * CALL_SLOTS);
      log(`${verify ? 'with pylint   ' : 'no verification'}: ${seeds} seeds, ${calls} calls in ${wall.toFixed(1)} s, kept ${result.funnel.kept}: utilisation ${utilisation.toFixed(3)} (mean ${(utilisation * CALL_SLOTS).toFixed(1)} calls in flight of ${CALL_SLOTS})`);
    } finally {
      await double.close();
    }
  }
  await rateLimited(log);
}

/** Rate limits (issue #15): R requests per second at the double, N distinct calls through 32 slots. */
async function rateLimited(log: (line: string) => void): Promise<void> {
  const R = 100;
  const N = 1000;
  const double = await startLlmDouble({ rateLimit: { requests: R, windowMs: 1000 } });
  try {
    const hooks = createHooks();
    hooks.provider.for('openai').tap('provider:openai', (o) => createOpenAiProvider(o, {}, {}));
    const llm = createLlmFactory({ hooks, baseUrl: double.url, defaultModel: 'openai:bench', meter: new UsageMeter(), settings: { concurrency: 32, maxAttempts: 20 } });
    const started = performance.now();
    await Promise.all(Array.from({ length: N }, (_, i) => llm().complete({ messages: [{ role: 'user', content: `task ${i}` }] }, { plugin: 'bench:scale' })));
    const wall = (performance.now() - started) / 1000;
    const chat = double.chatRequests();
    const limited = chat.filter((r) => r.status === 429).length;
    log(`rate limit ${R}/s, ${N} calls, 32 slots: ${limited} of ${chat.length} requests got 429 (${((100 * limited) / chat.length).toFixed(1)}%), throughput ${(N / wall).toFixed(1)}/s = ${(N / wall / R).toFixed(2)} x R`);
  } finally {
    await double.close();
  }
}
