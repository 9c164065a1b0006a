import { z } from 'zod';
import { definePlugin, type Plugin } from '../plugin.js';
import { exportSettingsSchema, type ExportSettings, type PreparedSample } from './prepare.js';
import type { ExportContext } from '../hooks.js';
import { sharedPretokenizer } from './pretokenize.js';
import { writeExport, type FormatResult, type RowFileWriter } from './write.js';

/** What {@link defineExporter} takes. */
export interface ExporterDefinition<X extends z.ZodRawShape = Record<never, never>> {
  /** `exporter:<format>`. */
  name: string;
  description: string;
  /** Folder under the export directory and name in the dataset card (`messages`). */
  format: string;
  /** The dataset card's paragraph on the rows and where the loss mask lives. */
  rowDescription: string;
  /** Options beyond the shared export settings (exportSettingsSchema). */
  extraOptions?: X;
  /** One prepared sample to one row; may throw SampleExportError to drop the sample with a reason. */
  toRow(sample: PreparedSample): Record<string, unknown>;
  /** After the data files are written: extra files (e.g. LLaMA-Factory's dataset_info.json); push them onto `ctx.written`. */
  afterWrite?(result: FormatResult, ctx: ExportContext): Promise<void>;
  /** Data file extension and writer, from the options (default: `jsonl`, JSON Lines). */
  file?(options: ExportSettings & z.output<z.ZodObject<X>>): { extension: string; writeRows: RowFileWriter } | undefined;
}

/**
 * Declare an exporter plugin: options = the shared export settings (split, order, cut-off,
 * tokenizer, train-on) plus `extraOptions`; taps `hooks.export` and writes the format with
 * `writeExport` (train/validation files, dropped.jsonl, export.json, dataset card).
 * @returns the plugin
 */
export function defineExporter<X extends z.ZodRawShape = Record<never, never>>(def: ExporterDefinition<X>): Plugin {
  const options = def.extraOptions ? exportSettingsSchema.extend(def.extraOptions).strict() : exportSettingsSchema;
  return definePlugin({
    name: def.name,
    description: def.description,
    options,
    apply(ctx, o) {
      const opts = o as ExportSettings & z.output<z.ZodObject<X>>;
      const settings = Object.fromEntries(Object.entries(opts).filter(([k]) => !def.extraOptions || !(k in def.extraOptions))) as ExportSettings;
      const file = def.file?.(opts);
      // Kept samples are tokenized in a helper process while the run goes on, so the export after
      // the last LLM reply only reads the results (core/export/pretokenize.ts).
      const pretokenized = settings.pretokenizeFrom === false ? undefined : sharedPretokenizer(ctx, { tokenizer: settings.tokenizer, trainOn: settings.trainOn }, settings.pretokenizeFrom);
      ctx.hooks.export.tapPromise(async (exportCtx) => {
        const res = await writeExport(exportCtx, settings, { format: def.format, exporter: def.name, description: def.rowDescription, toRow: def.toRow, extension: file?.extension, writeRows: file?.writeRows, pretokenized, log: ctx.log });
        await def.afterWrite?.(res, exportCtx);
        ctx.log.info(`${res.rows.train} train, ${res.rows.validation} validation rows in ${res.dir}`);
      });
    },
  }) as unknown as Plugin;
}
