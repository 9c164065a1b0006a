import { resolve } from 'node:path';
import type { ResolvedConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { createHooks } from '../hooks.js';
import type { DryRunEstimate, DryRunRequest } from '../llm/dry-run.js';
import { createLlmFactory } from '../llm/factory.js';
import { UsageMeter } from '../llm/usage.js';
import type { Logger, Plugin } from '../plugin.js';
import { createTemplateRenderer } from '../templates.js';
import { Funnel } from './funnel.js';
import { applyPlugins, resolvePlugins } from './host.js';
import { processSeed } from './pipeline.js';
import { llmSettings, openSeeds } from './runner.js';

export interface DryRunOptions {
  config: ResolvedConfig;
  builtins: readonly Plugin[];
  implicit: readonly Plugin[];
  log: Logger;
  /** Seeds pushed through the pipeline with synthetic replies to measure calls per seed (default 3). */
  sampleSeeds?: number;
}

export interface DryRunReport {
  seedsTotal: number;
  seedsSampled: number;
  skipped: Record<string, number>;
  /** Measured on the sampled seeds. */
  sample: DryRunEstimate;
  /** `sample` scaled by seedsTotal / seedsSampled. */
  projected: { calls: number; promptTokens: number; completionTokensMax: number };
  /** The first request each plugin made, rendered. */
  firstPrompts: DryRunRequest[];
}

/**
 * `--dry-run`: apply the plugins with LLM clients that make no request, push the first few seeds
 * through every stage with schema-valid synthetic replies (static verification is skipped), and
 * project calls and tokens to all seeds. Reads the seeds fully once to count them; writes nothing.
 */
export async function dryRun(options: DryRunOptions): Promise<DryRunReport> {
  const { config } = options;
  if (!config.seeds) throw new ConfigError('no seeds: pass --seeds PATH', { hint: 'e.g. --seeds ./src' });
  const hooks = createHooks();
  const runDir = resolve(config.out ?? 'runs/dry-run');
  const llm = createLlmFactory({ hooks, settings: { ...llmSettings(config, runDir), cacheDir: null }, baseUrl: config.baseUrl, defaultModel: config.model ?? 'openai:dry-run', dryRun: true, meter: new UsageMeter() });
  await applyPlugins({ hooks, llm, templates: createTemplateRenderer(config.templates), log: options.log, run: { dir: runDir, dryRun: true, config } }, await resolvePlugins(config.plugins, options.builtins, options.implicit));

  const wanted = options.sampleSeeds ?? 3;
  const funnel = new Funnel();
  let total = 0;
  let sampled = 0;
  const signal = new AbortController().signal;
  for await (const seed of await openSeeds(hooks, config.seeds, funnel)) {
    if (config.limit && total >= config.limit) break;
    total += 1;
    if (sampled < wanted) {
      sampled += 1;
      await processSeed(seed, { hooks, signal, dryRun: true });
    }
  }
  const log = llm.dryRunLog!;
  const sample = log.estimate();
  const scale = sampled ? total / sampled : 0;
  const seen = new Set<string>();
  const firstPrompts = log.requests().filter((r) => (seen.has(r.plugin) ? false : (seen.add(r.plugin), true)));
  return {
    seedsTotal: total,
    seedsSampled: sampled,
    skipped: funnel.snapshot().seeds.skipped,
    sample,
    projected: {
      calls: Math.round(sample.calls * scale),
      promptTokens: Math.round(sample.promptTokens * scale),
      completionTokensMax: Math.round(sample.completionTokensMax * scale),
    },
    firstPrompts,
  };
}

/** Human-readable dry-run report. */
export function formatDryRun(r: DryRunReport): string {
  const out: string[] = [];
  for (const p of r.firstPrompts) {
    out.push(`=== ${p.plugin} -> ${p.modelId}${p.schema ? ` (structured: ${p.schema})` : ''}, ~${p.promptTokens} prompt tokens`);
    for (const m of p.messages) out.push(`--- ${m.role}\n${m.content}`);
    out.push('');
  }
  const skipped = Object.entries(r.skipped).map(([k, v]) => `${k} ${v}`).join(', ');
  out.push(`seeds: ${r.seedsTotal}${skipped ? ` (skipped: ${skipped})` : ''}; measured on ${r.seedsSampled}: ${r.sample.calls} calls`);
  out.push(`estimate for all seeds: ~${r.projected.calls} LLM calls, ~${r.projected.promptTokens} prompt tokens, <= ${r.projected.completionTokensMax} completion tokens`);
  out.push(`(${r.sample.method}; judges are assumed to pass, so this is an upper bound)`);
  return `${out.join('\n')}\n`;
}
