/**
 * LLM middleware throughput against the HTTP test double on localhost: calls per second through
 * the full stack (factory → cache → limiter → retry → openai provider → HTTP), for cache misses and
 * for cache hits, and the provider alone for comparison. Measures overhead; the double answers instantly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPluginContext } from '../../core/context.js';
import { createHooks } from '../../core/hooks.js';
import { createLlmFactory } from '../../core/llm/factory.js';
import { UsageMeter } from '../../core/llm/usage.js';
import { createTemplateRenderer } from '../../core/templates.js';
import openaiPlugin, { createOpenAiProvider } from '../../plugins/providers/openai.js';
import { startLlmDouble } from '../double/index.js';

/** Calls per measurement: enough for a stable rate on a shared 2-core machine, short enough to be polite. */
const CALLS = 400;

export default async function bench(log: (line: string) => void): Promise<void> {
  const double = await startLlmDouble();
  const cacheDir = await mkdtemp(join(tmpdir(), 'instructsmith-llm-bench-'));
  try {
    const hooks = createHooks();
    // Applied as the runner applies it (a plugin context); the provider plugin makes no LLM call itself.
    const parts = {
      hooks,
      llm: () => {
        throw new Error('no LLM calls while applying a provider');
      },
      templates: createTemplateRenderer(),
      log: { info() {}, warn() {}, debug() {} },
      run: { dir: cacheDir, dryRun: false, config: {} },
    };
    void openaiPlugin.apply(createPluginContext(openaiPlugin.name, parts), openaiPlugin.options.parse({}));
    const llm = createLlmFactory({ hooks, baseUrl: double.url, defaultModel: 'openai:bench', meter: new UsageMeter(), settings: { cacheDir, concurrency: 8 } });
    const ask = (i: number) => ({ messages: [{ role: 'user' as const, content: `task ${i}: write a function that reverses a string` }] });

    const provider = createOpenAiProvider({ baseUrl: double.url }, {}, {});
    const raw = await rate(() => Promise.all(Array.from({ length: CALLS }, (_, i) => provider.chat('bench', ask(i), { timeoutMs: 10_000 }))));
    const miss = await rate(() => Promise.all(Array.from({ length: CALLS }, (_, i) => llm().complete(ask(i), { plugin: 'bench:llm' }))));
    const hit = await rate(() => Promise.all(Array.from({ length: CALLS }, (_, i) => llm().complete(ask(i), { plugin: 'bench:llm' }))));
    log(`provider alone (no limit):        ${raw.toFixed(0)} calls/s`);
    log(`middleware, cache miss (limit 8): ${miss.toFixed(0)} calls/s (${(miss / raw).toFixed(2)}x provider alone)`);
    log(`middleware, cache hit:            ${hit.toFixed(0)} calls/s (${(hit / miss).toFixed(1)}x a miss)`);
    log(`HTTP requests the double saw: ${double.count('openai.chat')} (expected ${2 * CALLS}: hits make none)`);
  } finally {
    await double.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
}

async function rate(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return (CALLS / (performance.now() - start)) * 1000;
}
