/**
 * Types of the LLM HTTP test double (see ./double.ts). Kept apart so scripts can import them
 * without pulling in node:http.
 */

/** Which API surface a request hit. */
export type DoubleApi = 'openai' | 'ollama';

/**
 * Routes the double serves. Chat routes are the ones providers call; the others exist because the
 * real clients (or a user's `curl`) may call them.
 */
export type DoubleRoute =
  | 'openai.chat' //     POST /v1/chat/completions
  | 'openai.completions' // POST /v1/completions (legacy; echo + logprobs scores a prompt)
  | 'openai.models' //   GET  /v1/models
  | 'ollama.chat' //     POST /api/chat
  | 'ollama.tags' //     GET  /api/tags
  | 'ollama.show' //     POST /api/show
  | 'ollama.version' //  GET  /api/version
  | 'openai.files' //    POST /v1/files, GET /v1/files/{id}[/content]
  | 'openai.batches' //  POST /v1/batches, GET /v1/batches/{id}, POST /v1/batches/{id}/cancel
  | 'unknown';

/** A chat message as received (OpenAI and Ollama agree on `{role, content}`). */
export interface DoubleMessage {
  role: string;
  content: string;
}

/** Sampling parameters of a chat request, normalised across both APIs (OpenAI names in camelCase). */
export interface DoubleSampling {
  temperature?: number;
  topP?: number;
  /** OpenAI `max_tokens`/`max_completion_tokens`, Ollama `options.num_predict`. */
  maxTokens?: number;
  seed?: number;
  stop?: string[];
}

/** One request the double received, in arrival order. */
export interface RecordedRequest extends DoubleSampling {
  /** 0-based arrival index over all routes. */
  index: number;
  api: DoubleApi | undefined;
  route: DoubleRoute;
  method: string;
  path: string;
  /** Arrival time, ms since the epoch with sub-millisecond precision (performance clock). */
  at: number;
  /** Lower-cased request headers, as sent (including `authorization`: the double is a test tool). */
  headers: Record<string, string>;
  /** The parsed JSON body, or undefined for GET / an unparsable body. */
  body: unknown;
  model?: string;
  messages?: DoubleMessage[];
  /** The `prompt` of a `/v1/completions` request (a string; arrays are not supported). */
  prompt?: string;
  /** The JSON Schema asked for: OpenAI `response_format.json_schema.schema`, Ollama `format` when an object. */
  schema?: Record<string, unknown>;
  /** OpenAI `response_format.json_schema.name`. */
  schemaName?: string;
  /** OpenAI `response_format` as sent. */
  responseFormat?: unknown;
  /** Ollama `format` as sent (`'json'` or a schema). */
  format?: unknown;
  /** HTTP status the double answered with; `undefined` when the socket was destroyed (`reset` fault). */
  status?: number;
  /** The fault applied to this request, if any. */
  fault?: FaultSpec;
  /** The assistant content sent back (chat routes that succeeded). */
  reply?: string;
}

/** What a reply router sees: one chat request, normalised across both APIs. */
export interface ReplyRequest extends DoubleSampling {
  api: DoubleApi;
  model: string;
  messages: DoubleMessage[];
  /** The JSON Schema asked for, when the call is structured. */
  schema?: Record<string, unknown>;
  schemaName?: string;
  /** Ollama `format: 'json'` (JSON without a schema) or OpenAI `response_format: {type: 'json_object'}`. */
  json: boolean;
  /** Content of the last user message ('' when there is none): what most routers match on. */
  lastUser: string;
  /** Content of the system message ('' when there is none). */
  system: string;
  /** 1-based count of chat requests so far (this one included), over both APIs. */
  n: number;
  headers: Record<string, string>;
}

/**
 * A reply router. Return a string (sent as the assistant content), an object or array (sent as its
 * JSON: a structured reply), or `undefined` to let the next router (or the default) answer.
 * May be async. Throwing makes the double answer 500 with the error message (a bug in the test).
 */
export type ReplyFn = (req: ReplyRequest) => unknown;

/**
 * A fault to inject. `times` (default 1) says how many matching requests it applies to; faults are
 * consumed in the order they were added. `delayMs` may be combined with any other fault (wait, then fail).
 */
export type FaultSpec = { times?: number; delayMs?: number } & (
  | { status: number; retryAfter?: number; retryAfterMs?: number; message?: string }
  | { malformed: true | 'content' | 'body' }
  | { reset: true }
  | { delayMs: number }
);

/** Which requests a fault applies to. Default: chat routes of either API. */
export type FaultMatch = ((req: RecordedRequest) => boolean) | { route?: DoubleRoute; api?: DoubleApi; model?: string };

export interface LlmDoubleOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /**
   * When set, every request must send `Authorization: Bearer <requireKey>`; otherwise 401 with an
   * OpenAI-shaped error body that, like the real API, echoes part of the key it got.
   */
  requireKey?: string;
  /**
   * Models the double serves (listed by `/v1/models` and `/api/tags`). When set, a chat request for
   * another model gets 404 like the real servers; when unset, any model is accepted.
   */
  models?: string[];
  /**
   * Fixed latency of every chat reply, in ms (a model server's time per call), on top of any fault's
   * `delayMs`; default 0. For throughput benchmarks: the endpoint's capacity is then concurrency / latency.
   */
  latencyMs?: number;
  /** Rate-limit chat requests like a hosted API (see {@link DoubleRateLimit}); unset: no limit. */
  rateLimit?: DoubleRateLimit;
  /** Time from a batch's creation to its completion, in ms; default 0 (done at the first poll). */
  batchProcessingMs?: number;
  /**
   * How `/v1/completions` treats `echo: true`: `'logprobs'` (default) echoes the prompt with per-token
   * logprobs (see {@link doubleLogprobs}); `'ignore'` answers like a server that ignores echo (only the
   * generated token, as Ollama's compatible API does), to test the caller's "not supported" path.
   */
  completionsEcho?: 'logprobs' | 'ignore';
  /** Called with one line per request (method, path, model, status); for `serve.ts --verbose`. */
  log?: (line: string) => void;
}

/**
 * A fixed-window rate limit on chat requests (both APIs): at most `requests` per `windowMs`
 * (default 1000). Every chat reply carries OpenAI's `x-ratelimit-limit-requests`,
 * `x-ratelimit-remaining-requests` and `x-ratelimit-reset-requests` (e.g. `734ms`); a request over
 * the limit gets 429 with those headers and `retry-after-ms` (the time to the window's end).
 */
export interface DoubleRateLimit {
  requests: number;
  windowMs?: number;
}

/**
 * A fault for the double's Batch API, consumed in the order added, each for `times` (default 1):
 * - `{ lineStatus }`: the next lines answered get this HTTP status in the output file (`response.status_code`);
 * - `{ errorLine: true }`: the next lines go to the error file (`response: null`, `error: {code, message}`);
 * - `{ expire: true, completedLines }`: the next batch to finish expires, only its first `completedLines`
 *   (default 0) answered; the others go to the error file as `batch_expired`.
 */
export type BatchFault = { times?: number } & ({ lineStatus: number } | { errorLine: true } | { expire: true; completedLines?: number });

/** A batch the double received (`POST /v1/batches`). */
export interface DoubleBatch {
  id: string;
  inputFileId: string;
  status: 'validating' | 'in_progress' | 'completed' | 'expired' | 'cancelled';
  /** Seconds since the epoch. */
  createdAt: number;
  finishedAt?: number;
  outputFileId?: string;
  errorFileId?: string;
  /** Its requests in input order; `outcome` once finished: the line's HTTP status, or why it has none. */
  lines: Array<{ customId: string; body: unknown; outcome?: number | 'error' | 'expired' | 'cancelled'; reply?: string }>;
}
