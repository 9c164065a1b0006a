import { redactSecrets } from '../errors.js';
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
 */
export function llmErrorFromStatus(status: number, serverMessage: string | undefined, ctx: FailureContext, retryAfter?: number): LlmError {
  const where = `${ctx.provider} at ${ctx.endpoint}`;
  const said = serverMessage ? `: ${truncate(redactSecrets(serverMessage, ctx.secrets ?? []), 300)}` : '';
  if (status === 401 || status === 403) {
    return new LlmError('auth', `${where} rejected the credentials (HTTP ${status}) for model "${ctx.model}"`, { status, hint: ctx.hints.auth });
  }
  if (status === 429) return new LlmError('rate_limit', `${where} is rate limiting (HTTP 429)${said}`, { status, retryAfterMs: retryAfter });
  if (status >= 500) return new LlmError('server', `${where} failed with HTTP ${status}${said}`, { status, retryAfterMs: retryAfter });
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

/** A URL with any `user:password@` removed, for messages and `ChatProvider.endpoint`. */
export function publicUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
