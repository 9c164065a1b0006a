import OpenAI, { toFile } from 'openai';
import {
  LlmError,
  llmErrorFromStatus,
  redactSecrets,
  type BatchApi,
  type BatchCallOptions,
  type BatchResultLine,
  type BatchStatus,
  type ChatRequest,
  type ChatResult,
  type FailureContext,
} from '../../core/index.js';

/** What the batch API shares with `provider:openai`'s chat calls (openai.ts). */
export interface OpenAiBatchDeps {
  client: OpenAI;
  /** The endpoint, without credentials, for messages. */
  endpoint: string;
  /** Throws the fatal errors known before any call (a bad base URL, no key for api.openai.com). */
  preflight(): void;
  /** The chat-completions body of a request: a batch line's `body`. */
  body(model: string, request: ChatRequest): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
  /** The reply in a completion; throws LlmError as for a direct call. */
  result(completion: unknown, model: string): ChatResult;
  failureContext(model: string, timeoutMs: number): FailureContext;
  /** The openai client's errors as LlmError. */
  classify(err: unknown, ctx: FailureContext, call: { signal?: AbortSignal }): unknown;
}

/** The endpoint route every batch line goes to. */
const CHAT_ROUTE = '/v1/chat/completions';
/** OpenAI's only completion window. */
const COMPLETION_WINDOW = '24h';

/**
 * OpenAI's Batch API (also served by vLLM and several hosted APIs) through the real `openai` client:
 * `files.create` (purpose `batch`, a JSONL of `{custom_id, method: 'POST', url: '/v1/chat/completions', body}`),
 * `batches.create` over it, `batches.retrieve`, and `files.content` for the output and error files.
 * Output lines `{custom_id, response: {status_code, body}, error}` become replies (2xx, decoded as a
 * direct call's body is) or errors classified by status; error-file lines (`response` null,
 * `error: {code, message}`) become `server` errors (retryable: the collector resubmits them).
 * Lines that do not parse are left out: the collector treats them as not run.
 */
export function createOpenAiBatchApi(deps: OpenAiBatchDeps): BatchApi {
  const { client, endpoint } = deps;
  const request = (call: BatchCallOptions) => ({ signal: call.signal, timeout: call.timeoutMs, maxRetries: 0 });
  async function guarded<T>(model: string, call: BatchCallOptions, fn: () => Promise<T>): Promise<T> {
    deps.preflight();
    try {
      return await fn();
    } catch (err) {
      throw deps.classify(err, deps.failureContext(model, call.timeoutMs), call);
    }
  }

  return {
    async submit(model, lines, call) {
      const jsonl = lines.map((l) => JSON.stringify({ custom_id: l.customId, method: 'POST', url: CHAT_ROUTE, body: deps.body(model, l.request) })).join('\n');
      return guarded(model, call, async () => {
        const file = await client.files.create({ file: await toFile(Buffer.from(`${jsonl}\n`, 'utf8'), 'instructsmith-batch.jsonl', { type: 'application/jsonl' }), purpose: 'batch' }, request(call));
        const batch = await client.batches.create({ input_file_id: file.id, endpoint: CHAT_ROUTE, completion_window: COMPLETION_WINDOW }, request(call));
        if (!batch || typeof batch.id !== 'string') throw new LlmError('server', `openai at ${endpoint} answered the batch creation without a batch id`);
        return batch.id;
      });
    },

    async retrieve(batchId, call) {
      const b = await guarded('', call, () => client.batches.retrieve(batchId, request(call)));
      if (!b || typeof b.status !== 'string') throw new LlmError('server', `openai at ${endpoint} answered batch ${batchId}'s status with something that is not a batch`);
      const secrets = deps.failureContext('', call.timeoutMs).secrets ?? [];
      const errors = b.errors?.data?.map((e) => redactSecrets(`${e.code ?? 'error'}: ${e.message ?? ''}`, secrets));
      return { id: b.id, status: b.status, ...(b.output_file_id ? { outputFileId: b.output_file_id } : {}), ...(b.error_file_id ? { errorFileId: b.error_file_id } : {}), ...(errors?.length ? { errors } : {}) };
    },

    async results(batch: BatchStatus, model, call) {
      const ctx = deps.failureContext(model, call.timeoutMs);
      const out: BatchResultLine[] = [];
      for (const fileId of [batch.outputFileId, batch.errorFileId]) {
        if (!fileId) continue;
        const text = await guarded(model, call, async () => (await client.files.content(fileId, request(call))).text());
        for (const raw of text.split('\n')) {
          if (!raw.trim()) continue;
          let line: OutputLine;
          try {
            line = JSON.parse(raw) as OutputLine;
          } catch {
            continue;
          }
          if (typeof line?.custom_id !== 'string') continue;
          out.push(decodeLine(line, batch.id, model, ctx, deps));
        }
      }
      return out;
    },
  };
}

/** A line of an output or error file (OpenAI's shape). */
interface OutputLine {
  custom_id: string;
  response?: { status_code?: number; body?: unknown } | null;
  error?: { code?: string; message?: string } | null;
}

function decodeLine(line: OutputLine, batchId: string, model: string, ctx: FailureContext, deps: OpenAiBatchDeps): BatchResultLine {
  const customId = line.custom_id;
  const status = line.response?.status_code;
  if (typeof status === 'number' && status >= 200 && status < 300) {
    try {
      return { customId, result: deps.result(line.response!.body, model) };
    } catch (err) {
      return { customId, error: err instanceof LlmError ? err : new LlmError('server', `openai batch ${batchId}: request ${customId}: ${redactSecrets(String(err), ctx.secrets ?? [])}`) };
    }
  }
  if (typeof status === 'number') {
    const message = (line.response?.body as { error?: { message?: unknown } } | undefined)?.error?.message;
    return { customId, error: llmErrorFromStatus(status, typeof message === 'string' ? message : undefined, ctx) };
  }
  const why = redactSecrets(`${line.error?.code ?? 'error'}: ${line.error?.message ?? 'no detail'}`, ctx.secrets ?? []).slice(0, 300);
  return { customId, error: new LlmError('server', `openai at ${ctx.endpoint}: batch ${batchId} failed request ${customId} (${why})`) };
}
