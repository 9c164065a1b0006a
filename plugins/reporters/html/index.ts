import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, definePlugin, z, type PluginCommand } from '../../../core/index.js';
import { DEFAULT_EMBED_CAP, type ModelPrice } from './data.js';
import { writeReport } from './report.js';

const price = z.object({ inputPerMTok: z.number().nonnegative(), outputPerMTok: z.number().nonnegative() }).strict();

const options = z
  .object({
    /** Write report.html at the end of every run; `false` leaves it to `instructsmith report`. */
    enabled: z.boolean().default(true),
    /** Records embedded in the page; the rest load from the run's files when asked. */
    embedCap: z.number().int().nonnegative().default(DEFAULT_EMBED_CAP),
    /** US dollars per million tokens, per model id, over the run's own `llm.prices`; without either the report shows tokens only. */
    prices: z.record(z.string(), price).default({}),
  })
  .strict();

/**
 * Prices for the report: the run's own `llm.prices` (run.json config; per million input and output
 * tokens), overridden per model by `given` (the plugin's `prices` option or `--prices`).
 */
export function reportPrices(runDir: string, given: Record<string, ModelPrice>): Record<string, ModelPrice> {
  const out: Record<string, ModelPrice> = {};
  try {
    const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { config?: { llm?: { prices?: Record<string, { input: number; output: number }> } } };
    for (const [m, p] of Object.entries(run.config?.llm?.prices ?? {})) out[m] = { inputPerMTok: p.input, outputPerMTok: p.output };
  } catch {
    // No readable run.json: the report itself says so when it reads the directory.
  }
  return { ...out, ...given };
}

/** `instructsmith report RUN_DIR`: write the run's HTML report. */
export const reportCommand: PluginCommand = {
  name: 'report',
  description: 'write a self-contained HTML report of a run directory (funnel, scores, usage, graph, sample browser)',
  arguments: [{ name: '<run-dir>', description: 'a run directory (the --out of `instructsmith run`)' }],
  options: [
    { flags: '-o, --out <file>', description: 'where to write the page (default: <run-dir>/report.html)' },
    { flags: '--embed <n>', description: 'records embedded in the page; more load from the run directory on request', default: String(DEFAULT_EMBED_CAP) },
    { flags: '--prices <json>', description: 'model prices, e.g. \'{"openai:gpt-4o-mini":{"inputPerMTok":0.15,"outputPerMTok":0.6}}\'' },
  ],
  examples: ['instructsmith report runs/demo-infinite-instruct', 'cd runs/demo-infinite-instruct && python3 -m http.server  # then open http://localhost:8000/report.html'],
  async run([runDir], flags, io) {
    const embedCap = Number(flags.embed);
    if (!Number.isInteger(embedCap) || embedCap < 0) throw new ConfigError(`--embed expects a whole number ≥ 0, got "${String(flags.embed)}"`, { code: 'USAGE', hint: 'e.g. --embed 5000' });
    let prices: Record<string, ModelPrice> = {};
    if (typeof flags.prices === 'string') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(flags.prices);
      } catch (err) {
        throw new ConfigError(`--prices is not JSON (${(err as Error).message})`, { code: 'USAGE', hint: '--prices \'{"MODEL":{"inputPerMTok":0.15,"outputPerMTok":0.6}}\'' });
      }
      const r = z.record(z.string(), price).safeParse(parsed);
      if (!r.success) throw new ConfigError(`--prices: expected {"provider:model": {"inputPerMTok": n, "outputPerMTok": n}}: ${r.error.issues[0]?.message}`, { code: 'USAGE' });
      prices = r.data;
    }
    const { path, data, bytes } = await writeReport(runDir!, { embedCap, prices: reportPrices(runDir!, prices), out: typeof flags.out === 'string' ? flags.out : undefined });
    io.out(`${summaryLine(data)}\nreport: ${path} (${(bytes / 1e6).toFixed(1)} MB)\n`);
  },
};

function summaryLine(data: Awaited<ReturnType<typeof writeReport>>['data']): string {
  const f = data.funnel;
  const embedded = data.samples.complete ? 'all embedded' : `${data.samples.embedded.length} embedded, the rest load from the run directory`;
  return `seeds ${f.seeds.read}, kept ${f.kept}, rejected ${f.rejected}; ${data.samples.total} records (${embedded})${data.sections.length ? `; sections: ${data.sections.map((s) => s.title).join(', ')}` : ''}`;
}

/**
 * reporter:html: at the end of a run, write RUN_DIR/report.html (see report.ts), and contribute the
 * `instructsmith report` command. Applied in every run (an implicit plugin); `reporter:html: { enabled: false }` turns it off.
 */
export default definePlugin({
  name: 'reporter:html',
  description: 'Writes report.html (funnel, judge scores, diagnostics, usage, knowledge graph, sample browser) at the end of a run',
  options,
  commands: [reportCommand],
  apply(ctx, opts) {
    if (!opts.enabled) return;
    ctx.hooks.runEnd.tapPromise(async (summary) => {
      const { path } = await writeReport(summary.runDir, { embedCap: opts.embedCap, prices: reportPrices(summary.runDir, opts.prices) });
      ctx.log.info(`report: ${path}`);
    });
  },
});
