import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger, PluginContext, RunInfo } from '../plugin.js';
import { contentId, type SampleRecord } from '../record.js';
import { createToolServer, nodeScriptCommand, type ToolServer } from '../verify/tool-server.js';
import type { Ambiguity } from './ambiguity.js';
import type { ChatTokenizer, TokenizerRecipe } from './chat-tokenizer.js';
import { weightConversation } from './conversation.js';
import { IGNORE_INDEX } from './mask.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

/**
 * Export pre-tokenization (issue #15, the run's tail): the export tokenizes and masks every kept
 * sample with the chat template (core/export/mask.ts), about 1 ms per sample with Qwen2.5 after a
 * 0.6 s tokenizer load. During a run, exporters hand each kept sample (the `kept` hook) to one
 * niced helper process (pretokenize-server.ts), started once `pretokenizeFrom` samples wait, which
 * loads the tokenizer from its `recipe` and writes what the export will need: the drop reason under
 * `dropAmbiguous`, the tokenizer's refusal (`SampleExportError`), or the token ids and trained
 * spans. The export then reads those instead of tokenizing after the last LLM reply. At export,
 * 2,000 or more samples without a result (a standalone `instructsmith export`, a resumed run's
 * earlier samples) go to helpers on every core the same way (prepare.ts). A sample no helper
 * answered (too few to start one, a helper that crashed, a tokenizer without a recipe) is tokenized
 * in the export's own thread, so the exported files are the same either way.
 *
 * Memory: results live in spill files under the OS temp folder, one per helper (the token ids and
 * the trained spans, about 5 KB a sample); the index holds one key and three numbers per sample.
 * Batches of {@link BATCH_SAMPLES}, or whatever waits after {@link BATCH_WAIT_MS}, go to the
 * helpers, one batch at a time per helper.
 */

/** What the helper found for one weighted conversation. */
export interface Pretokenized {
  /** Why `dropAmbiguous` drops it, if it would. */
  ambiguity?: Ambiguity;
  /** `tokenizeConversation`'s refusal (a `SampleExportError` reason and message). */
  error?: { reason: string; message: string };
  /** Set when there is no `error`. Same lengths. */
  tokens?: { input_ids: number[]; labels: number[]; assistant_masks: number[] };
}

/**
 * A line of the spill file: `Pretokenized` with the mask as `[start, end)` spans of trained tokens
 * (labels are the input ids inside them, -100 outside), a third of the bytes of three full columns.
 */
export interface SpillLine {
  ambiguity?: Ambiguity;
  error?: { reason: string; message: string };
  input_ids?: number[];
  trained?: Array<[number, number]>;
}

/** Results the export reads (see `prepareDataset`). */
export interface PretokenizedLookup {
  /** Which tokenizer the results were made with (`ChatTokenizer.name`); other tokenizers must not use them. */
  readonly tokenizer: string;
  /** Which `trainOn` weighted the conversations. */
  readonly trainOn: 'all' | 'last';
  /** Hand over what waits and resolve when every sample handed over has its result or is given up. */
  settle(): Promise<void>;
  /** Whether there is a result for a weighted conversation's content key (`contentId` of its `[role, content]` pairs). */
  has(key: string): boolean;
  /** The result for a content key, when there is one. */
  get(key: string): Pretokenized | undefined;
  /** Samples with a result. */
  readonly size: number;
}

/** How a {@link Pretokenizer} runs its helpers. */
export interface PretokenizerOptions {
  /** Helper processes (default 1: a run's kept samples arrive slowly enough for one). */
  processes?: number;
  /** Their nice value (default inherited). */
  niceness?: number;
  /**
   * Send nothing until this many samples wait (default 1): below it, helpers would cost more to
   * start than they save, and `settle()` gives up what waits, which the export then tokenizes itself.
   */
  minSamples?: number;
}

/** Samples per request to a helper (our choice: ~50 ms of tokenizing, small enough to follow a run closely). */
export const BATCH_SAMPLES = 64;
/** A smaller batch leaves after this many ms without a new sample (our choice). */
export const BATCH_WAIT_MS = 250;
/**
 * Samples the index holds at most (our choice: ~150 MB of keys and, at ~700 tokens a sample, ~4 GB of
 * spill files); later ones are tokenized at export.
 */
const MAX_ENTRIES = 1_000_000;

interface Pending {
  key: string;
  messages: unknown[];
}

/** The helper's answer: its spill file (one per process) and each sample's byte span in it. */
interface Reply {
  file: string;
  spans: Array<[number, number]>;
}

/** Feeds samples to helper processes and answers the export's lookups. */
export class Pretokenizer implements PretokenizedLookup {
  /** Content key -> [spill file number, offset, length]. */
  private readonly index = new Map<string, [number, number, number]>();
  private readonly files: Array<{ path: string; fd: number }> = [];
  private readonly queued = new Set<string>();
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private server: ToolServer | undefined;
  private dir: string | undefined;
  private recipe: TokenizerRecipe | undefined;
  private name = '';
  private disabled = false;
  private sending: boolean;

  constructor(
    private readonly settings: { tokenizer?: string; trainOn: 'all' | 'last' },
    private readonly resolveTokenizer: (spec?: string) => ChatTokenizer | undefined,
    private readonly log: Logger,
    private readonly options: PretokenizerOptions = {},
  ) {
    this.sending = (options.minSamples ?? 1) <= 1;
  }

  get tokenizer(): string {
    return this.name;
  }

  get trainOn(): 'all' | 'last' {
    return this.settings.trainOn;
  }

  get size(): number {
    return this.index.size;
  }

  /**
   * Hand over one record, unless `unless` already has its result. Never throws: a record it cannot
   * take is tokenized at export.
   */
  add(record: SampleRecord, unless?: PretokenizedLookup): void {
    if (this.disabled || this.index.size + this.queued.size >= MAX_ENTRIES) return;
    if (!this.recipe && !this.start()) return;
    let messages;
    try {
      messages = weightConversation(record.messages, this.settings.trainOn);
    } catch {
      return; // the export records why, when it meets the record
    }
    const key = contentId(messages.map((m) => [m.role, m.content]));
    if (this.queued.has(key) || this.index.has(key) || unless?.has(key)) return;
    this.queued.add(key);
    this.pending.push({ key, messages });
    if (!this.sending) {
      if (this.pending.length < (this.options.minSamples ?? 1)) return;
      this.sending = true;
    }
    while (this.pending.length >= BATCH_SAMPLES) this.flush(BATCH_SAMPLES);
    if (this.pending.length > 0 && !this.timer) {
      this.timer = setTimeout(() => this.flush(), BATCH_WAIT_MS);
      this.timer.unref();
    }
  }

  async settle(): Promise<void> {
    if (this.sending) this.flush();
    else this.dropPending();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): Pretokenized | undefined {
    const at = this.index.get(key);
    const file = at && this.files[at[0]];
    if (!at || !file) return undefined;
    const buf = Buffer.allocUnsafe(at[2]);
    readSync(file.fd, buf, 0, at[2], at[1]);
    const line = JSON.parse(buf.toString('utf8')) as SpillLine;
    const out: Pretokenized = {};
    if (line.ambiguity) out.ambiguity = line.ambiguity;
    if (line.error) out.error = line.error;
    if (line.input_ids) {
      const ids = line.input_ids;
      const labels = new Array<number>(ids.length).fill(IGNORE_INDEX);
      const assistant_masks = new Array<number>(ids.length).fill(0);
      for (const [start, end] of line.trained ?? []) {
        for (let i = start; i < end; i++) {
          labels[i] = ids[i]!;
          assistant_masks[i] = 1;
        }
      }
      out.tokens = { input_ids: ids, labels, assistant_masks };
    }
    return out;
  }

  /** Stop the helpers and delete the spill files. Lookups answer nothing afterwards. */
  async close(): Promise<void> {
    this.disabled = true;
    this.dropPending();
    await Promise.allSettled([...this.inFlight]);
    await this.server?.close();
    for (const f of this.files.splice(0)) closeSync(f.fd);
    if (this.dir) removeTempDir(this.dir);
    this.index.clear();
  }

  private dropPending(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const p of this.pending) this.queued.delete(p.key);
    this.pending = [];
  }

  private start(): boolean {
    let tok: ChatTokenizer | undefined;
    try {
      tok = this.resolveTokenizer(this.settings.tokenizer);
    } catch {
      tok = undefined; // the export reports an unknown tokenizer
    }
    if (!tok?.recipe) {
      this.disabled = true;
      return false;
    }
    this.recipe = tok.recipe;
    this.name = tok.name;
    return true;
  }

  private flush(most = Number.POSITIVE_INFINITY): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.disabled) return;
    // The spill folder and the helpers only once there is something to send (most exports never reach `minSamples`).
    if (!this.server) {
      this.dir = makeTempDir('pretokenize');
      const script = new URL(`./pretokenize-server${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
      this.server = createToolServer({ name: 'export pretokenizer', ...nodeScriptCommand(script), size: Math.max(1, this.options.processes ?? 1), maxRequests: Number.POSITIVE_INFINITY, niceness: this.options.niceness });
    }
    const batch = this.pending.splice(0, most);
    const sent = this.send(batch).finally(() => {
      for (const p of batch) this.queued.delete(p.key);
      this.inFlight.delete(sent);
    });
    this.inFlight.add(sent);
  }

  private async send(batch: Pending[]): Promise<void> {
    // The first request to a helper also loads the tokenizer (and, from sources, tsx): allow for it.
    const result = await this.server!.request({ cwd: this.dir, spillDir: this.dir, tokenizer: this.recipe, samples: batch }, { timeoutMs: 120_000 + 50 * batch.length });
    if (this.disabled) return;
    let reply: Reply | undefined;
    if (result.exitCode === 0) {
      try {
        reply = JSON.parse(result.stdout) as Reply;
      } catch {
        reply = undefined;
      }
    }
    if (!reply || !Array.isArray(reply.spans) || reply.spans.length !== batch.length) {
      // Nothing is lost: these samples are tokenized at export. One warning, then no more helpers.
      this.log.warn(`export pretokenizer: ${result.timedOut ? 'timed out' : `failed (${(result.stderr || result.stdout).trim().split('\n').at(-1) ?? 'no output'})`}; the export tokenizes the remaining samples itself`);
      this.disabled = true;
      return;
    }
    const path = join(this.dir!, reply.file);
    let n = this.files.findIndex((f) => f.path === path);
    if (n < 0) n = this.files.push({ path, fd: openSync(path, 'r') }) - 1;
    batch.forEach((p, i) => this.index.set(p.key, [n, ...reply.spans[i]!]));
  }
}

/** A run's helper's nice value: it takes only CPU the run leaves idle, so the run's LLM calls are not delayed (our choice). */
const RUN_HELPER_NICENESS = 15;

const shared = new WeakMap<RunInfo, Map<string, Pretokenizer>>();

/**
 * The pretokenizer of a run for one tokenizer spec and `trainOn` (exporters of the run with the same
 * pair share it; the first one's `minSamples`, its `pretokenizeFrom`, applies), made through the first exporter's context, which taps `runStart` (off in dry
 * runs), `kept` (hand over each kept record) and `runEnd` (close the helper, delete the spill file).
 */
export function sharedPretokenizer(ctx: PluginContext, settings: { tokenizer?: string; trainOn: 'all' | 'last' }, minSamples: number): Pretokenizer {
  const key = JSON.stringify([settings.tokenizer ?? null, settings.trainOn]);
  let byKey = shared.get(ctx.run);
  if (!byKey) shared.set(ctx.run, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit) return hit;
  let live = !ctx.run.dryRun;
  const pre = new Pretokenizer(settings, (spec) => ctx.tokenizer(spec), ctx.log, { niceness: RUN_HELPER_NICENESS, minSamples });
  byKey.set(key, pre);
  ctx.hooks.runStart.tap((run) => {
    live = !run.dryRun;
  });
  ctx.hooks.kept.tap((record) => {
    if (live) pre.add(record);
  });
  ctx.hooks.runEnd.tapPromise(() => pre.close());
  return pre;
}
