/**
 * Rate limits (issue #15): against the HTTP test double limited to R requests per second, N distinct
 * calls through 32 slots: the share of requests answered 429 (target under 5%) and the throughput
 * against R. The limiter learns the limit from the double's `x-ratelimit-*` headers.
 */
import { createHooks } from '../../../core/hooks.js';
import { createLlmFactory } from '../../../core/llm/factory.js';
import { UsageMeter } from '../../../core/llm/usage.js';
import { createOpenAiProvider } from '../../../plugins/providers/openai.js';
import { startLlmDouble } from '../../double/index.js';

/** Sizes are our choice: 10 s of work at R. */
const R = 100;
const N = 1000;
const SLOTS = 32;

export async function rateLimit(log: (line: string) => void): Promise<{ share429: number; throughputVsR: number }> {
  const double = await startLlmDouble({ rateLimit: { requests: R, windowMs: 1000 } });
  try {
    const hooks = createHooks();
    hooks.provider.for('openai').tap('provider:openai', (o) => createOpenAiProvider(o, {}, {}));
    const llm = createLlmFactory({ hooks, baseUrl: double.url, defaultModel: 'openai:bench', meter: new UsageMeter(), settings: { concurrency: SLOTS, maxAttempts: 20 } });
    const started = performance.now();
    await Promise.all(Array.from({ length: N }, (_, i) => llm().complete({ messages: [{ role: 'user', content: `task ${i}` }] }, { plugin: 'bench:scale' })));
    const wall = (performance.now() - started) / 1000;
    const chat = double.chatRequests();
    const limited = chat.filter((r) => r.status === 429).length;
    const share429 = limited / chat.length;
    const throughputVsR = N / wall / R;
    log(`rate limit ${R}/s, ${N} calls, ${SLOTS} slots: ${limited} of ${chat.length} requests got 429 (${(100 * share429).toFixed(1)}%, target < 5%), throughput ${(N / wall).toFixed(1)}/s = ${throughputVsR.toFixed(2)} x R`);
    return { share429, throughputVsR };
  } finally {
    await double.close();
  }
}
