import { setMaxListeners } from 'node:events';
import { linkSignals } from '../abort.js';
import { withRetry, type RetrySettings } from '../retry.js';
import { LlmError, type BatchSettings, type ChatRequest, type ChatResult } from '../types.js';
import type { UsageMeter } from '../usage.js';
import type { BatchState } from './state.js';
import { TERMINAL_BATCH_STATUSES, type BatchApi, type BatchResultLine, type BatchStatus } from './types.js';

/** What {@link BatchCollector} needs. One collector per model id (a provider batch holds one model). */
export interface BatchCollectorDeps {
  api: BatchApi;
  /** `provider:model`, the state file's and the meter's key. */
  modelId: string;
  /** The model name the provider is asked for. */
  model: string;
  settings: BatchSettings;
  /** Retries of each batch API HTTP call (upload, create, poll, download), and its timeout. */
  http: RetrySettings & { timeoutMs: number };
  state: BatchState;
  meter: UsageMeter;
  /** Ends every waiting call (the run was interrupted); open batches stay open on the server for the resume. */
  signal?: AbortSignal;
}

interface Waiter {
  resolve(result: ChatResult): void;
  reject(err: unknown): void;
}

/** A request waiting for its reply: queued, or a line of an open batch. */
interface Pending {
  key: string;
  request: ChatRequest;
  /** Batches this request went into so far. */
  attempts: number;
  waiter: Waiter;
}

interface Line {
  key: string;
  /** Undefined for a line of a batch found in the state file that no call has asked for yet. */
  pending?: Pending;
  settled: boolean;
}

interface OpenBatch {
  id: string;
  lines: Map<string, Line>;
  /** Results read (the batch is terminal); lines may still be held for calls not made yet. */
  read: boolean;
}

/**
 * Batch mode's queue (`--batch`, config `llm.batch`): a call keeps its shape for the plugin making it
 * (a promise of its reply) while its request waits here with others and goes to the provider's batch
 * API ({@link BatchApi}) in one batch.
 *
 * - A batch is submitted when `settings.size` requests wait, or when no new request came for
 *   `settings.maxWaitMs` (a pipeline whose seeds all wait on their calls still makes progress).
 * - Each submitted batch is appended to the run's {@link BatchState} (batch id, custom ids, request
 *   cache keys) before it is polled; a collector made over that state on a resumed run polls the open
 *   batches again, and a call whose cache key is a line of one of them waits for that line instead of
 *   being submitted again (a line answered before its call is made again is held for it).
 * - Open batches are polled every `settings.pollMs` until completed, failed, expired or cancelled.
 *   Lines that failed (error file, non-2xx status) or never ran (expiry, cancellation, a failed batch)
 *   with a retryable kind go into a later batch, up to `settings.maxAttempts` batches per request;
 *   then the call fails with `endpoint_unavailable`, as an exhausted retry does (retry.ts). Other kinds
 *   (`invalid_output` for a refusal, `bad_request`, `auth`) fail the call at once, as a normal call's would.
 * - Each line sent counts as one call in the meter; tokens come from the result lines (and from
 *   failed lines that report usage).
 *
 * The request cache sits in front (client.ts): cached calls never reach the collector.
 */
export class BatchCollector {
  private readonly queue: Pending[] = [];
  private readonly batches = new Map<string, OpenBatch>();
  /** Lines of batches from the state file, by request cache key, not yet asked for. */
  private readonly resumed = new Map<string, { batch: OpenBatch; customId: string }>();
  /** Replies of resumed lines that arrived before their call was made again. */
  private readonly held = new Map<string, { batch: OpenBatch; customId: string; result: ChatResult }>();
  private idleTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private closed?: { reason: unknown };
  /** The run's signal, linked once: every poll and upload in flight listens on it (one per open batch). */
  private readonly signal?: AbortSignal;

  constructor(private readonly deps: BatchCollectorDeps) {
    if (deps.signal) {
      this.signal = linkSignals(deps.signal).signal;
      setMaxListeners(0, this.signal);
    }
    for (const b of deps.state.open(deps.modelId)) {
      const batch: OpenBatch = { id: b.batchId, lines: new Map(), read: false };
      for (const l of b.lines) {
        batch.lines.set(l.customId, { key: l.key, settled: false });
        if (!this.resumed.has(l.key)) this.resumed.set(l.key, { batch, customId: l.customId });
      }
      this.batches.set(batch.id, batch);
    }
    const signal = this.signal;
    if (signal?.aborted) this.close(signal.reason);
    signal?.addEventListener('abort', () => this.close(signal.reason), { once: true });
    if (this.batches.size > 0) this.schedulePoll(0);
  }

  /** Batches submitted by this collector or resumed from the state file and not settled yet. */
  openBatches(): string[] {
    return [...this.batches.keys()];
  }

  /**
   * The reply to `request`, whose request cache key is `key`, through a batch.
   * @param signal ends this call only (the endpoint's breaker); its line stays in its batch.
   * @throws LlmError as a normal call would (see the class comment); the signal's reason when aborted.
   */
  call(key: string, request: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
    if (this.closed) return Promise.reject(this.closed.reason);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<ChatResult>((resolve, reject) => {
      const onAbort = () => reject(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      const waiter: Waiter = {
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      };
      const pending: Pending = { key, request, attempts: 1, waiter };
      const held = this.held.get(key);
      if (held) {
        this.held.delete(key);
        this.settleLine(held.batch, held.customId);
        waiter.resolve(held.result);
        return;
      }
      const resumed = this.resumed.get(key);
      if (resumed) {
        this.resumed.delete(key);
        resumed.batch.lines.get(resumed.customId)!.pending = pending;
        this.schedulePoll(0);
        return;
      }
      this.enqueue(pending);
    });
  }

  private enqueue(pending: Pending): void {
    this.queue.push(pending);
    if (this.queue.length >= this.deps.settings.size) return this.flush();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.flush(), this.deps.settings.maxWaitMs);
  }

  /** Submit everything queued, `settings.size` requests a batch. */
  private flush(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    while (this.queue.length > 0 && !this.closed) void this.submit(this.queue.splice(0, this.deps.settings.size));
  }

  private async submit(chunk: Pending[]): Promise<void> {
    const { api, model, modelId, meter, state } = this.deps;
    // Unique within the batch; the key's start makes a line traceable to its cache entry by eye.
    const lines = chunk.map((p, i) => ({ customId: `r${i}-${p.key.slice(0, 16)}`, pending: p }));
    let batchId: string;
    try {
      for (const _ of lines) meter.sent(modelId);
      batchId = await this.http((options) => api.submit(model, lines.map((l) => ({ customId: l.customId, request: l.pending.request })), options));
    } catch (err) {
      for (const p of chunk) p.waiter.reject(err);
      return;
    }
    state.append({ type: 'submitted', batchId, modelId, lines: lines.map((l) => ({ customId: l.customId, key: l.pending.key })), at: new Date().toISOString() });
    const batch: OpenBatch = { id: batchId, lines: new Map(lines.map((l) => [l.customId, { key: l.pending.key, pending: l.pending, settled: false }])), read: false };
    this.batches.set(batchId, batch);
    if (this.closed) {
      // Interrupted while submitting: the batch is recorded, a resume polls it.
      for (const p of chunk) p.waiter.reject(this.closed.reason);
      return;
    }
    this.schedulePoll(this.deps.settings.pollMs);
  }

  /**
   * Poll every open batch whose results are not read yet after `delayMs`. The timer keeps the process
   * alive only while some call waits on a batch (a resumed batch nobody asks for must not hold a finished run).
   */
  private schedulePoll(delayMs: number): void {
    if (this.closed) return;
    if (this.pollTimer) {
      if (delayMs > 0) return;
      clearTimeout(this.pollTimer);
    }
    if (![...this.batches.values()].some((b) => !b.read)) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.pollAll().finally(() => this.schedulePoll(this.deps.settings.pollMs));
    }, delayMs);
    if (!this.hasWaiters()) this.pollTimer.unref();
  }

  private hasWaiters(): boolean {
    for (const b of this.batches.values()) for (const l of b.lines.values()) if (l.pending && !l.settled) return true;
    return false;
  }

  private async pollAll(): Promise<void> {
    for (const batch of [...this.batches.values()]) {
      if (batch.read || this.closed) continue;
      let status: BatchStatus;
      let results: BatchResultLine[];
      try {
        status = await this.http((options) => this.deps.api.retrieve(batch.id, options));
        if (!TERMINAL_BATCH_STATUSES.has(status.status)) continue;
        results = await this.http((options) => this.deps.api.results(status, this.deps.model, options));
      } catch (err) {
        if (this.closed) return;
        // Polling failed past its retries: the calls waiting on this batch fail; the batch stays in the
        // state file, so a rerun polls it again.
        this.batches.delete(batch.id);
        for (const l of batch.lines.values()) if (l.pending && !l.settled) l.pending.waiter.reject(err);
        continue;
      }
      if (!batch.read) this.read(batch, status, results);
    }
  }

  /** Hand a terminal batch's lines to their calls, resubmit what failed, hold what no call asked for yet. */
  private read(batch: OpenBatch, status: BatchStatus, results: BatchResultLine[]): void {
    batch.read = true;
    const byId = new Map(results.map((r) => [r.customId, r]));
    for (const [customId, line] of batch.lines) {
      const r = byId.get(customId);
      if (r && 'result' in r) {
        if (line.pending) {
          this.settleLine(batch, customId);
          line.pending.waiter.resolve(r.result);
        } else {
          this.resumed.delete(line.key);
          this.held.set(line.key, { batch, customId, result: r.result });
        }
        continue;
      }
      const error = r ? r.error : notRun(batch.id, status);
      if (error.usage) this.deps.meter.billed(this.deps.modelId, error.usage);
      if (line.pending) this.retryOrFail(line.pending, error);
      else if (this.resumed.get(line.key)?.batch === batch) this.resumed.delete(line.key); // its call, when made again, is queued anew
      this.settleLine(batch, customId);
    }
    this.flushIfIdle();
  }

  private retryOrFail(pending: Pending, error: LlmError): void {
    if (!error.retryable || error.kind === 'invalid_output') return pending.waiter.reject(error);
    if (pending.attempts >= this.deps.settings.maxAttempts) {
      return pending.waiter.reject(
        new LlmError('endpoint_unavailable', `${error.message} (gave up after ${pending.attempts} batch${pending.attempts === 1 ? '' : 'es'})`, {
          status: error.status,
          hint: error.hint ?? 'the endpoint keeps failing this request in batches; run the same command to resume, raise llm.batch.maxAttempts, or run without --batch',
          cause: error,
        }),
      );
    }
    pending.attempts += 1;
    this.queue.push(pending);
  }

  /** Resubmitted lines go out at once when nothing else is arriving to join them. */
  private flushIfIdle(): void {
    if (this.queue.length === 0) return;
    if (this.queue.length >= this.deps.settings.size || !this.idleTimer) this.flush();
  }

  private settleLine(batch: OpenBatch, customId: string): void {
    const line = batch.lines.get(customId);
    if (!line || line.settled) return;
    line.settled = true;
    if ([...batch.lines.values()].every((l) => l.settled)) {
      this.batches.delete(batch.id);
      this.deps.state.append({ type: 'settled', batchId: batch.id, at: new Date().toISOString() });
    }
  }

  private http<T>(fn: (options: { signal?: AbortSignal; timeoutMs: number }) => Promise<T>): Promise<T> {
    const { http } = this.deps;
    const signal = this.signal;
    return withRetry(() => fn({ signal, timeoutMs: http.timeoutMs }), http, { signal });
  }

  private close(reason: unknown): void {
    if (this.closed) return;
    this.closed = { reason };
    clearTimeout(this.idleTimer);
    clearTimeout(this.pollTimer);
    for (const p of this.queue.splice(0)) p.waiter.reject(reason);
    for (const b of this.batches.values()) for (const l of b.lines.values()) if (l.pending && !l.settled) l.pending.waiter.reject(reason);
  }
}

/** The failure of a line absent from a terminal batch's files: it never ran. Retryable. */
function notRun(batchId: string, status: BatchStatus): LlmError {
  const why = status.status === 'failed' && status.errors?.length ? `: ${status.errors.join('; ').slice(0, 300)}` : '';
  return new LlmError(status.status === 'expired' ? 'timeout' : 'server', `batch ${batchId} ended ${status.status} before this request ran${why}`, {
    hint: status.status === 'expired' ? 'the endpoint did not finish the batch within its completion window' : undefined,
  });
}
