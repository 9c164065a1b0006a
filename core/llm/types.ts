import type { ChatMessage, UsageEntry } from '../record.js';
import type { BatchApi } from './batch/types.js';
import type { RateLimitInfo } from './rate-limit.js';

/**
 * The LLM client contract (DESIGN.md, "LLM access").
 *
 * A provider plugin (`provider:openai`, `provider:ollama`, or a third party's) turns a
 * {@link ChatRequest} into one HTTP call and classifies failures as {@link LlmError}. Core wraps every
 * provider in the same middleware: concurrency limit, retry with backoff, content-addressed cache,
 * structured-output validation and token accounting. Providers never see the cache or retries.
 */

/** Sampling parameters. All are part of the cache key. */
export interface SamplingParams {
  /** 0..2; provider default when unset. */
  temperature?: number;
  topP?: number;
  /** Upper bound on completion tokens. */
  maxTokens?: number;
  /** Sampling seed. Core sets distinct seeds for repeated judgments so that each is its own cache entry. */
  seed?: number;
  stop?: string[];
}

/** A JSON Schema for structured output (OpenAI `response_format: json_schema`, Ollama `format`). */
export interface OutputSchema {
  /** `^[a-zA-Z0-9_-]{1,64}$`, as OpenAI requires. */
  name: string;
  /** A JSON Schema object (draft 2020-12 subset that both OpenAI strict mode and Ollama accept). */
  jsonSchema: Record<string, unknown>;
  /**
   * The same schema with every constraint the validator checks, including those strict mode makes
   * `jsonSchema` drop (`minLength`, `maxLength`, `uniqueItems`, ...). Never sent to a provider nor part
   * of a cache key; used to make valid values without a model (`--dry-run`). Absent: use `jsonSchema`.
   */
  sampleSchema?: Record<string, unknown>;
}

export interface ChatRequest extends SamplingParams {
  messages: ChatMessage[];
  schema?: OutputSchema;
}

/** What a provider returns for one call. Token counts are the provider's own. */
export interface ChatResult {
  content: string;
  promptTokens: number;
  completionTokens: number;
  finishReason?: string;
  /** The response's `x-ratelimit-*` headers, when the provider read them ({@link rateLimitFromHeaders}). */
  rateLimit?: RateLimitInfo;
}

/** Per-call options that are not part of the request's meaning (not in the cache key). */
export interface CallOptions {
  signal?: AbortSignal;
  /** Wall-clock limit for one HTTP attempt, in milliseconds. */
  timeoutMs: number;
}

/**
 * One provider instance, bound to an endpoint. Implementations read secrets (API keys) from the
 * environment at call time and never put them into errors.
 */
/**
 * Version of the provider contract ({@link ChatProvider}). A provider states the version it
 * implements in `apiVersion`; the LLM layer refuses another version with an error naming the provider.
 * Optional capabilities (`promptLogprobs`) are additions within a version: a v1 provider without
 * them stays valid.
 */
export const PROVIDER_API_VERSION = 1;

export interface ChatProvider {
  /** The provider contract version this provider implements ({@link PROVIDER_API_VERSION}); unset means 1. */
  readonly apiVersion?: number;
  /** Provider name as used in model ids: `openai` in `openai:gpt-4o`. */
  readonly name: string;
  /** The endpoint, for error messages: a URL with no credentials. */
  readonly endpoint: string;
  /** Make one call. Must throw {@link LlmError} for every failure. */
  chat(model: string, request: ChatRequest, options: CallOptions): Promise<ChatResult>;
  /** The endpoint's batch API, when the provider supports batch mode (`--batch`). */
  readonly batch?: BatchApi;
  /**
   * Optional capability: score `text` as the model reads it (teacher forcing: no chat template, no
   * generation kept), e.g. through an OpenAI-compatible `/completions` call with `echo` and
   * `logprobs`. Providers that cannot leave it out; an endpoint that refuses it at run time makes it
   * throw `LlmError('unsupported')`. Every other failure throws as `chat` does.
   */
  promptLogprobs?(model: string, text: string, options: CallOptions): Promise<PromptLogprobsResult>;
}

/**
 * The model's log-probabilities for the tokens of a text (the input of instruction-following
 * difficulty, IFD). Three arrays of one length, one entry per token, covering the text in order.
 */
export interface PromptLogprobs {
  /** The tokens as the server decoded them (their concatenation is the text, up to undecodable bytes). */
  tokens: string[];
  /** Natural-log probability of each token given the tokens before it; null where the model gives none (the first token). */
  logprobs: (number | null)[];
  /** Where each token starts in the text, in UTF-16 code units (JavaScript string indices), non-decreasing. */
  offsets: number[];
}

/** What a provider returns for one `promptLogprobs` call. */
export interface PromptLogprobsResult extends PromptLogprobs {
  /** Tokens the endpoint reported for the call (the text's tokens, plus any it generated). */
  promptTokens: number;
  completionTokens: number;
  rateLimit?: RateLimitInfo;
}

/** Options a provider factory receives from config/CLI. */
export interface ProviderOptions {
  /** Overrides the provider's default base URL (`--base-url`, `OPENAI_BASE_URL`, `OLLAMA_HOST`). */
  baseUrl?: string;
}

export type ProviderFactory = (options: ProviderOptions) => ChatProvider;

/**
 * Failure classes, each with a fixed retry policy:
 * - `rate_limit` (429), `server` (5xx), `timeout`, `connection` (reset mid-call): retried with backoff.
 * - `unreachable` (nothing listens at the URL), `auth` (401/403), `not_found` (unknown model or route),
 *   `bad_request` (400): fatal for the run; retrying cannot help.
 * - `endpoint_unavailable`: a retryable failure that persisted through every attempt (`llm.maxAttempts`),
 *   or an answer that is no chat reply at all: the endpoint, not the sample, is at fault, so the run
 *   stops with its checkpoint and the seed stays pending for the next run.
 * - `invalid_output`: the reply did not validate against the schema; retried, then the sample is rejected.
 * - `unsupported`: the endpoint lacks an optional capability (prompt log-probabilities): not retried, the
 *   breaker not tripped (the endpoint still serves chat); the caller falls back or fails.
 *
 * Only `invalid_output` is a sample's own defect; every other kind that escapes the middleware is fatal.
 */
export type LlmErrorKind =
  | 'rate_limit'
  | 'server'
  | 'timeout'
  | 'connection'
  | 'unreachable'
  | 'auth'
  | 'not_found'
  | 'bad_request'
  | 'endpoint_unavailable'
  | 'invalid_output'
  | 'unsupported';

export const RETRYABLE_KINDS: ReadonlySet<LlmErrorKind> = new Set(['rate_limit', 'server', 'timeout', 'connection', 'invalid_output']);
export const FATAL_KINDS: ReadonlySet<LlmErrorKind> = new Set(['unreachable', 'auth', 'not_found', 'bad_request', 'endpoint_unavailable']);

const LLM_ERROR_BRAND = Symbol.for('instructsmith.llm-error');

/**
 * A failed LLM call, by kind. `instanceof LlmError` holds for errors made by another copy of
 * instructsmith too (a provider plugin with its own copy): the check reads a `Symbol.for` brand.
 */
export class LlmError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value !== null && typeof value === 'object' && (value as Record<symbol, unknown>)[LLM_ERROR_BRAND] === true;
  }
  readonly kind: LlmErrorKind;
  readonly status?: number;
  /** From a `retry-after` / `retry-after-ms` header, in milliseconds. */
  readonly retryAfterMs?: number;
  readonly hint?: string;
  /** The error response's `x-ratelimit-*` headers, when the provider read them (a 429 usually has them). */
  readonly rateLimit?: RateLimitInfo;
  /** Tokens the endpoint reported for a failed attempt it still bills (a reply generated, then found unusable). */
  readonly usage?: { promptTokens: number; completionTokens: number };
  constructor(kind: LlmErrorKind, message: string, opts: { status?: number; retryAfterMs?: number; hint?: string; cause?: unknown; rateLimit?: RateLimitInfo; usage?: { promptTokens: number; completionTokens: number } } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LlmError';
    Object.defineProperty(this, LLM_ERROR_BRAND, { value: true, enumerable: false });
    this.kind = kind;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.hint = opts.hint;
    if (opts.rateLimit) this.rateLimit = opts.rateLimit;
    if (opts.usage) this.usage = opts.usage;
  }
  get retryable(): boolean {
    return RETRYABLE_KINDS.has(this.kind);
  }
  get fatal(): boolean {
    return FATAL_KINDS.has(this.kind);
  }
}

/** Middleware settings (config key `llm`). Throughput settings: not part of the cache key. */
export interface LlmSettings {
  /** Max concurrent requests per endpoint. */
  concurrency: number;
  /** Max attempts per call for retryable failures (first try included). */
  maxAttempts: number;
  /** Backoff base and cap, milliseconds: delay = min(cap, base * 2^attempt) with full jitter. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Per-attempt timeout, milliseconds. */
  timeoutMs: number;
  /** Attempts for a reply that fails schema validation before the call is recorded as failed. */
  invalidOutputAttempts: number;
  /** Directory of the content-addressed request cache; `null` disables caching. */
  cacheDir: string | null;
  /**
   * Seconds an endpoint may keep failing with 429s or 5xx (no success in between) before the run
   * stops with its checkpoint (a fatal `endpoint_unavailable`, exit code 75).
   */
  breakerSeconds: number;
  /** Requests and tokens per minute per (endpoint, model); `null`: only what the server's `x-ratelimit-*` headers say. */
  rateLimit: { requestsPerMinute?: number; tokensPerMinute?: number } | null;
  /** Prices per million tokens by model id (`openai:gpt-4o-mini`), for the run's cost; models not listed have no cost. */
  prices: Record<string, { input: number; output: number }>;
  /** Batch mode (`--batch`): calls go through the provider's batch API; see core/llm/batch/collector.ts. */
  batch: BatchSettings;
}

/** Config key `llm.batch`. */
export interface BatchSettings {
  enabled: boolean;
  /** A batch is submitted as soon as this many requests wait. */
  size: number;
  /** Time between two polls of an open batch, in milliseconds. */
  pollMs: number;
  /** Waiting requests are submitted when no new one came for this long, in milliseconds. */
  maxWaitMs: number;
  /** Batches a request may go through (first included) when its line fails or its batch expires. */
  maxAttempts: number;
}

/** The outcome of one logical call after middleware: the reply and the tokens it cost. */
export interface Completion {
  content: string;
  usage: UsageEntry;
  /** The provider's finish reason when it gave one (`stop`, `length`, ...). */
  finishReason?: string;
}

/** The outcome of one `promptLogprobs` call after middleware. */
export interface PromptLogprobsCompletion extends PromptLogprobs {
  usage: UsageEntry;
}

export interface StructuredCompletion<T> {
  value: T;
  /** One entry per attempt that reached the model (invalid replies cost tokens too). */
  usage: UsageEntry[];
}

/**
 * Which queue of the endpoint's limiter a call waits in: `background` calls are let through only
 * while no `normal` one waits (see {@link CallMeta.priority}).
 */
export type CallPriority = 'normal' | 'background';

/** Who is calling, for token accounting, and how urgent the call is. */
export interface CallMeta {
  plugin: string;
  /**
   * `background`: the call waits for a slot of the endpoint's limiter behind every `normal` one, so
   * it only fills slots the rest of the run leaves idle (the end of a pass, the gaps between a
   * reply and the next request). For work needed by a later stage but by nothing running now, e.g.
   * backfeeding's keyword extraction of the records kept during the first pass. Default `normal`.
   * Not part of the cache key; batch mode (`--batch`) ignores it.
   */
  priority?: CallPriority;
}

/**
 * What a plugin uses to talk to a model: bound to one `provider:model` id, with all middleware applied.
 * Throws {@link LlmError}: fatal kinds (exhausted retries included, as `endpoint_unavailable`) stop the
 * run with its checkpoint; only `invalid_output` rejects the sample.
 */
export interface LlmClient {
  /** `provider:model`, e.g. `ollama:qwen2.5-coder:7b`. */
  readonly modelId: string;
  complete(request: ChatRequest, meta: CallMeta): Promise<Completion>;
  /**
   * A structured call: sends `schema` to the provider's structured-output mode, parses the reply as
   * JSON and validates it with `validate` (which throws on mismatch). Invalid replies are retried
   * up to `invalidOutputAttempts` times with distinct seeds, then throw `LlmError('invalid_output')`.
   */
  structured<T>(
    request: Omit<ChatRequest, 'schema'>,
    schema: OutputSchema,
    validate: (value: unknown) => T,
    meta: CallMeta,
  ): Promise<StructuredCompletion<T>>;
  /**
   * Present only when the provider implements {@link ChatProvider.promptLogprobs}: the model's
   * log-probability of every token of `text`, through cache (keyed apart from chat calls), limiter,
   * retries and usage like every call.
   * @throws LlmError('unsupported') when the endpoint refuses it (checked per call; never cached).
   */
  promptLogprobs?(text: string, meta: CallMeta): Promise<PromptLogprobsCompletion>;
}

/** Totals per model, for run.json and the progress display: what the endpoint received and sent back. */
export interface UsageTotals {
  /** HTTP requests sent to the endpoint: every attempt, retried and failed ones included. */
  calls: number;
  /** Calls answered from the request cache (nothing sent; not counted in `calls`). */
  cachedCalls: number;
  /** Calls answered by an identical call already in flight (single-flight: nothing sent; not in `calls`). Absent in older run.json files. */
  sharedCalls?: number;
  /** Tokens the endpoint reported for the replies it sent (cached replies excluded). */
  promptTokens: number;
  completionTokens: number;
}
