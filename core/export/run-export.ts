import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { createHooks } from '../hooks.js';
import type { Logger } from '../plugin.js';
import { applyPlugins, type PluginEntry } from '../runner/host.js';
import { runExporters } from '../runner/runner.js';
import { createTemplateRenderer } from '../templates.js';
import { openRunDir } from './run-dir.js';

/**
 * Export a finished run directory outside a run (`instructsmith export`): build an ExportContext
 * over `runDir`, apply the given exporter and trainer plugins (options already validated) to fresh hooks, fire
 * `hooks.export` once, then `hooks.train`, and delete the temporary prepared data. Returns the files written, relative
 * to `outDir`.
 * @throws InputError for a missing or malformed run directory; ConfigError when no exporter is given
 */
export async function exportRunDir(opts: {
  runDir: string;
  outDir: string;
  exporters: readonly PluginEntry[];
  /** Trainer plugins (`trainer:*`): fired on `hooks.train` after the exporters. */
  trainers?: readonly PluginEntry[];
  /** Plugins every export needs (tokenizers), applied first. */
  implicit: readonly PluginEntry[];
  /** What `TrainContext.settings` holds (`--gpus`, `--micro-batch`, ...). */
  trainSettings?: Record<string, unknown>;
  /** Receives the trainers' launch commands. */
  onCommands?: (commands: string[]) => void;
  log: Logger;
}): Promise<string[]> {
  if (opts.exporters.length === 0) throw new ConfigError('no exporter to run', { hint: 'pass --format messages|sharegpt|alpaca|tokenized or --trainer' });
  const outDir = resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const rd = openRunDir(opts.runDir);
  const hooks = createHooks();
  const parts = {
    hooks,
    llm: () => {
      throw new ConfigError('exporters cannot call an LLM', { hint: 'do LLM work in the run, not at export' });
    },
    templates: createTemplateRenderer(),
    log: opts.log,
    run: { dir: rd.runDir, dryRun: false, config: (rd.run.config ?? {}) as Record<string, unknown> },
  };
  await applyPlugins(parts, [...opts.implicit, ...opts.exporters, ...(opts.trainers ?? [])]);
  return runExporters(hooks, rd.runDir, rd.run, outDir, opts.trainSettings ?? {}, opts.onCommands);
}

