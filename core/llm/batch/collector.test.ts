import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../errors.js';
import { LlmError, type BatchSettings, type ChatRequest, type ChatResult } from '../types.js';
import { UsageMeter } from '../usage.js';
import { BatchCollector } from './collector.js';
import { BatchState } from './state.js';
import type { BatchApi, BatchRequestLine, BatchResultLine, BatchStatus, BatchStatusName } from './types.js';

const MODEL_ID = 'openai:m';
const HTTP = { maxAttempts: 2, backoffBaseMs: 0, backoffMaxMs: 0, timeoutMs: 1_000 };

/** What the fake endpoint does with one line: reply, fail with an error, or leave it unrun (`undefined`). */
type LineOutcome = ChatResult | LlmError | undefined;

/** An in-memory batch API: each batch becomes terminal at its first retrieve, with `status` and `outcome` per line. */
class FakeBatchApi implements BatchApi {
  readonly submitted: Array<{ id: string; lines: BatchRequestLine[] }> = [];
  readonly retrieved: string[] = [];
  /** Per batch (0-based submission index): the terminal status. */
  status: (batchIndex: number) => BatchStatusName = () => 'completed';
  outcome: (line: BatchRequestLine, batchIndex: number) => LineOutcome = (l) => reply(l.request);
  /** Batches that stay in progress while true. */
  hold = false;
  private readonly known = new Map<string, { index: number; lines: BatchRequestLine[] }>();

  /** A batch the endpoint holds from an earlier process (resume). */
  preexisting(id: string, lines: BatchRequestLine[]): void {
    this.known.set(id, { index: -1, lines });
  }

  async submit(_model: string, lines: readonly BatchRequestLine[]): Promise<string> {
    const id = `batch_${this.submitted.length}`;
    this.submitted.push({ id, lines: [...lines] });
    this.known.set(id, { index: this.submitted.length - 1, lines: [...lines] });
    return id;
  }

  async retrieve(id: string): Promise<BatchStatus> {
    this.retrieved.push(id);
    const b = this.known.get(id)!;
    return { id, status: this.hold ? 'in_progress' : this.status(b.index) };
  }

  async results(batch: BatchStatus): Promise<BatchResultLine[]> {
    const b = this.known.get(batch.id)!;
    const out: BatchResultLine[] = [];
    for (const line of b.lines) {
      const o = this.outcome(line, b.index);
      if (o instanceof LlmError) out.push({ customId: line.customId, error: o });
      else if (o) out.push({ customId: line.customId, result: o });
    }
    return out;
  }
}

function reply(request: ChatRequest): ChatResult {
  const text = request.messages[0]!.content;
  return { content: `re: ${text}`, promptTokens: text.length, completionTokens: 3 };
}

const ask = (text: string): ChatRequest => ({ messages: [{ role: 'user', content: text }] });

function collector(api: FakeBatchApi, batch: Partial<BatchSettings> = {}, extra: { state?: BatchState; meter?: UsageMeter; signal?: AbortSignal } = {}) {
  const settings: BatchSettings = { enabled: true, size: 100, pollMs: 1, maxWaitMs: 1, maxAttempts: 3, ...batch };
  return new BatchCollector({ api, modelId: MODEL_ID, model: 'm', settings, http: HTTP, state: extra.state ?? new BatchState(), meter: extra.meter ?? new UsageMeter(), signal: extra.signal });
}

describe('BatchCollector', () => {
  it('submits a batch as soon as `size` requests wait, and answers each call with its own line', async () => {
    const api = new FakeBatchApi();
    // maxWaitMs far beyond the test: only the size can trigger the submission.
    const c = collector(api, { size: 3, maxWaitMs: 3_600_000 });
    const replies = await Promise.all(['a', 'b', 'c'].map((t) => c.call(`key-${t}`, ask(t))));
    expect(replies.map((r) => r.content)).toEqual(['re: a', 're: b', 're: c']);
    expect(api.submitted).toHaveLength(1);
    expect(api.submitted[0]!.lines.map((l) => l.request.messages[0]!.content)).toEqual(['a', 'b', 'c']);
    expect(new Set(api.submitted[0]!.lines.map((l) => l.customId)).size).toBe(3);
  });

  it('submits fewer than `size` requests once no new one came for maxWaitMs, in batches of at most `size`', async () => {
    const api = new FakeBatchApi();
    const c = collector(api, { size: 2 });
    const calls = ['a', 'b', 'c'].map((t) => c.call(`key-${t}`, ask(t)));
    await Promise.all(calls);
    expect(api.submitted.map((b) => b.lines.length)).toEqual([2, 1]);
  });

  it('resubmits failed and unrun lines, keeps successes, and counts every line sent and its tokens', async () => {
    const api = new FakeBatchApi();
    api.status = (i) => (i === 0 ? 'expired' : 'completed');
    api.outcome = (l, i) => {
      const t = l.request.messages[0]!.content;
      if (i === 0 && t === 'b') return new LlmError('server', 'line failed (HTTP 500)', { status: 500, usage: { promptTokens: 7, completionTokens: 1 } });
      if (i === 0 && t === 'c') return undefined; // expired before it ran
      return reply(l.request);
    };
    const meter = new UsageMeter();
    const c = collector(api, {}, { meter });
    const replies = await Promise.all(['a', 'b', 'c'].map((t) => c.call(`key-${t}`, ask(t))));
    expect(replies.map((r) => r.content)).toEqual(['re: a', 're: b', 're: c']);
    expect(api.submitted.map((b) => b.lines.map((l) => l.request.messages[0]!.content))).toEqual([['a', 'b', 'c'], ['b', 'c']]);
    expect(meter.byModel()[MODEL_ID]).toMatchObject({ calls: 5, promptTokens: 7, completionTokens: 1 });
  });

  it('fails a call whose line keeps failing after maxAttempts batches with endpoint_unavailable; other calls are answered', async () => {
    const api = new FakeBatchApi();
    api.outcome = (l) => (l.request.messages[0]!.content === 'bad' ? new LlmError('server', 'line failed (HTTP 503)', { status: 503 }) : reply(l.request));
    const c = collector(api, { maxAttempts: 2 });
    const [good, bad] = await Promise.allSettled([c.call('k1', ask('good')), c.call('k2', ask('bad'))]);
    expect(good).toMatchObject({ status: 'fulfilled', value: { content: 're: good' } });
    expect(bad.status).toBe('rejected');
    const err = (bad as PromiseRejectedResult).reason as LlmError;
    expect(err).toBeInstanceOf(LlmError);
    expect(err.kind).toBe('endpoint_unavailable');
    expect(err.message).toMatch(/gave up after 2 batches/);
    expect(api.submitted).toHaveLength(2);
  });

  it('fails a call at once for a kind retrying cannot help (a refusal, a bad request)', async () => {
    const api = new FakeBatchApi();
    api.outcome = (l) => (l.request.messages[0]!.content === 'refuse' ? new LlmError('invalid_output', 'refused') : new LlmError('bad_request', 'HTTP 400', { status: 400 }));
    const c = collector(api);
    const [refused, bad] = await Promise.allSettled([c.call('k1', ask('refuse')), c.call('k2', ask('400'))]);
    expect(((refused as PromiseRejectedResult).reason as LlmError).kind).toBe('invalid_output');
    expect(((bad as PromiseRejectedResult).reason as LlmError).kind).toBe('bad_request');
    expect(api.submitted).toHaveLength(1);
  });

  it('records each batch in the state file, and a collector over that state polls the open batch instead of resubmitting', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'instructsmith-batch-')), 'state', 'batches.jsonl');
    const api = new FakeBatchApi();
    api.hold = true;
    const killed = new AbortController();
    const first = collector(api, {}, { state: new BatchState(file), signal: killed.signal });
    const waiting = Promise.allSettled([first.call('key-a', ask('a')), first.call('key-b', ask('b'))]);
    while (api.submitted.length === 0) await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setTimeout(r, 5));
    killed.abort(new Error('SIGKILL'));
    expect((await waiting).map((s) => s.status)).toEqual(['rejected', 'rejected']);
    const record = JSON.parse(readFileSync(file, 'utf8').trim());
    expect(record).toMatchObject({ type: 'submitted', batchId: 'batch_0', modelId: MODEL_ID });
    expect(record.lines.map((l: { key: string }) => l.key)).toEqual(['key-a', 'key-b']);

    // The next process: the endpoint still holds batch_0; the same calls are made again.
    const api2 = new FakeBatchApi();
    api2.preexisting('batch_0', api.submitted[0]!.lines);
    const second = collector(api2, {}, { state: new BatchState(file) });
    expect(second.openBatches()).toEqual(['batch_0']);
    const a = await second.call('key-a', ask('a'));
    expect(a.content).toBe('re: a');
    // b's line was answered before its call came: held for it, still no submission.
    const b = await second.call('key-b', ask('b'));
    expect(b.content).toBe('re: b');
    expect(api2.submitted).toEqual([]);
    expect(api2.retrieved).toContain('batch_0');
    expect(second.openBatches()).toEqual([]);
    expect(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).type)).toEqual(['submitted', 'settled']);
    expect(new BatchState(file).open(MODEL_ID)).toEqual([]);
  });

  it('ends waiting calls with the signal reason when the run is interrupted', async () => {
    const api = new FakeBatchApi();
    api.hold = true;
    const controller = new AbortController();
    const c = collector(api, {}, { signal: controller.signal });
    const pending = c.call('k', ask('a'));
    while (api.submitted.length === 0) await new Promise((r) => setTimeout(r, 1));
    const reason = new Error('interrupted');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await expect(c.call('k2', ask('b'))).rejects.toBe(reason);
  });
});

describe('BatchState', () => {
  it('ignores a last line cut short by a kill, and names the file and line of any other bad line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'instructsmith-batch-state-'));
    const file = join(dir, 'batches.jsonl');
    const good = JSON.stringify({ type: 'submitted', batchId: 'b1', modelId: MODEL_ID, lines: [{ customId: 'r0', key: 'k' }], at: 'now' });
    writeFileSync(file, `${good}\n{"type":"subm`);
    expect(new BatchState(file).open(MODEL_ID).map((b) => b.batchId)).toEqual(['b1']);
    expect(new BatchState(file).open('openai:other')).toEqual([]);
    writeFileSync(file, `${good}\nnot json\n${good}\n`);
    expect(() => new BatchState(file).open(MODEL_ID)).toThrow(InputError);
    expect(() => new BatchState(file).open(MODEL_ID)).toThrow(`${file}:2`);
  });
});
