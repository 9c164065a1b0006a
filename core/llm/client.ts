import { setMaxListeners } from 'node:events';
import { linkSignals } from './abort.js';
import type { BatchCollector } from './batch/collector.js';
import type { EndpointBreaker } from './breaker.js';
import type { AttemptOutcome, EndpointLimiter } from './limiter.js';
import type { RateLimitInfo } from './rate-limit.js';
import type { UsageEntry } from '../record.js';
import { cacheKey, LlmCache, type CacheKeyParts, type RequestCache } from './cache.js';
import { parseJsonReply } from './json-reply.js';
import { withRetry } from './retry.js';
import {
  LlmError,
  type CallMeta,
  type CallOptions,
  type ChatProvider,
  type ChatRequest,
  type ChatResult,
  type Completion,
  type LlmClient,
  type LlmSettings,
  type OutputSchema,
  type PromptLogprobs,
  type PromptLogprobsCompletion,
  type PromptLogprobsResult,
  type StructuredCompletion,
} from './types.js';
import type { UsageMeter } from './usage.js';

/** Told about every retried failure (progress display, debug log). */
export type RetryListener = (info: { modelId: string; plugin: string; error: LlmError; attempt: number; delayMs: number }) => void;

/** What {@link createLlmClient} composes. The factory builds these; tests may too. */
export interface LlmClientDeps {
  /** `provider:model`. */
  modelId: string;
  provider: ChatProvider;
  /** The model name the provider is asked for (the part after the first colon). */
  model: string;
  settings: LlmSettings;
  /** The request cache; undefined disables caching. */
  cache?: RequestCache;
  /** The in-flight and rate limiter of the provider's endpoint (shared by every client of that endpoint). */
  limiter: EndpointLimiter;
  meter: UsageMeter;
  /** Aborts every call (the run was interrupted). */
  signal?: AbortSignal;
  /** The endpoint's breaker (shared by every client of that endpoint); tripped by any fatal failure. */
  breaker?: EndpointBreaker;
  onRetry?: RetryListener;
  /** Batch mode: calls the cache does not answer go through this collector instead of one HTTP call each. */
  batch?: BatchCollector;
}

/**
 * Extra time given to a provider past `timeoutMs` before core stops waiting for it itself, in ms.
 * Providers enforce `timeoutMs` (and classify the failure); this guards against one that does not.
 */
const TIMEOUT_GRACE_MS = 1_000;
/** Longest validation message kept in an `invalid_output` error, in characters. */
const MAX_REASON_CHARS = 600;

/**
 * Wrap a provider in core's middleware (DESIGN.md, "LLM access"): cache lookup, then the endpoint's
 * concurrency limit around each HTTP attempt, retries with backoff for retryable failures, token
 * accounting into the meter, and (for structured calls) JSON parsing and validation with fresh seeds
 * on invalid replies. Only successful (and, for structured calls, validated) replies are cached.
 * Every HTTP attempt is counted in the meter as sent (`meter.sent`), so its `calls` equal what the
 * endpoint received; a fatal failure trips the endpoint's breaker, ending every other call to it.
 */
export function createLlmClient(deps: LlmClientDeps): LlmClient {
  const { modelId, provider, model, settings, cache, limiter, meter, breaker } = deps;
  const providerName = modelId.slice(0, modelId.indexOf(':'));
  // One link per client (clients are memoised per model id), not per call: see abort.ts on leaks.
  const signal = breaker ? linkSignals(deps.signal, breaker.signal).signal : deps.signal;
  // Every attempt in flight and every retry backoff listens on this one signal, each removing its
  // listener when done: up to llm.concurrency plus the calls in backoff at once, legitimately. Node's
  // default of 10 would print MaxListenersExceededWarning at any concurrency above 10.
  if (signal && signal !== deps.signal) setMaxListeners(0, signal);
  /** Single-flight: the reply being fetched for each cache key, shared by identical calls made meanwhile. */
  const inFlight = new Map<string, Promise<ChatResult>>();

  /**
   * One logical call through cache, single-flight, limiter and retries. `shared`: the reply of an
   * identical call already in flight (nothing sent for this one).
   */
  async function call(request: ChatRequest, meta: CallMeta, readCache = true): Promise<{ result: ChatResult; cached: boolean; shared?: boolean; parts: CacheKeyParts; key?: string }> {
    const parts: CacheKeyParts = { provider: providerName, model, request };
    const flightKey = cacheKey(parts);
    const key = cache ? flightKey : undefined;
    if (cache && key && readCache) {
      const hit = await cache.get(key);
      if (hit) {
        return { result: { content: hit.content, promptTokens: hit.promptTokens, completionTokens: hit.completionTokens, finishReason: hit.finishReason }, cached: true, parts, key };
      }
    }
    const pending = readCache ? inFlight.get(flightKey) : undefined;
    if (pending) return { result: await pending, cached: true, shared: true, parts, key };
    const sending = send(request, meta, flightKey);
    if (readCache) {
      inFlight.set(flightKey, sending);
      const forget = () => inFlight.get(flightKey) === sending && inFlight.delete(flightKey);
      sending.then(forget, forget);
    }
    try {
      return { result: await sending, cached: false, parts, key };
    } catch (err) {
      if (key && readCache) await cache!.abandon?.(key);
      throw err;
    }
  }

  async function send(request: ChatRequest, meta: CallMeta, key: string): Promise<ChatResult> {
    if (deps.batch) {
      try {
        return await deps.batch.call(key, request, signal);
      } catch (err) {
        if (err instanceof LlmError && err.fatal) breaker?.trip(err);
        throw err;
      }
    }
    return sendWith(estimateTokens(request), (options) => provider.chat(model, request, options), meta);
  }

  /** One provider call (`run`) through retries, the limiter (`tokens` estimated) and the breaker. */
  async function sendWith<R extends { rateLimit?: RateLimitInfo }>(tokens: number, run: (options: CallOptions) => Promise<R>, meta: CallMeta): Promise<R> {
    try {
      return await withRetry(() => attempt(tokens, run, meta.priority), settings, {
        signal,
        onRetry: deps.onRetry ? (error, n, delayMs) => deps.onRetry!({ modelId, plugin: meta.plugin, error, attempt: n, delayMs }) : undefined,
      });
    } catch (err) {
      if (err instanceof LlmError && err.fatal) breaker?.trip(err);
      throw err;
    }
  }

  /** One HTTP attempt, holding a slot of the endpoint's limiter, which learns from its outcome. */
  async function attempt<R extends { rateLimit?: RateLimitInfo }>(tokens: number, run: (options: CallOptions) => Promise<R>, priority: CallMeta['priority']): Promise<R> {
    signal?.throwIfAborted();
    const slot = await limiter.acquire(model, tokens, priority);
    let outcome: AttemptOutcome = 'other';
    let info: RateLimitInfo | undefined;
    try {
      const result = await attemptInSlot(run);
      outcome = 'ok';
      info = result.rateLimit;
      breaker?.success();
      return result;
    } catch (err) {
      if (err instanceof LlmError) {
        info = err.rateLimit;
        if (err.usage) meter.billed(modelId, err.usage);
        if (err.kind === 'rate_limit' || err.kind === 'timeout') outcome = 'overload';
        if (err.kind === 'rate_limit' || err.kind === 'server') breaker?.failure(err);
      }
      // The breaker may just have tripped on this failure: its error is the one to report.
      if (signal?.aborted) throw signal.reason;
      throw err;
    } finally {
      limiter.release(slot, outcome, info);
    }
  }

  async function attemptInSlot<R>(run: (options: CallOptions) => Promise<R>): Promise<R> {
    signal?.throwIfAborted();
    const link = linkSignals(signal);
    let guard: NodeJS.Timeout | undefined;
    const guardFired = new Promise<never>((_, reject) => {
      guard = setTimeout(() => {
        link.abort();
        reject(new LlmError('timeout', `${provider.name} at ${provider.endpoint} did not answer within ${settings.timeoutMs} ms (model "${model}")`, {
          hint: 'a slow model or an overloaded server; raise llm.timeoutMs or lower llm.concurrency',
        }));
      }, settings.timeoutMs + TIMEOUT_GRACE_MS);
    });
    const answered = meter.sending(modelId);
    try {
      return await Promise.race([run({ signal: link.signal, timeoutMs: settings.timeoutMs }), guardFired]);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw err;
    } finally {
      answered();
      clearTimeout(guard);
      link.dispose();
    }
  }

  /**
   * The record's usage entry, recorded in the meter. A shared reply is `cached: true` in the record
   * (it cost this record nothing, as a cache hit after the identical call would not) and counted by
   * the meter as shared.
   */
  function usageOf(result: { promptTokens: number; completionTokens: number }, cached: boolean, meta: CallMeta, shared = false): UsageEntry {
    const entry: UsageEntry = { plugin: meta.plugin, model: modelId, promptTokens: result.promptTokens, completionTokens: result.completionTokens, cached };
    meter.record(entry, shared ? { shared: true } : undefined);
    return entry;
  }

  async function store(parts: CacheKeyParts, key: string | undefined, result: ChatResult): Promise<void> {
    if (!cache || !key) return;
    await cache.set(LlmCache.entry(parts, key, result));
  }

  /** Single-flight for promptLogprobs, by cache key. */
  const scoring = new Map<string, Promise<PromptLogprobsResult>>();

  /**
   * `promptLogprobs` through the same middleware as chat calls: the cache (key `operation:
   * prompt_logprobs` over the text as one user message; the entry's content is the JSON of the three
   * arrays), single-flight, limiter, retries, usage. Refusals (`unsupported`) are never cached.
   */
  async function promptLogprobs(text: string, meta: CallMeta): Promise<PromptLogprobsCompletion> {
    const parts: CacheKeyParts = { provider: providerName, model, request: { messages: [{ role: 'user', content: text }] }, operation: 'prompt_logprobs' };
    const key = cacheKey(parts);
    if (cache) {
      const hit = await cache.get(key);
      const value = hit ? logprobsFromJson(hit.content) : undefined;
      if (hit && value) return { ...value, usage: usageOf(hit, true, meta) };
    }
    const pending = scoring.get(key);
    if (pending) {
      const r = await pending;
      return { tokens: r.tokens, logprobs: r.logprobs, offsets: r.offsets, usage: usageOf(r, true, meta, true) };
    }
    // One token for the generated continuation servers insist on (max_tokens >= 1).
    const sending = sendWith(Math.ceil(text.length / 4) + 1, (options) => provider.promptLogprobs!(model, text, options), meta);
    scoring.set(key, sending);
    const forget = () => scoring.get(key) === sending && scoring.delete(key);
    sending.then(forget, forget);
    const r = await sending;
    const value: PromptLogprobs = { tokens: r.tokens, logprobs: r.logprobs, offsets: r.offsets };
    const usage = usageOf(r, false, meta);
    if (cache) await cache.set(LlmCache.entry(parts, key, { content: JSON.stringify(value), promptTokens: r.promptTokens, completionTokens: r.completionTokens }));
    return { ...value, usage };
  }

  return {
    modelId,
    ...(provider.promptLogprobs ? { promptLogprobs } : {}),

    async complete(request: ChatRequest, meta: CallMeta): Promise<Completion> {
      const { result, cached, shared, parts, key } = await call(request, meta);
      const usage = usageOf(result, cached, meta, shared);
      if (!cached) await store(parts, key, result);
      // finish_reason reaches the caller: a reply cut at maxTokens must not become a training sample.
      return { content: result.content, usage, ...(result.finishReason ? { finishReason: result.finishReason } : {}) };
    },

    async structured<T>(request: Omit<ChatRequest, 'schema'>, schema: OutputSchema, validate: (value: unknown) => T, meta: CallMeta): Promise<StructuredCompletion<T>> {
      const usage: UsageEntry[] = [];
      const reasons: string[] = [];
      for (let i = 0; i < settings.invalidOutputAttempts; i++) {
        // A different seed per attempt: a deterministic server (or a model at temperature 0 with a
        // seed) gives another answer, and each attempt is its own cache entry.
        const seed = i === 0 ? request.seed : (request.seed ?? 0) + i;
        const req: ChatRequest = { ...request, ...(seed === undefined ? {} : { seed }), schema };
        let { result, cached, shared, parts, key } = await call(req, meta);
        let value: T;
        if (cached && !shared) {
          // An entry that no longer validates (the validator got stricter since it was written) is a
          // miss: ask the model again with the same request and overwrite it.
          try {
            value = validate(parseJsonReply(result.content));
            usage.push(usageOf(result, cached, meta));
            return { value, usage };
          } catch {
            ({ result, cached, shared, parts, key } = await call(req, meta, false));
          }
        }
        usage.push(usageOf(result, cached, meta, shared));
        try {
          value = validate(parseJsonReply(result.content));
        } catch (err) {
          const cut = result.finishReason === 'length' ? ' (the reply was cut off at maxTokens)' : '';
          reasons.push(`attempt ${i + 1}${seed === undefined ? '' : ` (seed ${seed})`}${cut}: ${(err as Error).message}`);
          continue;
        }
        if (!shared) await store(parts, key, result);
        return { value, usage };
      }
      const last = reasons[reasons.length - 1] ?? '';
      throw new LlmError(
        'invalid_output',
        `${modelId}: the reply to schema "${schema.name}" (plugin ${meta.plugin}) did not validate in ${reasons.length} attempt${reasons.length === 1 ? '' : 's'}; last: ${last.length > MAX_REASON_CHARS ? `${last.slice(0, MAX_REASON_CHARS)}…` : last}`,
        { hint: 'a model too small for this schema, or a prompt that does not ask for this shape; raise llm.invalidOutputAttempts or use a stronger model' },
      );
    },
  };
}

/**
 * Tokens an attempt may use against a tokens-per-minute budget: the prompt at ~4 characters per
 * token (the usual rule of thumb; providers count exactly only after the fact) plus `maxTokens`
 * (servers reserve it up front). Our estimate.
 */
export function estimateTokens(request: ChatRequest): number {
  let chars = 0;
  for (const m of request.messages) chars += m.content.length;
  return Math.ceil(chars / 4) + (request.maxTokens ?? 0);
}

/** A cached promptLogprobs entry's content parsed back, or undefined when it is not one (a miss). */
function logprobsFromJson(content: string): PromptLogprobs | undefined {
  try {
    const v = JSON.parse(content) as PromptLogprobs;
    const n = v?.tokens?.length;
    if (!Array.isArray(v.tokens) || !Array.isArray(v.logprobs) || !Array.isArray(v.offsets) || v.logprobs.length !== n || v.offsets.length !== n) return undefined;
    return { tokens: v.tokens, logprobs: v.logprobs, offsets: v.offsets };
  } catch {
    return undefined;
  }
}
