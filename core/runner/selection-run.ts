import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/schema.js';
import { ConfigError, redactConfigSecrets } from '../errors.js';
import type { UsageTotals } from '../llm/types.js';
import type { Logger, Plugin } from '../plugin.js';
import type { Seed } from '../record.js';
import { SelectionLedger, type SelectionSummary } from '../selection.js';
import { startPlugins } from './host.js';
import { reportsJson } from '../context.js';
import { withRunDirLock } from './run-dir.js';
import { Funnel } from './funnel.js';
import { llmSettings, openSelected } from './runner.js';

export interface SelectionRunOptions {
  config: ResolvedConfig;
  builtins: readonly Plugin[];
  implicit?: readonly Plugin[];
  log: Logger;
  signal?: AbortSignal;
}

export interface SelectionRunResult {
  outDir: string;
  summary: SelectionSummary;
  /** Items the seed source passed over, by reason. */
  skipped: Record<string, number>;
  /** Per model. */
  usage: Record<string, UsageTotals>;
  /** `selected.jsonl`, `rejected.jsonl`, `selection.json` (absolute paths). */
  files: string[];
  /** True when a signal stopped the selection (the files hold what was selected until then). */
  interrupted: boolean;
}

/** Write the selected-file buffer at this many characters (our choice). */
const FLUSH_CHARS = 1 << 16;

/**
 * `instructsmith select`: the seed source and the selectors of a configuration, without synthesis
 * (Infinity Instruct's Phase 1 as a curation tool). Writes to `config.out`:
 * - `selected.jsonl`: one line per selected seed, `{ id, messages, label?, language, source }`
 *   (OpenAI messages form; a code seed becomes one user turn holding its code), in selection order;
 * - `rejected.jsonl`: `{ plugin, reason, category, seed }` per seed a selector left out;
 * - `selection.json`: the selection table, the source's skips, token usage, the resolved config (secrets redacted).
 * The LLM request cache (`<out>/cache` unless configured) answers a rerun's calls; a rerun rewrites the files.
 * @throws ConfigError when no selector is configured or the directory is locked by another process;
 *   InputError for unreadable seeds; LlmError (fatal kinds) as a run does
 */
export async function runSelection(options: SelectionRunOptions): Promise<SelectionRunResult> {
  const { config, log } = options;
  if (!config.out) throw new ConfigError('no output directory: pass --out DIR', { hint: 'e.g. --out selected/' });
  if (!config.seeds) throw new ConfigError('no pool: pass --pool PATH (a JSONL, JSONL.gz or Parquet file, or a folder of them)', { hint: 'e.g. --pool data/pool.jsonl' });
  const outDir = resolve(config.out);
  const pool = config.seeds;
  mkdirSync(outDir, { recursive: true });
  return withRunDirLock(outDir, async () => {
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort(options.signal?.reason), { once: true });
    const { hooks, meter, reports } = await startPlugins({ config, dir: outDir, builtins: options.builtins, implicit: options.implicit, log, settings: llmSettings(config, outDir), signal: controller.signal });
    if (!hooks.select.isUsed()) {
      throw new ConfigError('no selector plugin is configured, so nothing would be selected', {
        code: 'CONFIG_NO_SELECTOR',
        hint: 'pass --preset infinity-select, or name selectors under `plugins`, e.g. selector:dedup: {}',
      });
    }
    const funnel = new Funnel();
    // The ledger writes rejected.jsonl straight into the output folder.
    const ledger = new SelectionLedger(outDir, controller.signal, false, false);
    const selectedPath = join(outDir, 'selected.jsonl');
    const partial = `${selectedPath}.partial`;
    const fd = openSync(partial, 'w');
    let buffer = '';
    try {
      let n = 0;
      for await (const seed of await openSelected(hooks, pool, funnel, ledger)) {
        if (controller.signal.aborted) break;
        n += 1;
        buffer += `${JSON.stringify(selectedLine(seed))}\n`;
        if (buffer.length >= FLUSH_CHARS) {
          writeSync(fd, buffer);
          buffer = '';
        }
        // Stop before pulling another seed: the selectors do no work past the limit.
        if (config.limit !== undefined && n >= config.limit) break;
      }
      writeSync(fd, buffer);
    } finally {
      closeSync(fd);
      ledger.close();
    }
    renameSync(partial, selectedPath);
    const summary = ledger.summary();
    const usage = meter.byModel();
    const skipped = funnel.snapshot().seeds.skipped;
    const selectionJson = join(outDir, 'selection.json');
    const interrupted = controller.signal.aborted;
    writeFileSync(selectionJson, `${JSON.stringify({ status: interrupted ? 'interrupted' : summary.complete ? 'complete' : 'limited', pool: config.seeds, selection: summary, skipped, usage, ...reportsJson(reports), config: redactConfigSecrets(config) }, null, 2)}\n`);
    return { outDir, summary, skipped, usage, files: [selectedPath, join(outDir, 'rejected.jsonl'), selectionJson], interrupted };
  });
}

function selectedLine(seed: Seed): Record<string, unknown> {
  const src = seed.source;
  return {
    id: seed.id,
    messages: seed.messages ?? [{ role: 'user', content: seed.code }],
    ...(seed.label ? { label: seed.label } : {}),
    language: seed.language,
    source: src.line ? `${src.path}:${src.line}` : src.path,
  };
}

/** The selection table as printed after `instructsmith select` and in the run summary. */
export function formatSelection(summary: SelectionSummary): string[] {
  const lines = [`  selection       read ${summary.read}, selected ${summary.selected}${summary.complete ? '' : ' (incomplete)'}`];
  for (const s of summary.selectors) {
    const drops = Object.entries(s.dropped).map(([k, v]) => `${k} ${v}`).join(', ');
    const lost = s.unaccounted ? `   UNACCOUNTED ${s.unaccounted}` : '';
    lines.push(`    ${s.plugin.padEnd(22)} in ${String(s.in).padStart(8)}  out ${String(s.out).padStart(8)}${drops ? `   dropped: ${drops}` : ''}${lost}`);
  }
  return lines;
}
