import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { createHooks } from '../hooks.js';
import type { Logger } from '../plugin.js';
import { applyPlugins, createPluginApi, type PluginEntry } from '../runner/host.js';
import { createTemplateRenderer } from '../templates.js';
import { releasePrepared } from './prepare.js';
import { exportContextFor } from './run-dir.js';

/**
 * Export a finished run directory outside a run (`instructsmith export`): build an ExportContext
 * over `runDir`, apply the given exporter plugins (options already validated) to fresh hooks, fire
 * `hooks.export` once, and delete the temporary prepared data. Returns the files written, relative
 * to `outDir`.
 * @throws InputError for a missing or malformed run directory; ConfigError when no exporter is given
 */
export async function exportRunDir(opts: { runDir: string; outDir: string; exporters: readonly PluginEntry[]; log: Logger }): Promise<string[]> {
  if (opts.exporters.length === 0) throw new ConfigError('no exporter to run', { hint: 'pass --format messages|sharegpt|alpaca|tokenized or --trainer' });
  const outDir = resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const ctx = exportContextFor(opts.runDir, outDir);
  const hooks = createHooks();
  const api = createPluginApi({
    hooks,
    llm: () => {
      throw new ConfigError('exporters cannot call an LLM', { hint: 'do LLM work in the run, not at export' });
    },
    templates: createTemplateRenderer(),
    log: opts.log,
    run: { dir: ctx.runDir, dryRun: false, config: (ctx.run.config ?? {}) as Record<string, unknown> },
  });
  await applyPlugins(api, opts.exporters);
  try {
    await hooks.export.promise(ctx);
  } finally {
    releasePrepared(ctx);
  }
  return ctx.written;
}
