import { Ollama, type ChatResponse } from 'ollama';
import {
  definePlugin,
  LlmError,
  llmErrorFromNetwork,
  llmErrorFromStatus,
  linkSignals,
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
  type ProviderOptions,
} from '../../core/index.js';

/**
 * `provider:ollama`: a local or remote Ollama server through the `ollama` npm client.
 * Model ids `ollama:<model>` (the model part may have its own tag: `ollama:qwen2.5-coder:7b`).
 *
 * Host: `--base-url` > this plugin's `host` option > `OLLAMA_HOST` > http://127.0.0.1:11434 (Ollama's
 * default). Structured output uses `format: <JSON Schema>`; sampling goes in `options`
 * (temperature, top_p, num_predict, seed, stop). A host with user-info (`http://user:pw@gpu-box:11434`,
 * an authenticating proxy in front of Ollama) is sent as HTTP Basic authorization, never in a message.
 */

/** Ollama's documented default address (github.com/ollama/ollama, docs/faq.md). */
const OLLAMA_DEFAULT_HOST = 'http://127.0.0.1:11434';

export const ollamaProviderOptions = z
  .object({
    /** Host used when `--base-url` is not given, e.g. `http://gpu-box:11434`. */
    host: z.string().min(1).optional(),
    /**
     * How long Ollama keeps the model loaded after a call (its `keep_alive`, e.g. `30m`); unset = the
     * server's default. Not part of the cache key: it changes speed, not replies.
     */
    keepAlive: z.union([z.string(), z.number()]).optional(),
  })
  .strict();

export type OllamaProviderOptions = z.output<typeof ollamaProviderOptions>;

/**
 * Build a provider bound to one Ollama host.
 * @param options `baseUrl` from `--base-url` (wins over everything).
 * @param env where `OLLAMA_HOST` is read (process.env; injectable for tests).
 * A host that is no http(s) URL surfaces on every call as a fatal `unreachable` LlmError naming it.
 */
export function createOllamaProvider(options: ProviderOptions = {}, pluginOptions: Partial<OllamaProviderOptions> = {}, env: NodeJS.ProcessEnv = process.env): ChatProvider {
  const raw = options.baseUrl ?? pluginOptions.host ?? nonEmpty(env.OLLAMA_HOST) ?? OLLAMA_DEFAULT_HOST;
  let parsed: EndpointUrl;
  let badHost: LlmError | undefined;
  try {
    parsed = parseEndpointUrl(normaliseHost(raw), 'ollama');
  } catch (err) {
    badHost = err instanceof LlmError ? err : new LlmError('unreachable', `ollama: the host "${redactSecrets(raw)}" is not a valid host or URL`, { hint: 'e.g. OLLAMA_HOST=127.0.0.1:11434 or --base-url http://gpu-box:11434' });
    parsed = { url: OLLAMA_DEFAULT_HOST, query: {}, endpoint: badHost.message };
  }
  const host = parsed.url;
  const { endpoint } = parsed;
  const authHeaders: Record<string, string> = parsed.basicAuth ? { Authorization: parsed.basicAuth } : {};
  const secrets = parsed.basicAuth ? [parsed.basicAuth.slice('Basic '.length), ...userInfo(raw)] : [];

  return {
    name: 'ollama',
    endpoint,
    async chat(model: string, request: ChatRequest, call: CallOptions): Promise<ChatResult> {
      const ctx: FailureContext = {
        provider: 'ollama',
        endpoint,
        model,
        timeoutMs: call.timeoutMs,
        hints: {
          unreachable: `start it with \`ollama serve\` and pull the model with \`ollama pull ${model}\` (or set OLLAMA_HOST / --base-url; tried ${endpoint})`,
          auth: `the server at ${endpoint} refused the request; if it sits behind an authenticating proxy, check its credentials`,
          notFound: `pull it with \`ollama pull ${model}\` (list local models with \`ollama list\`)`,
        },
        secrets,
      };
      if (badHost) throw badHost;
      const link = linkSignals(call.signal);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        link.abort(new Error(`timed out after ${call.timeoutMs} ms`));
      }, call.timeoutMs);
      const signal = link.signal;
      // The client has no per-call signal for non-streamed requests and drops response headers on
      // errors; a fetch wrapper adds both (the signal for timeouts, the headers for `retry-after`).
      let lastResponse: Response | undefined;
      const client = new Ollama({
        host,
        headers: authHeaders,
        fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
          lastResponse = await fetch(input, { ...init, signal });
          return lastResponse;
        },
      });
      const sampling = {
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.topP !== undefined ? { top_p: request.topP } : {}),
        ...(request.maxTokens !== undefined ? { num_predict: request.maxTokens } : {}),
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.stop?.length ? { stop: request.stop } : {}),
      };
      let response: ChatResponse;
      try {
        response = await client.chat({
          model,
          messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
          stream: false,
          ...(request.schema ? { format: request.schema.jsonSchema } : {}),
          ...(Object.keys(sampling).length ? { options: sampling } : {}),
          ...(pluginOptions.keepAlive !== undefined ? { keep_alive: pluginOptions.keepAlive } : {}),
        });
      } catch (err) {
        throw classify(err, ctx, timedOut, lastResponse);
      } finally {
        clearTimeout(timer);
        link.dispose();
      }
      if (!response || typeof response !== 'object') {
        throw new LlmError('server', `ollama at ${endpoint} answered with something that is not a chat reply for model "${model}"`, { hint: `is ${endpoint} an Ollama server (its API is under /api)?` });
      }
      const content = response.message?.content;
      if (typeof content !== 'string') throw new LlmError('server', `ollama at ${endpoint} returned a reply without message content for model "${model}"`);
      // Ollama itself sends no x-ratelimit-* headers; a gateway in front of it may.
      const rateLimit = rateLimitFromHeaders(lastResponse?.headers);
      return {
        content,
        promptTokens: response.prompt_eval_count ?? 0,
        completionTokens: response.eval_count ?? 0,
        finishReason: response.done_reason || undefined,
        ...(rateLimit ? { rateLimit } : {}),
      };
    },
  };
}

function classify(err: unknown, ctx: FailureContext, timedOut: boolean, response: Response | undefined): LlmError {
  if (err instanceof LlmError) return err;
  const status = (err as { status_code?: unknown }).status_code;
  if (typeof status === 'number') {
    return llmErrorFromStatus(status, (err as Error).message, ctx, retryAfterMs(response?.headers), rateLimitFromHeaders(response?.headers));
  }
  const aborted = (err as Error)?.name === 'AbortError' || (err as Error)?.name === 'TimeoutError';
  const network = llmErrorFromNetwork(err, ctx, timedOut || aborted);
  if (network) return network;
  if (err instanceof SyntaxError) return new LlmError('server', `ollama at ${ctx.endpoint} returned a response body that is not valid JSON (model "${ctx.model}")`);
  if (err instanceof TypeError && /fetch failed|terminated/i.test(err.message)) {
    return new LlmError('connection', `ollama at ${ctx.endpoint}: connection failed (${redactSecrets((err.cause as Error | undefined)?.message ?? err.message, ctx.secrets ?? [])})`);
  }
  return new LlmError('server', `ollama at ${ctx.endpoint}: unexpected failure: ${redactSecrets(String((err as Error)?.message ?? err), ctx.secrets ?? [])}`);
}

/** `host:port`, `:port` and bare hosts, as `OLLAMA_HOST` allows, become a URL; trailing slashes go. */
function normaliseHost(host: string): string {
  let h = host.trim();
  if (h.startsWith(':')) h = `127.0.0.1${h}`;
  if (!/^[a-z]+:\/\//i.test(h)) h = `http://${h}`;
  const u = new URL(h);
  if (!u.port && !/^[a-z]+:\/\/[^/]*:\d+/i.test(h) && !host.includes('://')) u.port = '11434';
  return u.toString().replace(/\/+$/, '');
}

/** The user-info parts of `raw` (raw and decoded), to scrub from server text. */
function userInfo(raw: string): string[] {
  const m = /^[a-z]+:\/\/([^/@]*)@/i.exec(raw.trim());
  if (!m) return [];
  const parts = m[1]!.split(':');
  return [...parts, ...parts.map((p) => { try { return decodeURIComponent(p); } catch { return p; } })].filter((s) => s.length >= 4);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined;
}

export default definePlugin({
  name: 'provider:ollama',
  description: 'Ollama chat API (local or remote): model ids ollama:<model>, e.g. ollama:qwen2.5-coder:7b.',
  options: ollamaProviderOptions,
  apply(ctx, options) {
    ctx.hooks.provider.for('ollama').tap((providerOptions) => createOllamaProvider(providerOptions, options));
  },
});
