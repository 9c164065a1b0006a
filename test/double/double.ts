import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sampleFromSchema } from '../../core/llm/schema-sample.js';
import { BatchEngine } from './batches.js';
import type {
  BatchFault,
  DoubleBatch,
  DoubleApi,
  DoubleRateLimit,
  DoubleMessage,
  DoubleRoute,
  FaultMatch,
  FaultSpec,
  LlmDoubleOptions,
  RecordedRequest,
  ReplyFn,
  ReplyRequest,
} from './types.js';

/**
 * A real HTTP server that speaks enough of the OpenAI chat-completions API and of Ollama's API for
 * the real `openai` and `ollama` npm clients: replies are scripted (`reply`), failures are injected
 * (`fault`), and every request is recorded (`requests`).
 *
 * ```ts
 * const double = await startLlmDouble();
 * double.reply((req) => (req.lastUser.includes('judge') ? { score: 9 } : undefined));
 * double.fault({ status: 429, retryAfter: 0.05, times: 3 });
 * process.env.OPENAI_BASE_URL = double.url; // http://127.0.0.1:PORT/v1
 * ...
 * await double.close();
 * ```
 */
export interface LlmDouble {
  /** OpenAI base URL, including `/v1`: give it to the openai client as `baseURL`. */
  readonly url: string;
  /** Ollama host (no path): give it to the ollama client as `host`. */
  readonly ollamaUrl: string;
  readonly port: number;
  /** Every request received, in arrival order (faulted ones included). */
  readonly requests: readonly RecordedRequest[];
  /** Chat requests only (both APIs), in arrival order. */
  chatRequests(): RecordedRequest[];
  /** How many requests hit `route` (all routes when omitted). */
  count(route?: DoubleRoute): number;
  /** Add a reply router; routers are asked in the order added. Returns a function that removes it. */
  reply(fn: ReplyFn): () => void;
  /** Queue a fault for the next `times` matching requests (default: chat routes). Returns `this`. */
  fault(spec: FaultSpec, match?: FaultMatch): LlmDouble;
  /** Faults still queued (not yet consumed). */
  pendingFaults(): number;
  /** Set (or with undefined, lift) the rate limit on chat requests; a new window starts now. */
  setRateLimit(limit: DoubleRateLimit | undefined): void;
  /** Batches received by the Batch API (`POST /v1/batches`), in creation order, with their lines and outcomes. */
  readonly batches: readonly DoubleBatch[];
  /** While on, batches stay `in_progress` however long they wait (a run can be killed with a batch open). */
  holdBatches(on: boolean): void;
  /** Time from a batch's creation to its completion, in ms (default `options.batchProcessingMs`, 0). */
  setBatchProcessing(ms: number): void;
  /** Queue a Batch API fault (planted failed lines, an expiry). Returns `this`. */
  batchFault(spec: BatchFault): LlmDouble;
  /** Forget recorded requests, routers, queued faults and batches (the server keeps running). */
  reset(): void;
  /** Stop listening and destroy open connections. */
  close(): Promise<void>;
}

/** Deterministic token estimate of the double: ceil(chars / 4), the usual rule of thumb for English/code. */
export function doubleTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

const DEFAULT_MODELS = ['double-model'];

/**
 * Start the double on 127.0.0.1 (port 0 = a free port unless `options.port`).
 * @throws the listen error (e.g. EADDRINUSE) when the port cannot be bound.
 */
export async function startLlmDouble(options: LlmDoubleOptions = {}): Promise<LlmDouble> {
  const requests: RecordedRequest[] = [];
  const routers: ReplyFn[] = [];
  const faults: Array<{ spec: FaultSpec; remaining: number; match?: FaultMatch }> = [];
  const sockets = new Set<Socket>();
  let chatCount = 0;
  let rateLimit = options.rateLimit;
  let windowEnd = 0;
  let windowUsed = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `llm double: ${(err as Error).message}`, type: 'server_error' } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostForUrl = (options.host ?? '127.0.0.1').includes(':') ? `[${options.host}]` : (options.host ?? '127.0.0.1');
  const base = `http://${hostForUrl}:${port}`;
  const models = options.models ?? DEFAULT_MODELS;
  const batchApi = new BatchEngine(answerBatchLine, options.batchProcessingMs ?? 0);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.timeOrigin + performance.now();
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const route = routeOf(method, path);
    const api: DoubleApi | undefined = route.startsWith('openai') ? 'openai' : route.startsWith('ollama') ? 'ollama' : undefined;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    let body: unknown;
    let bodyError: string | undefined;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch (err) {
        bodyError = (err as Error).message;
      }
    }
    const rec: RecordedRequest = { index: requests.length, api, route, method, path, at, headers, body, ...describeBody(api, body) };
    requests.push(rec);
    const finish = (status: number | undefined) => {
      rec.status = status;
      options.log?.(`${method} ${path}${rec.model ? ` model=${rec.model}` : ''} -> ${status ?? 'reset'}${rec.fault ? ` (fault ${JSON.stringify(rec.fault)})` : ''}`);
    };

    if (options.requireKey !== undefined && api !== undefined) {
      const got = /^Bearer\s+(.*)$/i.exec(headers.authorization ?? '')?.[1];
      if (got !== options.requireKey) {
        finish(401);
        return sendError(res, api, 401, `Incorrect API key provided: ${maskLikeOpenAi(got)}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_api_key');
      }
    }

    let limitHeaders: Record<string, string> = {};
    if (rateLimit && (route === 'openai.chat' || route === 'ollama.chat' || route === 'openai.completions')) {
      const now = performance.now();
      const windowMs = rateLimit.windowMs ?? 1000;
      if (now >= windowEnd) {
        windowEnd = now + windowMs;
        windowUsed = 0;
      }
      windowUsed++;
      const resetMs = Math.max(1, Math.ceil(windowEnd - now));
      limitHeaders = { 'x-ratelimit-limit-requests': String(rateLimit.requests), 'x-ratelimit-remaining-requests': String(Math.max(0, rateLimit.requests - windowUsed)), 'x-ratelimit-reset-requests': `${resetMs}ms` };
      if (windowUsed > rateLimit.requests) {
        finish(429);
        return sendError(res, api!, 429, `Rate limit reached for requests: limit ${rateLimit.requests} per ${windowMs} ms (llm double)`, 'rate_limit_exceeded', { ...limitHeaders, 'retry-after-ms': String(resetMs) });
      }
    }

    const fault = takeFault(rec);
    if (fault) {
      rec.fault = fault;
      if (fault.delayMs) {
        const closed = await delay(fault.delayMs, req);
        if (closed) return finish(undefined);
      }
      if ('reset' in fault) {
        finish(undefined);
        req.socket.destroy();
        return;
      }
      if ('status' in fault) {
        const retryHeaders: Record<string, string> = {};
        if (fault.retryAfter !== undefined) retryHeaders['retry-after'] = String(fault.retryAfter);
        if (fault.retryAfterMs !== undefined) retryHeaders['retry-after-ms'] = String(fault.retryAfterMs);
        finish(fault.status);
        return sendError(res, api ?? 'openai', fault.status, fault.message ?? defaultStatusMessage(fault.status), codeOf(fault.status), retryHeaders);
      }
    }

    if (route === 'openai.files' || route === 'openai.batches') {
      const out = await batchApi.handle(method, path, raw, headers['content-type'] ?? '', body);
      if (!out) {
        finish(404);
        return sendError(res, 'openai', 404, `llm double: no route for ${method} ${path}`);
      }
      finish(out.status);
      if (out.text === undefined) return sendJson(res, out.status, out.json);
      res.writeHead(out.status, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(out.text) });
      return void res.end(out.text);
    }

    switch (route) {
      case 'openai.models':
        finish(200);
        return sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'llm-double' })) });
      case 'ollama.tags':
        finish(200);
        return sendJson(res, 200, { models: models.map((name) => ({ name, model: name, modified_at: '2024-01-01T00:00:00Z', size: 1, digest: sha(name), details: ollamaDetails() })) });
      case 'ollama.version':
        finish(200);
        return sendJson(res, 200, { version: '0.0.0-llm-double' });
      case 'ollama.show': {
        const model = rec.model ?? '';
        if (!knownModel(model)) {
          finish(404);
          return sendError(res, 'ollama', 404, `model '${model}' not found`);
        }
        finish(200);
        return sendJson(res, 200, { modelfile: `FROM ${model}`, parameters: '', template: '{{ .Prompt }}', details: ollamaDetails(), model_info: {}, capabilities: ['completion'] });
      }
      case 'openai.completions': {
        const problem = bodyError !== undefined ? `request body is not JSON: ${bodyError}` : validateCompletion(body);
        if (problem) {
          finish(400);
          return sendError(res, 'openai', 400, problem, 'invalid_request_error');
        }
        if (!knownModel(rec.model!)) {
          finish(404);
          return sendError(res, 'openai', 404, `The model \`${rec.model}\` does not exist or you do not have access to it.`, 'model_not_found');
        }
        const b = body as { prompt: string; echo?: boolean; logprobs?: number | null; max_tokens?: number };
        const prompt = b.prompt;
        const maxTokens = b.max_tokens ?? 16;
        // One generated token per max_tokens, always the same (the double is no language model).
        const generated = Array.from({ length: maxTokens }, () => ' double');
        const echo = b.echo === true && (options.completionsEcho ?? 'logprobs') === 'logprobs';
        const scored = doubleLogprobs(`${echo ? prompt : ''}${generated.join('')}`);
        const keepFrom = echo ? 0 : scored.tokens.length - generated.length;
        const text = `${echo ? prompt : ''}${generated.join('')}`;
        const logprobs =
          typeof b.logprobs === 'number'
            ? {
                tokens: scored.tokens.slice(keepFrom),
                token_logprobs: scored.logprobs.slice(keepFrom),
                text_offset: scored.offsets.slice(keepFrom),
                top_logprobs: scored.tokens.slice(keepFrom).map((t, i) => (scored.logprobs[keepFrom + i] === null ? null : { [t]: scored.logprobs[keepFrom + i] })),
              }
            : null;
        rec.reply = text;
        const promptTokens = doubleLogprobs(prompt).tokens.length;
        finish(200);
        return sendJson(res, 200, {
          id: `cmpl-${sha(`${rec.index}:${text}`).slice(0, 24)}`,
          object: 'text_completion',
          created: Math.floor(Date.now() / 1000),
          model: rec.model,
          choices: [{ index: 0, text, logprobs, finish_reason: 'length' }],
          usage: { prompt_tokens: promptTokens, completion_tokens: generated.length, total_tokens: promptTokens + generated.length },
        }, limitHeaders);
      }
      case 'openai.chat':
      case 'ollama.chat': {
        const chatApi = route === 'openai.chat' ? 'openai' : 'ollama';
        const problem = bodyError !== undefined ? `request body is not JSON: ${bodyError}` : validateChat(chatApi, body);
        if (problem) {
          finish(400);
          return sendError(res, chatApi, 400, problem, 'invalid_request_error');
        }
        if (!knownModel(rec.model!)) {
          finish(404);
          return chatApi === 'openai'
            ? sendError(res, 'openai', 404, `The model \`${rec.model}\` does not exist or you do not have access to it.`, 'model_not_found')
            : sendError(res, 'ollama', 404, `model "${rec.model}" not found, try pulling it first`);
        }
        if (options.latencyMs) {
          const closed = await delay(options.latencyMs, req);
          if (closed) return finish(undefined);
        }
        chatCount++;
        const malformed = fault && 'malformed' in fault ? fault.malformed : undefined;
        if (malformed === 'body') {
          finish(200);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"id": "chatcmpl-double", "choices": [{"message": {"content": "trunc');
          return;
        }
        const replyReq = toReplyRequest(chatApi, rec, chatCount);
        const { content, finishReason } = shapeReply(malformed ? malformedContent(replyReq) : await answer(replyReq), rec);
        rec.reply = content;
        const promptTokens = doubleTokens(rec.messages!.map((m) => m.content).join('\n'));
        const completionTokens = doubleTokens(content);
        finish(200);
        if (chatApi === 'openai') return sendJson(res, 200, openAiCompletion(rec, content, finishReason), limitHeaders);
        const ollamaBody = {
          model: rec.model,
          created_at: new Date().toISOString(),
          message: { role: 'assistant', content },
          done: true,
          done_reason: finishReason,
          total_duration: 1000,
          load_duration: 10,
          prompt_eval_count: promptTokens,
          prompt_eval_duration: 100,
          eval_count: completionTokens,
          eval_duration: 500,
        };
        if ((body as { stream?: boolean }).stream === true) {
          res.writeHead(200, { 'content-type': 'application/x-ndjson', ...limitHeaders });
          res.end(`${JSON.stringify(ollamaBody)}\n`);
          return;
        }
        return sendJson(res, 200, ollamaBody, limitHeaders);
      }
      default:
        finish(404);
        return sendError(res, api ?? 'openai', 404, `llm double: no route for ${method} ${path}`);
    }
  }

  /** A batch line's body answered as `POST /v1/chat/completions` answers it (validation, model, routers). */
  async function answerBatchLine(body: unknown): Promise<{ status: number; body: unknown }> {
    const problem = validateChat('openai', body);
    const error = (status: number, message: string) => ({ status, body: { error: { message, type: 'invalid_request_error', param: null, code: null } } });
    if (problem) return error(400, problem);
    const rec = { index: requests.length, api: 'openai', route: 'openai.chat', method: 'POST', path: '/v1/chat/completions', at: performance.timeOrigin + performance.now(), headers: {}, body, ...describeBody('openai', body) } as RecordedRequest;
    if (!knownModel(rec.model!)) return error(404, `The model \`${rec.model}\` does not exist or you do not have access to it.`);
    chatCount++;
    const { content, finishReason } = shapeReply(await answer(toReplyRequest('openai', rec, chatCount)), rec);
    return { status: 200, body: openAiCompletion(rec, content, finishReason) };
  }

  function knownModel(model: string): boolean {
    return options.models === undefined || models.includes(model) || models.includes(model.replace(/:latest$/, ''));
  }

  function takeFault(rec: RecordedRequest): FaultSpec | undefined {
    const i = faults.findIndex((f) => matches(f.match, rec));
    if (i < 0) return undefined;
    const f = faults[i]!;
    if (--f.remaining <= 0) faults.splice(i, 1);
    return f.spec;
  }

  async function answer(req: ReplyRequest): Promise<string> {
    for (const router of [...routers]) {
      const out = await router(req);
      if (out === undefined) continue;
      return typeof out === 'string' ? out : JSON.stringify(out);
    }
    if (req.schema) return JSON.stringify(sampleFromSchema(req.schema, { numbers: 'max', text: 'double' }));
    if (req.json) return '{}';
    return `LLM double reply (${req.model}) to: ${req.lastUser.split('\n')[0]?.slice(0, 120) ?? ''}`;
  }

  const double: LlmDouble = {
    url: `${base}/v1`,
    ollamaUrl: base,
    port,
    requests,
    chatRequests: () => requests.filter((r) => r.route === 'openai.chat' || r.route === 'ollama.chat'),
    count: (route) => (route ? requests.filter((r) => r.route === route).length : requests.length),
    reply(fn) {
      routers.push(fn);
      return () => {
        const i = routers.indexOf(fn);
        if (i >= 0) routers.splice(i, 1);
      };
    },
    fault(spec, match) {
      const times = spec.times ?? 1;
      if (!Number.isInteger(times) || times < 1) throw new Error(`llm double: fault.times must be a positive integer, got ${String(spec.times)}`);
      faults.push({ spec, remaining: times, match });
      return double;
    },
    pendingFaults: () => faults.reduce((n, f) => n + f.remaining, 0),
    setRateLimit(limit) {
      rateLimit = limit;
      windowEnd = 0;
    },
    batches: batchApi.batches,
    holdBatches: (on) => batchApi.hold(on),
    setBatchProcessing(ms) {
      batchApi.processingMs = ms;
    },
    batchFault(spec) {
      batchApi.fault(spec);
      return double;
    },
    reset() {
      batchApi.reset();
      requests.length = 0;
      routers.length = 0;
      faults.length = 0;
      chatCount = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return double;
}

function routeOf(method: string, path: string): DoubleRoute {
  const p = path.replace(/\/+$/, '');
  if (method === 'POST' && p === '/v1/chat/completions') return 'openai.chat';
  if (method === 'POST' && p === '/v1/completions') return 'openai.completions';
  if (method === 'GET' && p === '/v1/models') return 'openai.models';
  if (method === 'POST' && p === '/api/chat') return 'ollama.chat';
  if (method === 'GET' && p === '/api/tags') return 'ollama.tags';
  if (method === 'POST' && p === '/api/show') return 'ollama.show';
  if (method === 'GET' && p === '/api/version') return 'ollama.version';
  if (p === '/v1/files' || p.startsWith('/v1/files/')) return 'openai.files';
  if (p === '/v1/batches' || p.startsWith('/v1/batches/')) return 'openai.batches';
  return 'unknown';
}

/** Pull the fields tests care about out of a chat body, normalised across both APIs. */
function describeBody(api: DoubleApi | undefined, body: unknown): Partial<RecordedRequest> {
  if (!body || typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  const out: Partial<RecordedRequest> = {};
  if (typeof b.model === 'string') out.model = b.model;
  if (typeof b.prompt === 'string') out.prompt = b.prompt;
  if (Array.isArray(b.messages)) out.messages = b.messages.map((m: { role?: unknown; content?: unknown }) => ({ role: String(m?.role), content: typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content) }));
  const stopOf = (s: unknown) => (typeof s === 'string' ? [s] : Array.isArray(s) ? s.map(String) : undefined);
  if (api === 'openai') {
    if (typeof b.temperature === 'number') out.temperature = b.temperature;
    if (typeof b.top_p === 'number') out.topP = b.top_p;
    const max = b.max_completion_tokens ?? b.max_tokens;
    if (typeof max === 'number') out.maxTokens = max;
    if (typeof b.seed === 'number') out.seed = b.seed;
    if (b.stop !== undefined && b.stop !== null) out.stop = stopOf(b.stop);
    if (b.response_format !== undefined) {
      out.responseFormat = b.response_format;
      const rf = b.response_format as { type?: string; json_schema?: { name?: string; schema?: Record<string, unknown> } };
      if (rf?.type === 'json_schema') {
        out.schema = rf.json_schema?.schema;
        out.schemaName = rf.json_schema?.name;
      }
    }
  } else if (api === 'ollama') {
    const o = (b.options ?? {}) as Record<string, unknown>;
    if (typeof o.temperature === 'number') out.temperature = o.temperature;
    if (typeof o.top_p === 'number') out.topP = o.top_p;
    if (typeof o.num_predict === 'number') out.maxTokens = o.num_predict;
    if (typeof o.seed === 'number') out.seed = o.seed;
    if (o.stop !== undefined) out.stop = stopOf(o.stop);
    if (b.format !== undefined) {
      out.format = b.format;
      if (b.format && typeof b.format === 'object') out.schema = b.format as Record<string, unknown>;
    }
  }
  return out;
}

/** The 400s a real server gives for a broken `/v1/completions` body. */
function validateCompletion(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return 'request body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') return 'you must provide a model parameter';
  if (typeof b.prompt !== 'string') return 'llm double: prompt must be a string (token arrays and batches are not supported)';
  if (b.stream === true) return 'llm double: streaming completions are not supported; send stream: false';
  if (b.max_tokens !== undefined && b.max_tokens !== null && (!Number.isInteger(b.max_tokens) || (b.max_tokens as number) < 0)) return 'max_tokens must be a non-negative integer';
  if (b.logprobs !== undefined && b.logprobs !== null && (!Number.isInteger(b.logprobs) || (b.logprobs as number) < 0 || (b.logprobs as number) > 5)) return 'logprobs must be an integer from 0 to 5';
  return undefined;
}

/**
 * The double's deterministic "language model" for prompt scoring. Tokens: each run of whitespace
 * goes with the run of non-whitespace after it (`"a  b\n"` -> `a`, `  b`, `\n`), the way GPT-style
 * tokenizers attach leading spaces. Log-probability of token i > 0: -0.5 when its word (lower-cased,
 * trimmed) occurred earlier in the text (context makes it predictable), else -(2 + (sha256(word) mod
 * 300) / 100), in (-5, -2]; the first token has none (null). So a response reads cheaper after an
 * instruction that shares its words: IFD < 1 for related pairs, about 1 for unrelated ones.
 * Offsets count code points, as vLLM's `text_offset` (Python string indices) does.
 */
export function doubleLogprobs(text: string): { tokens: string[]; logprobs: (number | null)[]; offsets: number[] } {
  const tokens = text.match(/\s*\S+|\s+/gu) ?? [];
  const seen = new Set<string>();
  const logprobs: (number | null)[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (const [i, t] of tokens.entries()) {
    offsets.push(at);
    at += [...t].length;
    const word = t.trim().toLowerCase();
    logprobs.push(i === 0 ? null : seen.has(word) ? -0.5 : -(2 + (createHash('sha256').update(word).digest().readUInt32BE(0) % 300) / 100));
    seen.add(word);
  }
  return { tokens, logprobs, offsets };
}

/** The 400s a real server gives for a broken chat body; catches provider bugs early. */
function validateChat(api: DoubleApi, body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return 'request body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') return api === 'openai' ? "you must provide a model parameter" : 'model is required';
  if (!Array.isArray(b.messages) || b.messages.length === 0) return "'messages' must be a non-empty array";
  for (const [i, m] of (b.messages as unknown[]).entries()) {
    const msg = m as { role?: unknown; content?: unknown };
    if (!['system', 'user', 'assistant', 'tool', 'developer'].includes(String(msg?.role))) return `messages[${i}].role must be system, user or assistant; got ${JSON.stringify(msg?.role)}`;
    if (typeof msg.content !== 'string') return `messages[${i}].content must be a string`;
  }
  if (api === 'openai' && b.stream === true) return 'llm double: streaming chat completions are not supported; send stream: false';
  if (api === 'openai' && b.response_format !== undefined) {
    const rf = b.response_format as { type?: unknown; json_schema?: { name?: unknown; schema?: unknown } };
    if (!['text', 'json_object', 'json_schema'].includes(String(rf?.type))) return `response_format.type must be text, json_object or json_schema; got ${JSON.stringify(rf?.type)}`;
    if (rf.type === 'json_schema') {
      if (typeof rf.json_schema?.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(rf.json_schema.name)) return "response_format.json_schema.name must match ^[a-zA-Z0-9_-]{1,64}$";
      if (!rf.json_schema.schema || typeof rf.json_schema.schema !== 'object') return 'response_format.json_schema.schema must be a JSON Schema object';
    }
  }
  if (api === 'ollama' && b.format !== undefined && b.format !== 'json' && (typeof b.format !== 'object' || b.format === null)) return "format must be 'json' or a JSON Schema object";
  return undefined;
}

function toReplyRequest(api: DoubleApi, rec: RecordedRequest, n: number): ReplyRequest {
  const messages = rec.messages ?? [];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  const rf = rec.responseFormat as { type?: string } | undefined;
  return {
    api,
    model: rec.model ?? '',
    messages,
    schema: rec.schema,
    schemaName: rec.schemaName,
    json: rec.format === 'json' || rf?.type === 'json_object',
    lastUser: last?.content ?? '',
    system: messages.find((m) => m.role === 'system')?.content ?? '',
    n,
    headers: rec.headers,
    temperature: rec.temperature,
    topP: rec.topP,
    maxTokens: rec.maxTokens,
    seed: rec.seed,
    stop: rec.stop,
  };
}

/** Cut a reply at the request's stop strings and, like a real server, at max tokens (in the double's chars/4 unit), saying so. */
function shapeReply(reply: string, rec: RecordedRequest): { content: string; finishReason: string } {
  let content = reply;
  let finishReason = 'stop';
  for (const stop of rec.stop ?? []) {
    const cut = stop ? content.indexOf(stop) : -1;
    if (cut >= 0) content = content.slice(0, cut);
  }
  if (rec.maxTokens !== undefined && doubleTokens(content) > rec.maxTokens) {
    content = content.slice(0, rec.maxTokens * 4);
    finishReason = 'length';
  }
  return { content, finishReason };
}

/** An OpenAI chat.completion body for `content` (usage in the double's chars/4 tokens). */
function openAiCompletion(rec: RecordedRequest, content: string, finishReason: string) {
  const promptTokens = doubleTokens((rec.messages ?? []).map((m) => m.content).join('\n'));
  const completionTokens = doubleTokens(content);
  return {
    id: `chatcmpl-${sha(`${rec.index}:${content}`).slice(0, 24)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: rec.model,
    system_fingerprint: 'fp_llm_double',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

/** A reply that is not valid JSON for any schema: a JSON object cut off half-way. */
function malformedContent(req: ReplyRequest): string {
  const good = req.schema ? JSON.stringify(sampleFromSchema(req.schema, { text: 'double' })) : '{"answer": "double"}';
  return good.slice(0, Math.max(1, Math.floor(good.length / 2)));
}

function matches(match: FaultMatch | undefined, rec: RecordedRequest): boolean {
  if (match === undefined) return rec.route === 'openai.chat' || rec.route === 'ollama.chat';
  if (typeof match === 'function') return match(rec);
  return (match.route === undefined || match.route === rec.route) && (match.api === undefined || match.api === rec.api) && (match.model === undefined || match.model === rec.model);
}

/** Like api.openai.com: show the first 3 and last 4 characters of a wrong key (so our tests prove we never repeat it). */
function maskLikeOpenAi(key: string | undefined): string {
  if (!key) return '(none)';
  return key.length > 8 ? `${key.slice(0, 3)}*****${key.slice(-4)}` : '*****';
}

function codeOf(status: number): string {
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 401) return 'invalid_api_key';
  if (status === 404) return 'model_not_found';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function defaultStatusMessage(status: number): string {
  if (status === 429) return 'Rate limit reached for requests (llm double fault)';
  if (status >= 500) return `The server had an error while processing your request (llm double fault ${status})`;
  return `llm double fault ${status}`;
}

function sendError(res: ServerResponse, api: DoubleApi, status: number, message: string, code?: string, headers: Record<string, string> = {}): void {
  const body = api === 'openai' ? { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: code ?? null } } : { error: message };
  sendJson(res, status, body, headers);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Wait `ms`; resolves true early if the client went away (its timeout fired), so we do not write to a dead socket. */
function delay(ms: number, req: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      req.socket.off('close', onClose);
      resolve(req.socket.destroyed);
    }, ms);
    req.socket.once('close', onClose);
  });
}

function ollamaDetails() {
  return { parent_model: '', format: 'gguf', family: 'double', families: ['double'], parameter_size: '0B', quantization_level: 'F16' };
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export type { DoubleMessage };
