/**
 * Framework overhead (issue #15): process CPU per LLM call of the infinite-instruct preset (analyzers
 * off, instant answers) against a bare `openai` loop making as many calls, at the same concurrency,
 * with requests and replies of the same mean size, against the same double. The double runs in its
 * own process (double-child.ts), so its CPU is charged to neither. The difference is what the
 * framework costs per call beyond the HTTP client itself; the target is at most 2 ms.
 * Both are measured warm: a short run of each comes first (module loading and JIT are start-up
 * costs, printed apart, not per-call ones). `SCALE_SEEDS` limits the seeds (default: HumanEval's 164).
 */
import { join } from 'node:path';
import OpenAI from 'openai';
import { HUMANEVAL, runPreset, tempDir } from '../../e2e/helpers.js';
import { startDoubleChild } from './double-child.js';

/** Calls allowed in flight, as in the utilisation measurement. */
const CALL_SLOTS = 64;
/** Seeds of the warm-up run; our choice (enough to load every plugin and template of the preset). */
const WARM_UP_SEEDS = 16;

/** CPU (user + system) of this process while `run` runs, in ms. */
async function cpuOf<T>(run: () => Promise<T>): Promise<{ value: T; cpuMs: number; wallMs: number }> {
  const wall = performance.now();
  const before = process.cpuUsage();
  const value = await run();
  const used = process.cpuUsage(before);
  return { value, cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall };
}

/** Returns the framework's CPU per call beyond the bare loop's, ms, and the ratio of the two. */
export async function overhead(log: (line: string) => void): Promise<{ beyondMs: number; ratio: number }> {
  const seeds = Number(process.env.SCALE_SEEDS ?? 164);
  const double = await startDoubleChild(0);
  const run = (limit: number) =>
    runPreset({
      preset: 'infinite-instruct',
      seeds: HUMANEVAL,
      model: 'openai:scripted-coder',
      baseUrl: double.url,
      out: join(tempDir('scale-overhead'), 'run'),
      limit,
      concurrency: CALL_SLOTS,
      llm: { concurrency: CALL_SLOTS },
      plugins: { 'analyzer:python': false },
      verify: { unhandled: 'skip' },
    });
  try {
    const warm = await cpuOf(() => run(WARM_UP_SEEDS));
    await bareLoop(double.url, 2 * CALL_SLOTS, 1000, 300);
    await double.reset();
    const framework = await cpuOf(() => run(seeds));
    const stats = await double.stats();
    await double.reset();
    const bare = await cpuOf(() => bareLoop(double.url, stats.calls, Math.round(stats.promptChars), Math.round(stats.replyChars)));
    const check = await double.stats();
    const perCall = framework.cpuMs / stats.calls;
    const floor = bare.cpuMs / check.calls;
    log(`framework: ${seeds} seeds, ${stats.calls} calls (mean ${stats.promptChars.toFixed(0)} prompt / ${stats.replyChars.toFixed(0)} reply chars, ${(100 * stats.structured).toFixed(0)}% structured), kept ${framework.value.funnel.kept}: CPU ${(framework.cpuMs / 1000).toFixed(2)} s in ${(framework.wallMs / 1000).toFixed(1)} s wall = ${perCall.toFixed(2)} ms/call, ${(framework.cpuMs / seeds).toFixed(1)} ms/seed`);
    log(`bare openai loop: ${check.calls} calls, ${CALL_SLOTS} in flight: CPU ${(bare.cpuMs / 1000).toFixed(2)} s in ${(bare.wallMs / 1000).toFixed(1)} s wall = ${floor.toFixed(2)} ms/call`);
    log(`start-up (first run, ${WARM_UP_SEEDS} seeds: module loading, JIT): CPU ${(warm.cpuMs / 1000).toFixed(2)} s`);
    log(`framework overhead: ${(perCall - floor).toFixed(2)} ms of CPU per call beyond the bare loop (target <= 2), ${(perCall / floor).toFixed(2)}x the bare loop's CPU`);
    return { beyondMs: perCall - floor, ratio: perCall / floor };
  } finally {
    await double.close();
  }
}

/**
 * The floor: `calls` chat calls through the `openai` client, `slots` at a time, each with a prompt of
 * `promptChars` characters asking the double for a JSON reply of about `replyChars` characters,
 * parsed as a caller would.
 */
async function bareLoop(baseURL: string, calls: number, promptChars: number, replyChars: number, slots = CALL_SLOTS): Promise<void> {
  const client = new OpenAI({ baseURL, apiKey: 'sk-bench', maxRetries: 0 });
  const reply = Math.max(0, replyChars - '{"text":""}'.length);
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      const head = `bare:${reply} task ${i} `;
      const completion = await client.chat.completions.create({
        model: 'scripted-coder',
        messages: [{ role: 'user', content: head + 'x'.repeat(Math.max(0, promptChars - head.length)) }],
        temperature: 0.7,
        response_format: { type: 'json_object' },
      });
      JSON.parse(completion.choices[0]!.message.content ?? '{}');
    }
  };
  await Promise.all(Array.from({ length: slots }, worker));
}
