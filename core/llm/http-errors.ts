import { isSecretQueryParam, redactSecrets } from '../errors.js';
import type { RateLimitInfo } from './rate-limit.js';
import { LlmError } from './types.js';

/**
 * Helpers for provider plugins (built-in and third-party) to turn HTTP and network failures into
 * {@link LlmError}s of the right kind with messages that name the endpoint and say what to do, and
 * never carry a secret.
 */

/** What a provider knows about the failed call, for the message. */
export interface FailureContext {
  /** Provider name, e.g. `openai`. */
  provider: string;
  /** The endpoint URL, without credentials. */
  endpoint: string;
  model: string;
  /** The per-attempt timeout that applied, in ms (named in timeout messages). */
  timeoutMs: number;
  /** How to fix each fatal kind, in the provider's terms. */
  hints: { unreachable: string; auth: string; notFound: string };
  /** Secret values to scrub from any server-provided text (e.g. the API key). */
  secrets?: readonly (string | undefined)[];
}

/**
 * Milliseconds to wait from a response's `retry-after-ms` (ms, may be fractional; OpenAI's
 * non-standard header) or `retry-after` (seconds, or an HTTP date; RFC 9110 §10.2.3) header.
 * @returns undefined when neither is present or parsable; never negative.
 */
export function retryAfterMs(headers: Headers | Record<string, string | string[] | undefined> | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const get = (name: string): string | undefined => {
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
    const v = (headers as Record<string, string | string[] | undefined>)[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const ms = Number.parseFloat(get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = get('retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Number.parseFloat(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * The LlmError for an HTTP error status:
 * 429 → rate_limit, 5xx → server, 401/403 → auth, 404 → not_found, 408 → timeout, other 4xx → bad_request.
 * The server's message is quoted (scrubbed of secrets) except for 401/403, whose bodies may echo
 * part of the key (api.openai.com does), so those get our own message only.
 * `rateLimit`: the response's `x-ratelimit-*` headers ({@link rateLimitFromHeaders}), kept on 429s
 * and 5xx so the LLM layer's rate gate learns from them.
 */
export function llmErrorFromStatus(status: number, serverMessage: string | undefined, ctx: FailureContext, retryAfter?: number, rateLimit?: RateLimitInfo): LlmError {
  const where = `${ctx.provider} at ${ctx.endpoint}`;
  const said = serverMessage ? `: ${truncate(redactSecrets(serverMessage, ctx.secrets ?? []), 300)}` : '';
  if (status === 401 || status === 403) {
    return new LlmError('auth', `${where} rejected the credentials (HTTP ${status}) for model "${ctx.model}"`, { status, hint: ctx.hints.auth });
  }
  if (status === 429) return new LlmError('rate_limit', `${where} is rate limiting (HTTP 429)${said}`, { status, retryAfterMs: retryAfter, rateLimit });
  if (status >= 500) return new LlmError('server', `${where} failed with HTTP ${status}${said}`, { status, retryAfterMs: retryAfter, rateLimit });
  if (status === 404) return new LlmError('not_found', `${where} does not know model "${ctx.model}" (HTTP 404)${said}`, { status, hint: ctx.hints.notFound });
  if (status === 408) return new LlmError('timeout', `${where} timed out the request (HTTP 408)${said}`, { status, retryAfterMs: retryAfter });
  return new LlmError('bad_request', `${where} rejected the request for model "${ctx.model}" (HTTP ${status})${said}`, {
    status,
    hint: 'the server did not accept the request as sent; check the model supports structured output and the sampling parameters',
  });
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);
const TIMEOUT = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ESOCKETTIMEDOUT']);

/**
 * The first system error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...) found on `err`, its `cause`
 * chain, or the `errors` of an AggregateError (Node's fetch reports a refused localhost connection
 * as an AggregateError of the IPv4 and IPv6 attempts).
 */
export function networkErrorCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length) {
    const e = queue.shift() as { code?: unknown; cause?: unknown; errors?: unknown[] } | undefined;
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    if (typeof e.code === 'string' && (UNREACHABLE.has(e.code) || RESET.has(e.code) || TIMEOUT.has(e.code))) return e.code;
    if (e.cause) queue.push(e.cause);
    if (Array.isArray(e.errors)) queue.push(...e.errors);
  }
  return undefined;
}

/**
 * The LlmError for a failure without an HTTP status: unreachable (nothing listens / unknown host),
 * connection (reset mid-call), or timeout (our timer or a socket timeout).
 * @param timedOut true when the caller's own timer fired (an abort the caller initiated).
 * @returns undefined when `err` is none of these (let the caller decide).
 */
export function llmErrorFromNetwork(err: unknown, ctx: FailureContext, timedOut = false): LlmError | undefined {
  const where = `${ctx.provider} at ${ctx.endpoint}`;
  const code = networkErrorCode(err);
  if (timedOut || (code && TIMEOUT.has(code))) {
    return new LlmError('timeout', `${where} did not answer within ${ctx.timeoutMs} ms (model "${ctx.model}")`, {
      hint: 'a slow model or an overloaded server; raise llm.timeoutMs or lower llm.concurrency',
    });
  }
  if (code && UNREACHABLE.has(code)) {
    return new LlmError('unreachable', `cannot reach ${where} (${code})`, { hint: ctx.hints.unreachable });
  }
  if (code && RESET.has(code)) {
    return new LlmError('connection', `${where} closed the connection mid-call (${code})`, {});
  }
  return undefined;
}

/**
 * A URL fit for messages, logs and `ChatProvider.endpoint`: any `user:password@` removed and the
 * values of secret-looking query parameters (`api-key`, `key`, `token`, ...; see isSecretQueryParam)
 * replaced by `***`. A string that is no URL is scrubbed as text.
 */
export function publicUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return redactSecrets(url);
  }
  u.username = '';
  u.password = '';
  for (const name of [...u.searchParams.keys()]) if (isSecretQueryParam(name)) u.searchParams.set(name, '***');
  // URL.toString adds a trailing slash to a bare origin; keep the user's spelling otherwise.
  const out = u.toString();
  return url.endsWith('/') || !out.endsWith('/') || u.pathname !== '/' || u.search ? out : out.slice(0, -1);
}

/** A base URL taken apart for an HTTP client that must not see credentials in it. */
export interface EndpointUrl {
  /** Scheme, host, port and path: no user-info, no query, no trailing slash. What the client is given. */
  url: string;
  /** The URL's query parameters (e.g. Azure's `api-version`, a gateway's `api-key`), sent with every request. */
  query: Record<string, string>;
  /** `Basic <base64(user:password)>` when the URL had user-info (what curl sends for it); else undefined. */
  basicAuth?: string;
  /** {@link publicUrl} of the input: for messages. */
  endpoint: string;
}

/**
 * Split `raw` into what an HTTP client can take: fetch refuses URLs with credentials (its TypeError
 * quotes the whole URL, key included), and clients that append paths to a base URL would put them
 * after its query string. User-info becomes a Basic authorization header, the query a default query.
 * @param provider for the error message, e.g. `openai`.
 * @throws LlmError `unreachable` (fatal) naming the URL (credentials removed) when `raw` is not an
 *   absolute http(s) URL.
 */
export function parseEndpointUrl(raw: string, provider: string): EndpointUrl {
  const endpoint = publicUrl(raw);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new LlmError('unreachable', `${provider}: the base URL "${endpoint}" is not a valid URL`, { hint: 'give an absolute URL such as http://127.0.0.1:8000/v1 (--base-url or the provider option)' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new LlmError('unreachable', `${provider}: the base URL "${endpoint}" uses ${u.protocol.replace(/:$/, '')}, not http or https`, { hint: 'give an http:// or https:// URL (--base-url or the provider option)' });
  }
  const basicAuth = u.username || u.password ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` : undefined;
  const query = Object.fromEntries(u.searchParams);
  u.username = '';
  u.password = '';
  u.search = '';
  u.hash = '';
  return { url: u.toString().replace(/\/+$/, ''), query, ...(basicAuth ? { basicAuth } : {}), endpoint };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
