import OpenAI from 'openai';
import {
  definePlugin,
  isSecretQueryParam,
  LlmError,
  llmErrorFromNetwork,
  llmErrorFromStatus,
  parseEndpointUrl,
  rateLimitFromHeaders,
  redactSecrets,
  retryAfterMs,
  z,
  type CallOptions,
  type ChatProvider,
  type ChatRequest,
  type ChatResult,
  type EndpointUrl,
  type FailureContext,
  type PromptLogprobsResult,
  type ProviderOptions,
} from '../../core/index.js';
import { createOpenAiBatchApi } from './openai-batch.js';

/**
 * `provider:openai`: any OpenAI-compatible chat-completions endpoint: api.openai.com, vLLM, SGLang,
 * llama.cpp server, LM Studio, hosted compatible APIs. Model ids `openai:<model>`.
 *
 * Base URL: `--base-url` > this plugin's `baseUrl` option > `OPENAI_BASE_URL` > https://api.openai.com/v1.
 * API key: the environment variable named by `apiKeyEnv` (default `OPENAI_API_KEY`), read at every
 * call; a local server needs none, so a placeholder is sent when it is unset (except to api.openai.com,
 * which is refused up front with a hint).
 *
 * Credentials in the base URL: `http://user:password@host/v1` is sent as HTTP Basic authorization
 * (what curl does with it; it replaces the bearer key, as both use the Authorization header), and a
 * query string (`?api-version=...&api-key=...`) is sent with every request. Neither appears in any
 * message: errors name the endpoint with user-info removed and secret query values as `***`.
 *
 * Prompt log-probabilities (`promptLogprobs`, for IFD): `/completions` with `echo` and `logprobs`.
 * vLLM serves them; llama.cpp's server refuses echo and api.openai.com's chat models have no such
 * call: both are reported as `LlmError('unsupported')` for the caller to fall back.
 */

/** Where the official API lives; the only endpoint for which a missing key is an error before calling. */
const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** Sent as the bearer token when no key is set: local servers ignore it, and it is no secret. */
const NO_KEY_PLACEHOLDER = 'no-key-set';

export const openaiProviderOptions = z
  .object({
    /** Base URL used when `--base-url` is not given (still overridden by nothing else). */
    baseUrl: z.string().url().optional(),
    /** Name of the environment variable holding the key, e.g. `TOGETHER_API_KEY` for another host. */
    apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('OPENAI_API_KEY'),
    /**
     * Which body field carries `maxTokens`: `max_tokens` (understood by every compatible server) or
     * `max_completion_tokens` (required by OpenAI's reasoning models, which reject `max_tokens`).
     */
    maxTokensField: z.enum(['max_tokens', 'max_completion_tokens']).default('max_tokens'),
    /**
     * Extra HTTP headers sent with every request (a gateway's `x-api-key`, vLLM behind a proxy). Their
     * values are treated as secrets: scrubbed from error messages, written as `[REDACTED]` in run.json.
     */
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type OpenAiProviderOptions = z.output<typeof openaiProviderOptions>;

/**
 * Build a provider bound to one endpoint.
 * @param options `baseUrl` from `--base-url` (wins over everything).
 * @param pluginOptions this plugin's config options.
 * @param env the environment to read `OPENAI_BASE_URL` and the key from (process.env; injectable for tests).
 * @throws ConfigError-free: a bad URL (not absolute http/https) surfaces on every call as a fatal
 *   `unreachable` LlmError naming it (credentials removed).
 */
export function createOpenAiProvider(options: ProviderOptions = {}, pluginOptions: Partial<OpenAiProviderOptions> = {}, env: NodeJS.ProcessEnv = process.env): ChatProvider {
  const keyEnv = pluginOptions.apiKeyEnv ?? 'OPENAI_API_KEY';
  const maxTokensField = pluginOptions.maxTokensField ?? 'max_tokens';
  const rawUrl = (options.baseUrl ?? pluginOptions.baseUrl ?? nonEmpty(env.OPENAI_BASE_URL) ?? OPENAI_DEFAULT_BASE_URL).trim();
  let parsed: EndpointUrl;
  let badUrl: LlmError | undefined;
  try {
    parsed = parseEndpointUrl(rawUrl, 'openai');
  } catch (err) {
    badUrl = err as LlmError;
    parsed = { url: OPENAI_DEFAULT_BASE_URL, query: {}, endpoint: (err as LlmError).message };
  }
  const { endpoint } = parsed;
  const isOfficial = /^https:\/\/api\.openai\.com(\/|$)/.test(parsed.url);
  const readKey = () => nonEmpty(env[keyEnv]);
  const headers = pluginOptions.headers ?? {};
  // Everything a server might echo back that must not reach a message.
  const fixedSecrets = [...Object.values(headers), parsed.basicAuth?.slice('Basic '.length), ...urlSecrets(rawUrl)];
  const client = new OpenAI({
    baseURL: parsed.url,
    defaultQuery: parsed.query,
    // Later headers win over the client's own bearer Authorization.
    defaultHeaders: { ...headers, ...(parsed.basicAuth ? { Authorization: parsed.basicAuth } : {}) },
    // A function: the client calls it before every request, so a key set or rotated mid-run is used.
    apiKey: async () => readKey() ?? NO_KEY_PLACEHOLDER,
    // Core retries (with the run's backoff and concurrency); the client's own retries would multiply them.
    maxRetries: 0,
    // The client must not log requests or errors: messages can echo parts of the key.
    logLevel: 'off',
  });

  const failureContext = (model: string, timeoutMs: number): FailureContext => ({
    provider: 'openai',
    endpoint,
    model,
    timeoutMs,
    hints: {
      unreachable: `is the server running? set OPENAI_BASE_URL or --base-url (tried ${endpoint})`,
      auth: `check ${keyEnv}: the server did not accept it${readKey() ? '' : ` (${keyEnv} is not set)`}`,
      notFound: `is "${model}" served at ${endpoint}? list models with: curl ${endpoint}/models`,
    },
    secrets: [readKey(), ...fixedSecrets],
  });
  const preflight = () => {
    if (badUrl) throw badUrl;
    if (isOfficial && !readKey()) {
      throw new LlmError('auth', `openai at ${endpoint} needs an API key and ${keyEnv} is not set`, { hint: `export ${keyEnv}=... (or point --base-url at a local server)` });
    }
  };
  const bodyOf = (model: string, request: ChatRequest) => chatBody(model, request, maxTokensField);

  return {
    name: 'openai',
    endpoint,
    /**
     * Prompt log-probabilities through the legacy completions endpoint: `POST /completions` with
     * `echo: true, logprobs: 1, max_tokens: 1, temperature: 0` (vLLM answers this; it refuses
     * `max_tokens: 0`, so the one generated token is cut off here, as is every token starting at or
     * after the text's end). The reply's `text_offset`s count code points (Python string indices);
     * they are turned into UTF-16 offsets. Refusals become `LlmError('unsupported')`: a 404 that
     * names no model (no such route), 501, or an error saying `echo`/`logprobs` (llama.cpp's server:
     * "Only no echo is supported"; api.openai.com's chat models), or a 200 without the prompt's
     * logprobs (servers that ignore `echo`, e.g. Ollama's compatible API).
     */
    async promptLogprobs(model: string, text: string, call: CallOptions): Promise<PromptLogprobsResult> {
      const ctx = failureContext(model, call.timeoutMs);
      preflight();
      const body: OpenAI.CompletionCreateParamsNonStreaming = { model, prompt: text, echo: true, logprobs: 1, max_tokens: 1, temperature: 0 };
      let completion: OpenAI.Completion;
      let headers: Headers;
      try {
        ({ data: completion, response: { headers } } = await client.completions.create(body, { signal: call.signal, timeout: call.timeoutMs, maxRetries: 0 }).withResponse());
      } catch (err) {
        const e = classify(err, ctx, call);
        throw e instanceof LlmError && refusesEcho(e, model) ? new LlmError('unsupported', `openai at ${endpoint} offers no prompt log-probabilities for model "${model}" (${e.message})`, { status: e.status, hint: ECHO_HINT }) : e;
      }
      const choice = (completion as { choices?: OpenAI.CompletionChoice[] } | undefined)?.choices?.[0];
      if (!completion || typeof completion !== 'object' || !choice) {
        throw new LlmError('server', `openai at ${endpoint} answered /completions with something that is not a completion (${describeBody(completion)}) for model "${model}"`);
      }
      const scored = promptTokensOf(choice, text);
      if (!scored) {
        throw new LlmError('unsupported', `openai at ${endpoint} did not echo the prompt's log-probabilities for model "${model}" (it ignored echo or logprobs)`, { hint: ECHO_HINT });
      }
      const rateLimit = rateLimitFromHeaders(headers);
      return {
        ...scored,
        promptTokens: completion.usage?.prompt_tokens ?? scored.tokens.length,
        completionTokens: completion.usage?.completion_tokens ?? 0,
        ...(rateLimit ? { rateLimit } : {}),
      };
    },
    async chat(model: string, request: ChatRequest, call: CallOptions): Promise<ChatResult> {
      const ctx = failureContext(model, call.timeoutMs);
      preflight();
      const body = bodyOf(model, request);
      let completion: OpenAI.Chat.ChatCompletion;
      let headers: Headers;
      try {
        // withResponse: the raw response's headers carry the server's x-ratelimit-* budget.
        ({ data: completion, response: { headers } } = await client.chat.completions.create(body, { signal: call.signal, timeout: call.timeoutMs, maxRetries: 0 }).withResponse());
      } catch (err) {
        throw classify(err, ctx, call);
      }
      const rateLimit = rateLimitFromHeaders(headers);
      return { ...chatResult(completion, endpoint, model), ...(rateLimit ? { rateLimit } : {}) };
    },
    batch: createOpenAiBatchApi({ client, endpoint, preflight, body: bodyOf, result: (completion, model) => chatResult(completion as OpenAI.Chat.ChatCompletion, endpoint, model), failureContext, classify }),
  };
}

/** The chat-completions body of `request` (the same for a direct call and a batch line). */
function chatBody(model: string, request: ChatRequest, maxTokensField: OpenAiProviderOptions['maxTokensField']): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
  return {
    model,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(request.maxTokens !== undefined ? { [maxTokensField]: request.maxTokens } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.stop?.length ? { stop: request.stop } : {}),
    ...(request.schema
      ? { response_format: { type: 'json_schema' as const, json_schema: { name: request.schema.name, schema: request.schema.jsonSchema, strict: true } } }
      : {}),
  };
}

/**
 * The reply in a chat completion (a direct call's body or a batch line's `response.body`).
 * @throws LlmError `server` for a body that is no chat completion or has no content, `invalid_output` for a refusal.
 */
function chatResult(completion: OpenAI.Chat.ChatCompletion, endpoint: string, model: string): ChatResult {
  // A non-JSON content type makes the client return the body as text (or undefined when empty):
  // an HTML error page from a proxy, or a base URL that is not the API root.
  if (!completion || typeof completion !== 'object' || !Array.isArray((completion as { choices?: unknown }).choices)) {
    throw new LlmError('server', `openai at ${endpoint} answered with something that is not a chat completion (${describeBody(completion)}) for model "${model}"`, {
      hint: `is ${endpoint} the API root of an OpenAI-compatible server (usually ending in /v1)?`,
    });
  }
  const choice = completion.choices[0];
  if (!choice) throw new LlmError('server', `openai at ${endpoint} returned no choices for model "${model}"`);
  const content = choice.message?.content;
  if (content === null || content === undefined) {
    const refusal = choice.message?.refusal;
    // The reply was generated, so it is billed: its usage goes with the error into the run's tokens and cost.
    const usage = completion.usage ? { promptTokens: completion.usage.prompt_tokens ?? 0, completionTokens: completion.usage.completion_tokens ?? 0 } : undefined;
    if (refusal) throw new LlmError('invalid_output', `openai model "${model}" refused: ${refusal}`, { usage });
    throw new LlmError('server', `openai at ${endpoint} returned a choice without content (finish_reason ${choice.finish_reason}) for model "${model}"`, { usage });
  }
  return {
    content,
    promptTokens: completion.usage?.prompt_tokens ?? 0,
    completionTokens: completion.usage?.completion_tokens ?? 0,
    finishReason: choice.finish_reason ?? undefined,
  };
}

const ECHO_HINT = 'prompt log-probabilities need a /completions endpoint that honours echo with logprobs (vLLM does); use such a server, or let the caller fall back';

/** Whether a failed /completions call says the endpoint cannot echo prompt log-probabilities. */
function refusesEcho(e: LlmError, model: string): boolean {
  if (e.status === 501) return true;
  // Unknown models are a 404 quoting the model (vLLM, OpenAI, the double); a missing route is a bare 404.
  if (e.status === 404) {
    const said = e.message.split('(HTTP 404)')[1] ?? '';
    return !['`', '"', "'"].some((q) => said.includes(`${q}${model}${q}`));
  }
  return e.status !== undefined && /echo|logprob/i.test(e.message.split(`(HTTP ${e.status})`)[1] ?? '');
}

/**
 * The prompt's tokens of an echoed completion choice, with offsets in UTF-16 code units, or
 * undefined when the choice does not carry them (its text does not start with the prompt, no
 * logprobs, arrays of unequal length, tokens not starting at offset 0).
 */
export function promptTokensOf(choice: OpenAI.CompletionChoice, text: string): { tokens: string[]; logprobs: (number | null)[]; offsets: number[] } | undefined {
  const lp = choice.logprobs as { tokens?: unknown; token_logprobs?: unknown; text_offset?: unknown } | null | undefined;
  const tokens = lp?.tokens;
  const logprobs = lp?.token_logprobs;
  const offsets = lp?.text_offset;
  if (!Array.isArray(tokens) || !Array.isArray(logprobs) || !Array.isArray(offsets) || tokens.length === 0 || tokens.length !== logprobs.length || tokens.length !== offsets.length) return undefined;
  // An echoing server returns the prompt itself, then what it generated; one that ignores echo does not.
  const echoed = choice.text;
  if (typeof echoed !== 'string' || !echoed.startsWith(text)) return undefined;
  const utf16 = codePointOffsets(echoed);
  const out = { tokens: [] as string[], logprobs: [] as (number | null)[], offsets: [] as number[] };
  for (let i = 0; i < tokens.length; i++) {
    const cp = Number(offsets[i]);
    const at = utf16[Math.min(Math.max(0, Math.trunc(cp)), utf16.length - 1)]!;
    if (at >= text.length) break;
    out.tokens.push(String(tokens[i]));
    out.logprobs.push(typeof logprobs[i] === 'number' ? (logprobs[i] as number) : null);
    out.offsets.push(at);
  }
  if (out.tokens.length === 0 || out.offsets[0] !== 0) return undefined;
  return out;
}

/** UTF-16 index of each code point of `s`, plus one entry for the end. */
function codePointOffsets(s: string): number[] {
  const out: number[] = [];
  let i = 0;
  for (const ch of s) {
    out.push(i);
    i += ch.length;
  }
  out.push(i);
  return out;
}

/**
 * Map the openai client's errors to LlmError. Messages are ours (never the client's, which can quote
 * the key); for API errors no `cause` is attached, because the client's error carries the response
 * body, which for a 401 from api.openai.com contains part of the key.
 */
function classify(err: unknown, ctx: FailureContext, call: Pick<CallOptions, 'signal'>): unknown {
  if (err instanceof LlmError) return err;
  if (err instanceof OpenAI.APIUserAbortError) {
    // Our caller aborted: either the run was interrupted (core rethrows its reason) or core's timeout guard fired.
    return new LlmError('timeout', `openai at ${ctx.endpoint} was aborted after ${ctx.timeoutMs} ms (model "${ctx.model}")`, {
      hint: 'raise llm.timeoutMs or lower llm.concurrency',
    });
  }
  if (err instanceof OpenAI.APIConnectionTimeoutError) return llmErrorFromNetwork(err, ctx, true)!;
  if (err instanceof OpenAI.APIConnectionError) {
    return (
      llmErrorFromNetwork(err, ctx) ??
      // The cause's message can quote the request URL (and so its query string): scrubbed, and not attached.
      new LlmError('connection', `openai at ${ctx.endpoint}: connection failed (${redactSecrets((err.cause as Error | undefined)?.message ?? 'no detail', ctx.secrets ?? [])})`)
    );
  }
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
    const bodyMessage = (err.error as { message?: unknown } | undefined)?.message;
    return llmErrorFromStatus(err.status, typeof bodyMessage === 'string' ? bodyMessage : undefined, ctx, retryAfterMs(err.headers), rateLimitFromHeaders(err.headers));
  }
  if (err instanceof SyntaxError) {
    return new LlmError('server', `openai at ${ctx.endpoint} returned a response body that is not valid JSON (model "${ctx.model}")`);
  }
  const network = llmErrorFromNetwork(err, ctx, call.signal?.aborted ?? false);
  if (network) return network;
  return new LlmError('server', `openai at ${ctx.endpoint}: unexpected failure: ${redactSecrets(String((err as Error)?.message ?? err), ctx.secrets ?? [])}`);
}

/** What an unexpected body was, for the message: its type and a scrubbed start. */
function describeBody(body: unknown): string {
  if (body === undefined || body === null || body === '') return 'an empty body';
  if (typeof body === 'string') return `text starting "${redactSecrets(body.slice(0, 80)).replace(/\s+/g, ' ')}"`;
  return `JSON without "choices"`;
}

/** The user-info parts and secret query values of `raw` (raw and decoded), to scrub from server text. */
function urlSecrets(raw: string): string[] {
  try {
    const u = new URL(raw);
    const query = [...u.searchParams].filter(([name]) => isSecretQueryParam(name)).map(([, v]) => v);
    return [u.username, decodeURIComponent(u.username), u.password, decodeURIComponent(u.password), ...query].filter((s) => s.length >= 4);
  } catch {
    return [];
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined;
}

export default definePlugin({
  name: 'provider:openai',
  description: 'OpenAI-compatible chat completions (api.openai.com, vLLM, SGLang, llama.cpp, LM Studio): model ids openai:<model>.',
  options: openaiProviderOptions,
  apply(ctx, options) {
    ctx.hooks.provider.for('openai').tap((providerOptions) => createOpenAiProvider(providerOptions, options));
  },
});
