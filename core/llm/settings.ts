import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { LlmSettings } from './types.js';

/**
 * Middleware defaults (config key `llm`). None comes from a paper; they are our choices:
 * - `concurrency: 8`: enough to keep a local vLLM/Ollama server or a hosted API busy without
 *   tripping typical per-key rate limits; raise it for big hosted deployments.
 * - `maxAttempts: 8` with `backoffBaseMs: 500` .. `backoffMaxMs: 60_000`: full-jitter backoff whose
 *   expected total wait (~2 minutes) outlasts a typical 1-minute rate-limit window.
 * - `timeoutMs: 120_000`: a long code answer from a slow local model (a few thousand tokens at
 *   ~30 tokens/s) fits in two minutes.
 * - `invalidOutputAttempts: 3`: a model that fails a schema three times with different seeds is
 *   unlikely to succeed on a fourth; the sample is then rejected with the reason.
 * - `cacheDir: null`: the runner sets it to the run's (or the user's) cache directory.
 * - `breakerSeconds: 300`: an endpoint answering nothing but 429/5xx for five minutes outlasts any
 *   per-minute rate-limit window several times over; it is down or the key's quota is spent.
 * - `rateLimit: null`: learn the limits from the server's `x-ratelimit-*` headers only.
 * - `prices: {}`: no cost is computed unless prices are given.
 * - `batch`: off; `size: 500` requests (OpenAI allows 50,000 per batch; 500 keeps a failed batch's
 *   resubmission small while amortising the upload), `pollMs: 30_000` (hosted batches take minutes to
 *   hours; a local vLLM answers within seconds to minutes), `maxWaitMs: 5_000` (a pipeline whose seeds
 *   all wait on their calls submits what it has after 5 s), `maxAttempts: 3` batches per request.
 */
export const DEFAULT_LLM_SETTINGS: Readonly<LlmSettings> = Object.freeze({
  concurrency: 8,
  maxAttempts: 8,
  backoffBaseMs: 500,
  backoffMaxMs: 60_000,
  timeoutMs: 120_000,
  invalidOutputAttempts: 3,
  cacheDir: null,
  breakerSeconds: 300,
  rateLimit: null,
  prices: {},
  batch: Object.freeze({ enabled: false, size: 500, pollMs: 30_000, maxWaitMs: 5_000, maxAttempts: 3 }),
});

const B = DEFAULT_LLM_SETTINGS.batch;

/**
 * zod schema of the `llm` config section; every key optional, defaults from DEFAULT_LLM_SETTINGS.
 * Unknown keys are rejected (a typo like `concurency` must not be silently ignored).
 */
export const llmSettingsSchema = z
  .object({
    concurrency: z.number().int().min(1).max(1024).default(DEFAULT_LLM_SETTINGS.concurrency),
    maxAttempts: z.number().int().min(1).max(50).default(DEFAULT_LLM_SETTINGS.maxAttempts),
    backoffBaseMs: z.number().int().min(0).default(DEFAULT_LLM_SETTINGS.backoffBaseMs),
    backoffMaxMs: z.number().int().min(0).default(DEFAULT_LLM_SETTINGS.backoffMaxMs),
    timeoutMs: z.number().int().min(1).default(DEFAULT_LLM_SETTINGS.timeoutMs),
    invalidOutputAttempts: z.number().int().min(1).max(20).default(DEFAULT_LLM_SETTINGS.invalidOutputAttempts),
    cacheDir: z.string().min(1).nullable().default(DEFAULT_LLM_SETTINGS.cacheDir),
    breakerSeconds: z.number().positive().default(DEFAULT_LLM_SETTINGS.breakerSeconds),
    rateLimit: z
      .object({ requestsPerMinute: z.number().positive().optional(), tokensPerMinute: z.number().positive().optional() })
      .strict()
      .nullable()
      .default(DEFAULT_LLM_SETTINGS.rateLimit),
    prices: z
      .record(z.string().regex(/^[^:\s]+:.+$/, 'a model id provider:model, e.g. "openai:gpt-4o-mini"'), z.object({ input: z.number().min(0), output: z.number().min(0) }).strict())
      .default({}),
    batch: z
      .object({
        enabled: z.boolean().default(B.enabled),
        size: z.number().int().min(1).max(50_000).default(B.size),
        pollMs: z.number().int().min(1).default(B.pollMs),
        maxWaitMs: z.number().int().min(0).default(B.maxWaitMs),
        maxAttempts: z.number().int().min(1).max(20).default(B.maxAttempts),
      })
      .strict()
      .default({ ...B }),
  })
  .strict();

/**
 * Fill unset keys of `partial` with the defaults and check the result.
 * @throws ConfigError naming each bad key as `llm.<key>` and what was expected.
 */
export function resolveLlmSettings(partial: Partial<LlmSettings> = {}): LlmSettings {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const result = llmSettingsSchema.safeParse(defined);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `llm.${i.path.join('.') || (i as { keys?: string[] }).keys?.join(', ') || ''}: ${i.message}`);
    throw new ConfigError(`invalid LLM settings: ${problems.join('; ')}`, { hint: `valid keys: ${Object.keys(DEFAULT_LLM_SETTINGS).join(', ')}` });
  }
  if (result.data.backoffMaxMs < result.data.backoffBaseMs) {
    throw new ConfigError(`invalid LLM settings: llm.backoffMaxMs (${result.data.backoffMaxMs}) is below llm.backoffBaseMs (${result.data.backoffBaseMs})`, { hint: 'the cap must be at least the base delay' });
  }
  return result.data;
}
