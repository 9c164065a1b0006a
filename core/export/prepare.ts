import { closeSync, createReadStream, createWriteStream, openSync, readSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { ExportContext } from '../hooks.js';
import { contentId, type ChatMessage, type Label } from '../record.js';
import { weightConversation } from './conversation.js';
import type { ChatTokenizer } from './chat-tokenizer.js';
import { tokenizeConversation } from './mask.js';
import { lengthStats, type LengthStats } from './stats.js';
import { SampleExportError } from './sample-error.js';
import { ambiguity } from './ambiguity.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';
import { Pretokenizer, type PretokenizedLookup } from './pretokenize.js';
import type { Logger } from '../plugin.js';
import { mulberry32, shuffleInPlace } from '../random.js';
import { curriculumRank, type CurriculumMeta } from '../curriculum.js';

/**
 * Export settings every exporter takes (its options schema extends this one). Defaults:
 * `trainOn: all` trains every assistant turn (the paper's samples are single-turn, where all = last);
 * `valRatio` 0.02, `seed` 42, `cutoff` 4096 tokens and the built-in Qwen2.5 tokenizer are our choices
 * (the papers give no validation split or cut-off; 4096 covers the long tail of code answers while
 * keeping a 7B full fine-tune on 8 GPUs within memory at micro-batch 4).
 */
export const exportSettingsSchema = z
  .object({
    /** `all`: every assistant turn carries the loss; `last`: only the final one, earlier turns are context. */
    trainOn: z.enum(['all', 'last']).default('all'),
    /** Fraction of the deduplicated samples held out for validation, 0 to 0.5. */
    valRatio: z.number().min(0).max(0.5).default(0.02),
    /** Seed of the shuffle and split: same seed, same files. */
    seed: z.number().int().min(0).default(42),
    /**
     * Drop (and count) samples that trainers tokenize differently, so every export of a run trains
     * exactly the same tokens: content holding a control token's text (`control_token_text`: we encode
     * it as text; trainers that tokenize the rendered template read the token), content starting with
     * a newline (`leading_newline`: alone it does not merge with the template's newline; inside the
     * rendered text it does), and an empty trained assistant turn (`empty_turn`: axolotl trains nothing
     * of it, the masked export its end-of-turn token). Checked against axolotl, LLaMA-Factory and TRL
     * by the trainer integration tier (training/integration/). `false` keeps them (our masks stay right;
     * the trainers' may differ).
     */
    dropAmbiguous: z.boolean().default(true),
    /** Cut-off length in tokens: longer samples are dropped and counted (`over_cutoff`), never truncated. */
    cutoff: z.number().int().positive().default(4096),
    /**
     * The target model's tokenizer: a name a tokenizer plugin knows or a folder with tokenizer.json +
     * tokenizer_config.json; unset: the tokenizer plugin's default (see `ExportContext.tokenizer`).
     */
    tokenizer: z.string().min(1).optional(),
    /**
     * Order of the train split. `shuffle`: seeded random. `curriculum`: ascending
     * `meta.curriculum.rank` (see core/curriculum.ts; Semi-Instruct's ranking, arXiv 2403.00338 §3),
     * equal ranks in the seeded random order, samples without a rank last. The validation split is the
     * same seeded random sample in both orders. Launch configs then turn off the trainer's own shuffle.
     */
    order: z.enum(['shuffle', 'curriculum']).default('shuffle'),
    /**
     * During a run, once this many samples are kept, they are tokenized for the export in a helper
     * process while the run goes on (core/export/pretokenize.ts), so the export after the last LLM
     * reply only reads the results; `false` never starts one. Default 256 (our choice: below it, the
     * helper's start-up, 1-2 s of CPU, costs more than tokenizing the samples at export).
     */
    pretokenizeFrom: z.union([z.number().int().min(1), z.literal(false)]).default(256),
  })
  .strict();
export type ExportSettings = z.output<typeof exportSettingsSchema>;

/** One sample after weighting, deduplication, masking and the cut-off check (a line of the prepared split files). */
export interface PreparedSample {
  id: string;
  language: string;
  /** With `weight` on every message. */
  messages: ChatMessage[];
  input_ids: number[];
  labels: number[];
  assistant_masks: number[];
  /** The record's `meta.curriculum`, when it has a rank. */
  curriculum?: CurriculumMeta;
  /** The record's `label` (its tags), when it has one; row formats write it beside the conversation. */
  label?: Label;
}

/** One sample that was not exported, and why. */
export interface ExportDrop {
  id: string;
  /** 1-based position in samples.jsonl (blank lines not counted). */
  index: number;
  reason: string;
  message: string;
}

/** What the prepare step did; written to `export.json` and summarized in the dataset card. */
export interface ExportReport {
  settings: ExportSettings;
  tokenizer: string;
  /** Samples read from samples.jsonl. */
  read: number;
  /** Samples exported (train + validation). */
  exported: number;
  splits: { train: number; validation: number };
  /** Count of dropped samples by reason (`duplicate`, `over_cutoff`, `mask_mismatch`, ...). */
  dropped: Record<string, number>;
  /** Token lengths of the exported samples (whole sequence and trained tokens only). */
  tokens: { train: LengthStats; validation: LengthStats; trainedTokens: LengthStats };
  /**
   * Curriculum ranks of the train split (counted in both orders): `ranked` samples carry a rank,
   * `unranked` do not; `byRank` counts samples per rank, keys in ascending rank order.
   */
  curriculum: { ranked: number; unranked: number; byRank: Record<string, number> };
  /**
   * Where the samples that reached tokenization were tokenized (each counted once): `duringRun` by the
   * run's pretokenizer, `exportHelpers` by helper processes at export (large exports on several
   * cores), `inline` in the export's own thread (core/export/pretokenize.ts).
   */
  tokenizedBy: { duringRun: number; exportHelpers: number; inline: number };
}

/** The prepared dataset: ordered, split, streamable any number of times. */
export interface PreparedDataset {
  report: ExportReport;
  drops: readonly ExportDrop[];
  split(name: 'train' | 'validation'): AsyncIterable<PreparedSample>;
}

/**
 * Untokenized samples from which the export starts helper processes (our choice: a helper takes
 * 1-2 s to start and load the tokenizer, what 1,000-2,000 samples take to tokenize), and at most how
 * many (our choice).
 */
const EXPORT_HELPERS_FROM = 2_000;
const MAX_EXPORT_HELPERS = 8;
const SILENT: Logger = { info: () => undefined, warn: () => undefined, debug: () => undefined };

/** Rows per in-memory shuffle bucket: our choice, bounding memory at roughly 50k samples. */
const BUCKET_ROWS = 50_000;

const memo = new WeakMap<ExportContext, Map<string, { promise: Promise<PreparedDataset>; dir: string }>>();

/**
 * Prepare a run's kept samples for export, once per export context and settings (exporters with
 * the same settings share the work): weight each conversation, remove exact duplicates (same roles
 * and contents, first occurrence kept), tokenize and mask with the chat template (verifying the mask
 * token by token), drop samples over the cut-off, shuffle with a seeded generator, split into
 * train and validation, and (with `order: curriculum`) sort the train split by curriculum rank.
 *
 * Bounded memory: samples stream from the run; the shuffle is the two-pass external shuffle
 * (write each sample to a random one of ceil(n / 50,000) bucket files, then shuffle each bucket in
 * memory with Fisher-Yates), which yields a uniformly random permutation; a single bucket is kept
 * in memory instead of a file (the same order). Only ids' hashes, token
 * lengths and drops are held. The validation split is the first round(n x valRatio) samples of the
 * shuffled order (at least 1 when valRatio > 0 and n >= 2), whatever the order. The curriculum sort
 * holds three numbers per train sample (rank, byte offset, length) and reads rows back by offset.
 *
 * Every sample that is not exported is counted in `report.dropped` under its reason and listed in
 * `drops`. Temporary files live under the OS temp folder until `releasePrepared(ctx)`.
 * With `pretokenized` (results the run's pretokenizer made with the same tokenizer and `trainOn`),
 * a sample it answered takes its ambiguity, refusal or tokens from there instead of being tokenized
 * again; when at least 2,000 samples lack a result and the machine has several cores, they are
 * tokenized by helper processes (up to 8) during the counting pass; helpers that fail are reported to
 * `log` once (exporters sharing the dataset: the first one's), and their samples tokenized here. The
 * output is the same either way.
 * @throws InputError for an unreadable run or tokenizer (whole export fails); a bad sample never throws
 */
export function prepareDataset(ctx: ExportContext, settings: ExportSettings, pretokenized?: PretokenizedLookup, log: Logger = SILENT): Promise<PreparedDataset> {
  const key = JSON.stringify(settings);
  let byKey = memo.get(ctx);
  if (!byKey) memo.set(ctx, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit) return hit.promise;
  const dir = makeTempDir('export');
  const promise = prepare(ctx, settings, dir, pretokenized, log);
  byKey.set(key, { promise, dir });
  return promise;
}

/** Delete the temporary files of every dataset prepared for `ctx`. Call after `hooks.export` has run. */
export function releasePrepared(ctx: ExportContext): void {
  const byKey = memo.get(ctx);
  if (!byKey) return;
  for (const { dir } of byKey.values()) {
    removeTempDir(dir);
  }
  memo.delete(ctx);
}

async function prepare(ctx: ExportContext, settings: ExportSettings, dir: string, pretokenized: PretokenizedLookup | undefined, log: Logger): Promise<PreparedDataset> {
  const tok = ctx.tokenizer(settings.tokenizer);
  let pre = pretokenized && pretokenized.trainOn === settings.trainOn ? pretokenized : undefined;
  if (pre) await pre.settle();
  if (pre && (pre.size === 0 || pre.tokenizer !== tok.name)) pre = undefined;
  const cores = availableParallelism();
  // Samples the run did not tokenize, when there are enough of them, go to helper processes on the
  // other cores while this pass counts; fewer are tokenized below.
  const helpers = tok.recipe && cores > 1 ? new Pretokenizer({ tokenizer: settings.tokenizer, trainOn: settings.trainOn }, () => tok, log, { processes: Math.min(cores, MAX_EXPORT_HELPERS), minSamples: EXPORT_HELPERS_FROM }) : undefined;
  try {
    let total = 0;
    for await (const record of ctx.samples()) {
      total++;
      helpers?.add(record, pre);
    }
    await helpers?.settle();
    return await prepareCounted(ctx, settings, dir, tok, total, pre, helpers);
  } finally {
    await helpers?.close();
  }
}

async function prepareCounted(ctx: ExportContext, settings: ExportSettings, dir: string, tok: ChatTokenizer, total: number, pre: PretokenizedLookup | undefined, helpers: PretokenizedLookup | undefined): Promise<PreparedDataset> {
  const tokenizedBy = { duringRun: 0, exportHelpers: 0, inline: 0 };
  const bucketCount = Math.max(1, Math.ceil(total / BUCKET_ROWS));
  // One bucket (up to BUCKET_ROWS samples, most runs) is kept in memory, as it would be once read
  // back: writing it out and parsing it again only cost time at the end of the run.
  const inMemory: BucketRow[] | undefined = bucketCount === 1 ? [] : undefined;
  const buckets = inMemory ? [] : Array.from({ length: bucketCount }, (_, b) => createWriteStream(join(dir, `bucket-${b}.jsonl`)));
  const pickBucket = mulberry32(settings.seed);
  const seen = new Set<string>();
  const drops: ExportDrop[] = [];
  const dropped: Record<string, number> = {};
  const drop = (id: string, index: number, reason: string, message: string) => {
    drops.push({ id, index, reason, message });
    dropped[reason] = (dropped[reason] ?? 0) + 1;
  };
  let read = 0;
  let kept = 0;
  for await (const record of ctx.samples()) {
    read++;
    try {
      const messages = weightConversation(record.messages, settings.trainOn);
      const key = contentId(messages.map((m) => [m.role, m.content]));
      if (seen.has(key)) {
        drop(record.id, read, 'duplicate', 'same roles and contents as an earlier sample');
        continue;
      }
      seen.add(key);
      const fromRun = pre?.get(key);
      const hit = fromRun ?? helpers?.get(key);
      tokenizedBy[fromRun ? 'duringRun' : hit ? 'exportHelpers' : 'inline']++;
      const ambiguous = settings.dropAmbiguous ? (hit ? hit.ambiguity : ambiguity(messages, tok)) : undefined;
      if (ambiguous) {
        drop(record.id, read, ambiguous.reason, ambiguous.message);
        continue;
      }
      if (hit?.error) throw new SampleExportError(hit.error.reason, hit.error.message);
      const t = hit?.tokens ?? tokenizeConversation(tok, messages);
      if (t.input_ids.length > settings.cutoff) {
        drop(record.id, read, 'over_cutoff', `${t.input_ids.length} tokens > cutoff ${settings.cutoff}`);
        continue;
      }
      const rank = curriculumRank(record);
      const row: PreparedSample = { id: record.id, language: record.language, messages, input_ids: t.input_ids, labels: t.labels, assistant_masks: t.assistant_masks };
      if (rank !== undefined) row.curriculum = record.meta.curriculum as CurriculumMeta;
      if (record.label && Object.keys(record.label).length > 0) row.label = record.label;
      const line = JSON.stringify(row);
      if (inMemory) inMemory.push(bucketRow(line, row));
      else await write(buckets[Math.floor(pickBucket() * bucketCount)]!, `${line}\n`);
      kept++;
    } catch (err) {
      if (!(err instanceof SampleExportError)) throw err;
      drop(record.id, read, err.reason, err.message);
    }
  }
  await Promise.all(buckets.map((b) => new Promise<void>((res, rej) => b.end((e?: Error | null) => (e ? rej(e) : res())))));

  const nVal = settings.valRatio > 0 && kept >= 2 ? Math.max(1, Math.round(kept * settings.valRatio)) : 0;
  const train = createWriteStream(join(dir, 'train.jsonl'));
  const validation = createWriteStream(join(dir, 'validation.jsonl'));
  const shuffle = mulberry32(settings.seed ^ 0x9e3779b9);
  const lengths = { train: [] as number[], validation: [] as number[], trained: [] as number[] };
  const curriculum = new CurriculumIndex(settings.order === 'curriculum' ? join(dir, 'train-shuffled.jsonl') : undefined);
  let position = 0;
  for (let b = 0; b < bucketCount; b++) {
    const path = join(dir, `bucket-${b}.jsonl`);
    let rows = inMemory;
    if (!rows) {
      rows = [];
      for await (const line of lines(path)) rows.push(bucketRow(line, JSON.parse(line) as PreparedSample));
    }
    shuffleInPlace(rows, shuffle);
    for (const { line, tokens, trained, rank } of rows) {
      const isVal = position++ < nVal;
      (isVal ? lengths.validation : lengths.train).push(tokens);
      lengths.trained.push(trained);
      if (isVal) await write(validation, `${line}\n`);
      else if (curriculum.collecting) await curriculum.add(rank, line);
      else {
        curriculum.count(rank);
        await write(train, `${line}\n`);
      }
    }
    if (!inMemory) rmSync(path, { force: true });
  }
  await curriculum.writeSorted(train);
  await Promise.all([train, validation].map((s) => new Promise<void>((res, rej) => s.end((e?: Error | null) => (e ? rej(e) : res())))));

  const report: ExportReport = {
    settings,
    tokenizer: tok.name,
    read,
    exported: kept,
    splits: { train: kept - nVal, validation: nVal },
    dropped,
    tokens: { train: lengthStats(lengths.train), validation: lengthStats(lengths.validation), trainedTokens: lengthStats(lengths.trained) },
    curriculum: curriculum.summary(),
    tokenizedBy,
  };
  return {
    report,
    drops,
    split: (name) => ({ [Symbol.asyncIterator]: () => parsed(join(dir, `${name}.jsonl`)) }),
  };
}

/** A prepared sample's JSON line in a shuffle bucket, with what the split statistics and the curriculum need of it. */
interface BucketRow {
  line: string;
  tokens: number;
  trained: number;
  rank: number | undefined;
}

function bucketRow(line: string, row: PreparedSample): BucketRow {
  return { line, tokens: row.input_ids.length, trained: row.assistant_masks.reduce((a, v) => a + v, 0), rank: row.curriculum?.rank };
}

/**
 * The train split's curriculum ranks, and (when given a spill file) the curriculum sort: rows are
 * appended to the spill file in shuffled order while (rank, offset, length) is kept per row; then
 * `writeSorted` copies them out by ascending rank, ties in spill order (a stable sort), unranked last.
 */
class CurriculumIndex {
  private readonly ranks: number[] = [];
  private readonly offsets: number[] = [];
  private readonly sizes: number[] = [];
  private readonly byRank = new Map<number, number>();
  private unranked = 0;
  private bytes = 0;
  private readonly spill?: WriteStream;

  constructor(private readonly spillPath?: string) {
    if (spillPath) this.spill = createWriteStream(spillPath);
  }

  get collecting(): boolean {
    return this.spill !== undefined;
  }

  count(rank: number | undefined): void {
    if (rank === undefined) this.unranked++;
    else this.byRank.set(rank, (this.byRank.get(rank) ?? 0) + 1);
  }

  async add(rank: number | undefined, line: string): Promise<void> {
    this.count(rank);
    const buf = Buffer.from(`${line}\n`, 'utf8');
    this.ranks.push(rank ?? Number.POSITIVE_INFINITY);
    this.offsets.push(this.bytes);
    this.sizes.push(buf.length);
    this.bytes += buf.length;
    await write(this.spill!, buf);
  }

  async writeSorted(out: WriteStream): Promise<void> {
    if (!this.spill) return;
    await new Promise<void>((res, rej) => this.spill!.end((e?: Error | null) => (e ? rej(e) : res())));
    const r = this.ranks;
    const order = r.map((_, i) => i).sort((a, b) => (r[a]! < r[b]! ? -1 : r[a]! > r[b]! ? 1 : a - b));
    const fd = openSync(this.spillPath!, 'r');
    try {
      for (const i of order) {
        const buf = Buffer.allocUnsafe(this.sizes[i]!);
        readSync(fd, buf, 0, buf.length, this.offsets[i]!);
        await write(out, buf);
      }
    } finally {
      closeSync(fd);
      rmSync(this.spillPath!, { force: true });
    }
  }

  summary(): ExportReport['curriculum'] {
    const byRank: Record<string, number> = {};
    for (const rank of [...this.byRank.keys()].sort((a, b) => a - b)) byRank[String(rank)] = this.byRank.get(rank)!;
    return { ranked: Object.values(byRank).reduce((a, v) => a + v, 0), unranked: this.unranked, byRank };
  }
}

async function* parsed(path: string): AsyncGenerator<PreparedSample> {
  for await (const line of lines(path)) yield JSON.parse(line) as PreparedSample;
}

async function* lines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) if (line) yield line;
}

async function write(stream: WriteStream, text: string | Buffer): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}
