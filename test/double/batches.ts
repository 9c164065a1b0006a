import { createHash } from 'node:crypto';
import type { BatchFault, DoubleBatch } from './types.js';

/** Answers one chat-completions body as `POST /v1/chat/completions` would: its status and JSON body. */
export type ChatAnswerer = (body: unknown) => Promise<{ status: number; body: unknown }>;

interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  content: string;
  createdAt: number;
}

/**
 * The double's OpenAI Files and Batch API (`POST /v1/files` multipart upload, `GET /v1/files/{id}`,
 * `GET /v1/files/{id}/content`, `POST /v1/batches`, `GET /v1/batches/{id}`, `POST /v1/batches/{id}/cancel`).
 * A batch is `in_progress` until `processingMs` after its creation has passed (and it is not held);
 * the first retrieve after that runs every line through the chat answerer (the same routers as chat),
 * applying queued {@link BatchFault}s, and writes the output and error files.
 */
export class BatchEngine {
  readonly batches: DoubleBatch[] = [];
  private readonly files = new Map<string, StoredFile>();
  private readonly faults: Array<{ spec: BatchFault; remaining: number }> = [];
  private held = false;
  private seq = 0;

  constructor(
    private readonly answer: ChatAnswerer,
    public processingMs = 0,
  ) {}

  hold(on: boolean): void {
    this.held = on;
  }

  fault(spec: BatchFault): void {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`llm double: batchFault.times must be a positive integer, got ${String(spec.times)}`);
    this.faults.push({ spec, remaining: times });
  }

  reset(): void {
    this.batches.length = 0;
    this.files.clear();
    this.faults.length = 0;
    this.held = false;
  }

  /** Handle a Files/Batches request; undefined when `method path` is none of them. */
  async handle(method: string, path: string, raw: string, contentType: string, body: unknown): Promise<{ status: number; json?: unknown; text?: string } | undefined> {
    const p = path.replace(/\/+$/, '');
    let m: RegExpExecArray | null;
    if (method === 'POST' && p === '/v1/files') return this.upload(raw, contentType);
    if (method === 'GET' && (m = /^\/v1\/files\/([^/]+)\/content$/.exec(p))) {
      const f = this.files.get(m[1]!);
      return f ? { status: 200, text: f.content } : notFound(`No such File object: ${m[1]}`);
    }
    if (method === 'GET' && (m = /^\/v1\/files\/([^/]+)$/.exec(p))) {
      const f = this.files.get(m[1]!);
      return f ? { status: 200, json: fileObject(f) } : notFound(`No such File object: ${m[1]}`);
    }
    if (method === 'POST' && p === '/v1/batches') return this.create(body);
    if (method === 'GET' && (m = /^\/v1\/batches\/([^/]+)$/.exec(p))) {
      const b = this.batches.find((x) => x.id === m![1]);
      if (!b) return notFound(`No such Batch object: ${m[1]}`);
      await this.advance(b);
      return { status: 200, json: batchObject(b) };
    }
    if (method === 'POST' && (m = /^\/v1\/batches\/([^/]+)\/cancel$/.exec(p))) {
      const b = this.batches.find((x) => x.id === m![1]);
      if (!b) return notFound(`No such Batch object: ${m[1]}`);
      if (b.status === 'in_progress' || b.status === 'validating') await this.finish(b, 'cancelled', 0);
      return { status: 200, json: batchObject(b) };
    }
    return undefined;
  }

  private async upload(raw: string, contentType: string): Promise<{ status: number; json: unknown }> {
    let form: FormData;
    try {
      form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    } catch (err) {
      return badRequest(`llm double: POST /v1/files expects multipart/form-data (${(err as Error).message})`);
    }
    const file = form.get('file');
    const purpose = form.get('purpose');
    if (!file || typeof file === 'string') return badRequest("'file' is a required multipart field holding a file");
    if (typeof purpose !== 'string' || !purpose) return badRequest("'purpose' is a required field");
    const f: StoredFile = { id: `file-${this.id()}`, filename: file.name, purpose, content: await file.text(), createdAt: now() };
    this.files.set(f.id, f);
    return { status: 200, json: fileObject(f) };
  }

  private create(body: unknown): { status: number; json: unknown } {
    const b = (body ?? {}) as { input_file_id?: unknown; endpoint?: unknown; completion_window?: unknown };
    if (b.endpoint !== '/v1/chat/completions') return badRequest(`llm double: endpoint must be /v1/chat/completions, got ${JSON.stringify(b.endpoint)}`);
    if (b.completion_window !== '24h') return badRequest(`completion_window must be "24h", got ${JSON.stringify(b.completion_window)}`);
    const input = typeof b.input_file_id === 'string' ? this.files.get(b.input_file_id) : undefined;
    if (!input) return badRequest(`No such File object: ${String(b.input_file_id)}`);
    if (input.purpose !== 'batch') return badRequest(`file ${input.id} has purpose "${input.purpose}", not "batch"`);
    const lines: DoubleBatch['lines'] = [];
    for (const [i, text] of input.content.split('\n').entries()) {
      if (!text.trim()) continue;
      let line: { custom_id?: unknown; method?: unknown; url?: unknown; body?: unknown };
      try {
        line = JSON.parse(text);
      } catch {
        return badRequest(`input file line ${i + 1} is not JSON`);
      }
      if (typeof line.custom_id !== 'string' || line.method !== 'POST' || line.url !== '/v1/chat/completions') return badRequest(`input file line ${i + 1}: needs custom_id, method "POST" and url "/v1/chat/completions"`);
      if (lines.some((l) => l.customId === line.custom_id)) return badRequest(`input file line ${i + 1}: duplicate custom_id ${line.custom_id}`);
      lines.push({ customId: line.custom_id, body: line.body });
    }
    if (lines.length === 0) return badRequest('the input file holds no requests');
    const batch: DoubleBatch = { id: `batch_${this.id()}`, inputFileId: input.id, status: 'in_progress', createdAt: now(), lines };
    this.batches.push(batch);
    return { status: 200, json: batchObject(batch) };
  }

  /** Finish a batch whose processing time is up (and that is not held), applying the next batch fault. */
  private async advance(b: DoubleBatch): Promise<void> {
    if (b.status !== 'in_progress' || this.held || now() < b.createdAt + this.processingMs / 1000) return;
    const expiry = this.take((f) => 'expire' in f);
    if (expiry && 'expire' in expiry) return this.finish(b, 'expired', expiry.completedLines ?? 0);
    return this.finish(b, 'completed', b.lines.length);
  }

  /** Answer the first `answered` lines; the rest never ran (written to the error file as expired/cancelled). */
  private async finish(b: DoubleBatch, status: DoubleBatch['status'], answered: number): Promise<void> {
    const out: string[] = [];
    const errors: string[] = [];
    for (const [i, line] of b.lines.entries()) {
      const reqId = `batch_req_${this.id()}`;
      if (i >= answered) {
        line.outcome = status === 'expired' ? 'expired' : 'cancelled';
        errors.push(JSON.stringify({ id: reqId, custom_id: line.customId, response: null, error: { code: status === 'expired' ? 'batch_expired' : 'batch_cancelled', message: `This request could not be executed before the batch ${status === 'expired' ? 'expired' : 'was cancelled'}.` } }));
        continue;
      }
      const fault = this.take((f) => !('expire' in f));
      if (fault && 'errorLine' in fault) {
        line.outcome = 'error';
        errors.push(JSON.stringify({ id: reqId, custom_id: line.customId, response: null, error: { code: 'server_error', message: 'llm double: planted failed line' } }));
        continue;
      }
      const answer = fault && 'lineStatus' in fault ? { status: fault.lineStatus, body: { error: { message: `llm double: planted line status ${fault.lineStatus}`, type: 'server_error', param: null, code: null } } } : await this.answer(line.body);
      line.outcome = answer.status;
      if (answer.status === 200) line.reply = (answer.body as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
      out.push(JSON.stringify({ id: reqId, custom_id: line.customId, response: { status_code: answer.status, request_id: reqId, body: answer.body }, error: null }));
    }
    b.status = status;
    b.finishedAt = now();
    if (out.length) b.outputFileId = this.store(`${b.id}_output.jsonl`, out);
    if (errors.length) b.errorFileId = this.store(`${b.id}_error.jsonl`, errors);
  }

  private take(match: (f: BatchFault) => boolean): BatchFault | undefined {
    const i = this.faults.findIndex((f) => match(f.spec));
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if (--f.remaining <= 0) this.faults.splice(i, 1);
    return f.spec;
  }

  private store(filename: string, lines: string[]): string {
    const f: StoredFile = { id: `file-${this.id()}`, filename, purpose: 'batch_output', content: `${lines.join('\n')}\n`, createdAt: now() };
    this.files.set(f.id, f);
    return f.id;
  }

  private id(): string {
    return createHash('sha256').update(String(++this.seq)).digest('hex').slice(0, 24);
  }
}

function now(): number {
  return Date.now() / 1000;
}

function fileObject(f: StoredFile) {
  return { id: f.id, object: 'file', bytes: Buffer.byteLength(f.content), created_at: Math.floor(f.createdAt), filename: f.filename, purpose: f.purpose, status: 'processed' };
}

function batchObject(b: DoubleBatch) {
  const failed = b.lines.filter((l) => l.outcome !== undefined && l.outcome !== 200).length;
  const done = b.lines.filter((l) => l.outcome === 200).length;
  const at = (s: string) => (b.status === s && b.finishedAt ? { [`${s}_at`]: Math.floor(b.finishedAt) } : {});
  return {
    id: b.id,
    object: 'batch',
    endpoint: '/v1/chat/completions',
    errors: null,
    input_file_id: b.inputFileId,
    completion_window: '24h',
    status: b.status,
    output_file_id: b.outputFileId ?? null,
    error_file_id: b.errorFileId ?? null,
    created_at: Math.floor(b.createdAt),
    in_progress_at: Math.floor(b.createdAt),
    expires_at: Math.floor(b.createdAt) + 86_400,
    ...at('completed'),
    ...at('expired'),
    ...at('cancelled'),
    request_counts: { total: b.lines.length, completed: done, failed },
    metadata: null,
  };
}

function notFound(message: string) {
  return { status: 404, json: { error: { message, type: 'invalid_request_error', param: null, code: null } } };
}

function badRequest(message: string) {
  return { status: 400, json: { error: { message, type: 'invalid_request_error', param: null, code: null } } };
}
