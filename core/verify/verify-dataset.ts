import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { Hooks, StageContext } from '../hooks.js';
import { recordId, type SampleRecord } from '../record.js';
import { readDataset, type DatasetRow } from './dataset.js';
import { createVerifier, type VerifyOutcome, type VerifyPolicyInput, type VerifyStats } from './gate.js';

/** What `instructsmith verify` writes into `report.json`. */
export interface VerifyReport {
  input: string;
  outDir: string;
  records: number;
  kept: number;
  rejected: number;
  /** Records per input form. */
  formats: Record<string, number>;
  stats: VerifyStats;
  seconds: number;
  /** Records per second through the gate. */
  rate: number;
}

export interface VerifyDatasetOptions {
  input: string;
  outDir: string;
  /** Hooks with the analyzers applied. */
  hooks: Hooks;
  policy?: VerifyPolicyInput;
  /** Records in flight at once; more in flight fills analyzer batches better. Default 256 (our choice). */
  concurrency?: number;
  /** Language of code blocks whose fence names none, when the line has no `language` field. Default `unknown`. */
  language?: string;
  signal?: AbortSignal;
  /** Called every `progressEvery` records with the running counts. */
  onProgress?(done: number, kept: number, rejected: number): void;
}

/**
 * Run the static-verification gate over an existing dataset (OpenAI messages, ShareGPT or Alpaca
 * JSONL) and write `kept.jsonl`, `rejected.jsonl` and `report.json` into `outDir`.
 *
 * Each output line is the input object unchanged plus a `verify` field:
 * `{ line, language, passed, checks, reason? }` (checks as in the record, one per code block).
 * Order follows the input; at most `concurrency` records are held in memory.
 *
 * @throws InputError for a missing input or a malformed line (file:line); the gate's errors
 *   (no analyzer for a language under `unhandled: error`, a missing tool under `missingTool: error`).
 */
export async function verifyDataset(opts: VerifyDatasetOptions): Promise<VerifyReport> {
  const input = resolve(opts.input);
  const info = await stat(input).catch(() => undefined);
  if (!info?.isFile()) throw new InputError(input, undefined, 'no such file', { hint: 'pass a .jsonl (or .jsonl.gz) dataset' });
  const outDir = resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const verifier = createVerifier({ hooks: opts.hooks, policy: opts.policy });
  const ctx: StageContext = { stage: 'verified', signal: opts.signal ?? new AbortController().signal, dryRun: false };
  const kept = createWriteStream(join(outDir, 'kept.jsonl'));
  const rejected = createWriteStream(join(outDir, 'rejected.jsonl'));
  const window: Array<Promise<{ row: DatasetRow; language: string; outcome: VerifyOutcome }>> = [];
  const counts = { records: 0, kept: 0, rejected: 0 };
  const formats: Record<string, number> = {};
  const started = performance.now();
  const limit = opts.concurrency ?? 256;

  const emit = async (done: { row: DatasetRow; language: string; outcome: VerifyOutcome }) => {
    const { row, language, outcome } = done;
    const line = JSON.stringify({
      ...row.raw,
      verify: { line: row.line, language, passed: outcome.passed, checks: outcome.checks, ...(outcome.reason ? { reason: outcome.reason } : {}) },
    });
    counts[outcome.passed ? 'kept' : 'rejected']++;
    await write(outcome.passed ? kept : rejected, `${line}\n`);
    if (++counts.records % 500 === 0) opts.onProgress?.(counts.records, counts.kept, counts.rejected);
  };

  try {
    for await (const row of readDataset(input)) {
      opts.signal?.throwIfAborted();
      formats[row.format] = (formats[row.format] ?? 0) + 1;
      const language = row.language ?? opts.language ?? 'unknown';
      const record: SampleRecord = {
        id: recordId(language, row.messages),
        messages: row.messages,
        language,
        lineage: { seedId: '', source: `${input}#L${row.line}`, strategy: 'verify', parentIds: [], generation: 0 },
        scores: [],
        checks: [],
        usage: [],
        meta: {},
        stage: 'responded',
      };
      const pending = verifier.verify(record, ctx).then((outcome) => ({ row, language, outcome }));
      // Marked handled now; the error still surfaces when this record's turn to be written comes.
      pending.catch(() => undefined);
      window.push(pending);
      if (window.length >= limit) {
        verifier.flush(); // nothing more is sent until the oldest record is verified: no point waiting for company
        await emit(await window.shift()!);
      }
    }
    verifier.flush();
    while (window.length) await emit(await window.shift()!);
  } finally {
    // Settle what is in flight before closing, so no rejection goes unhandled.
    await Promise.allSettled(window);
    kept.end();
    rejected.end();
    await Promise.all([once(kept, 'close'), once(rejected, 'close')]);
  }
  const seconds = (performance.now() - started) / 1000;
  const report: VerifyReport = {
    input,
    outDir,
    records: counts.records,
    kept: counts.kept,
    rejected: counts.rejected,
    formats,
    stats: verifier.stats(),
    seconds: Number(seconds.toFixed(3)),
    rate: Number((counts.records / Math.max(seconds, 1e-9)).toFixed(1)),
  };
  await writeFile(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/**
 * The per-language table `instructsmith verify` prints: blocks checked, passed, failed, skipped,
 * records dropped, then the analyzer calls per language (batches, samples per batch, time), then
 * the most frequent drop rules.
 */
export function formatVerifyReport(report: VerifyReport, topRules = 10): string {
  const rows = Object.entries(report.stats.byLanguage).sort(([a], [b]) => a.localeCompare(b));
  const head = ['language', 'blocks', 'passed', 'failed', 'skipped', 'dropped records'];
  const body = rows.map(([l, s]) => [l, s.blocks, s.passed, s.failed, s.skipped, s.droppedRecords].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const lines = [
    `verified ${report.records} records in ${report.seconds.toFixed(1)} s (${report.rate} records/s): kept ${report.kept}, rejected ${report.rejected}` +
      (report.stats.noCode ? ` (${report.stats.noCode} without a code block)` : ''),
    '',
    fmt(head),
    ...body.map(fmt),
  ];
  const calls = Object.entries(report.stats.analyzers ?? {});
  if (calls.length) {
    lines.push('', 'analyzer calls:');
    for (const [l, c] of calls) {
      lines.push(`  ${l}: ${c.calls} analyzer calls, ${c.meanBatch} samples per call (max ${c.maxBatch}), ${(c.wallMs / 1000).toFixed(1)} s in the analyzer, ${(c.meanWaitMs / 1000).toFixed(2)} s mean wait for a batch`);
    }
  }
  const rules = Object.entries(report.stats.byRule).sort((a, b) => b[1] - a[1]).slice(0, topRules);
  if (rules.length) lines.push('', 'top drop rules:', ...rules.map(([r, n]) => `  ${String(n).padStart(6)}  ${r}`));
  lines.push('', `wrote ${join(report.outDir, 'kept.jsonl')}, rejected.jsonl, report.json`);
  return `${lines.join('\n')}\n`;
}
