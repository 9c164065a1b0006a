import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import type { ExportContext } from '../hooks.js';
import type { Logger } from '../plugin.js';
import { datasetCard } from './card.js';
import type { PretokenizedLookup } from './pretokenize.js';
import { prepareDataset, type ExportDrop, type ExportSettings, type PreparedSample } from './prepare.js';
import { SampleExportError } from './sample-error.js';

/** Writes one split's rows to `path`; returns when the file is complete. */
export type RowFileWriter = (path: string, rows: AsyncIterable<Record<string, unknown>>) => Promise<void>;

/** What an exporter plugin tells `writeExport`. */
export interface FormatSpec {
  /** Folder under the output directory and name in the card: `messages`, `sharegpt`, ... */
  format: string;
  /** Plugin name, e.g. `exporter:messages`. */
  exporter: string;
  /** Card paragraph describing the rows and where the loss mask lives. */
  description: string;
  /**
   * One prepared sample to one output row. May throw SampleExportError when the format cannot
   * represent the sample (e.g. ShareGPT needs alternating turns); the sample is then dropped and
   * counted under that reason.
   */
  toRow(sample: PreparedSample): Record<string, unknown>;
  /** Results tokenized during the run (core/export/pretokenize.ts); the export tokenizes what they lack. */
  pretokenized?: PretokenizedLookup;
  /** File extension of the data files, default `jsonl`. */
  extension?: string;
  /** Where the export's warnings go (its tokenizer helpers failing, the export then tokenizing alone); default nowhere. */
  log?: Logger;
  /** Row writer for that extension; default JSON Lines. */
  writeRows?: RowFileWriter;
}

/** What one exporter wrote. */
export interface FormatResult {
  dir: string;
  files: { train: string; validation?: string };
  rows: { train: number; validation: number };
  dropped: Record<string, number>;
}

/**
 * Write one export format into `ctx.outDir/<format>/`: `train.<ext>`, `validation.<ext>` (when the
 * split is not empty), `dropped.jsonl` (every sample not exported, with its reason), `export.json`
 * (the report: settings, counts, drops by reason, token statistics) and `README.md` (the dataset
 * card). Pushes each file, relative to `ctx.outDir`, onto `ctx.written`.
 * @throws what `prepareDataset` throws (bad run directory or tokenizer)
 */
export async function writeExport(ctx: ExportContext, settings: ExportSettings, spec: FormatSpec): Promise<FormatResult> {
  const prepared = await prepareDataset(ctx, settings, spec.pretokenized, spec.log);
  const dir = join(ctx.outDir, spec.format);
  await mkdir(dir, { recursive: true });
  const ext = spec.extension ?? 'jsonl';
  const writeRows = spec.writeRows ?? writeJsonl;
  const formatDrops: ExportDrop[] = [];
  const dropped: Record<string, number> = {};
  const rows = { train: 0, validation: 0 };
  const files: FormatResult['files'] = { train: `train.${ext}` };
  for (const split of ['train', 'validation'] as const) {
    if (split === 'validation' && prepared.report.splits.validation === 0) continue;
    const converted = async function* () {
      for await (const sample of prepared.split(split)) {
        try {
          const row = spec.toRow(sample);
          rows[split]++;
          yield row;
        } catch (err) {
          if (!(err instanceof SampleExportError)) throw err;
          formatDrops.push({ id: sample.id, index: 0, reason: err.reason, message: `${spec.format}: ${err.message}` });
          dropped[err.reason] = (dropped[err.reason] ?? 0) + 1;
        }
      }
    };
    await writeRows(join(dir, `${split}.${ext}`), converted());
    if (split === 'validation') files.validation = `validation.${ext}`;
  }
  const allDrops = [...prepared.drops, ...formatDrops];
  await writeFile(join(dir, 'dropped.jsonl'), allDrops.map((d) => JSON.stringify(d)).join('\n') + (allDrops.length ? '\n' : ''));
  const report = { ...prepared.report, format: spec.format, exporter: spec.exporter, rows, formatDropped: dropped, files };
  await writeFile(join(dir, 'export.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(
    join(dir, 'README.md'),
    datasetCard({ format: spec.format, exporter: spec.exporter, formatDescription: spec.description, files, report: prepared.report, formatDropped: dropped, run: ctx.run }),
  );
  for (const f of [files.train, files.validation, 'dropped.jsonl', 'export.json', 'README.md']) if (f) ctx.written.push(`${spec.format}/${f}`);
  return { dir, files, rows, dropped };
}

/** Write rows as JSON Lines (one object per line, UTF-8). */
export const writeJsonl: RowFileWriter = async (path, rows) => {
  const out = createWriteStream(path);
  for await (const row of rows) if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
};
