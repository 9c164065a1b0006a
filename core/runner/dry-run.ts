import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { createHooks, type Hooks } from '../hooks.js';
import type { DryRunEstimate, DryRunRequest } from '../llm/dry-run.js';
import { createLlmFactory } from '../llm/factory.js';
import { UsageMeter } from '../llm/usage.js';
import type { Logger, Plugin } from '../plugin.js';
import { dropRecord, type SampleRecord, type Seed } from '../record.js';
import { createTemplateRenderer } from '../templates.js';
import { ALL_PASS, choosePassRates, measuredReplyTokens, PassQuota, RATE_STAGES, type PassRates, type PassRateSource, type RateStage } from './dry-run-rates.js';
import { memoryDerivedQuery } from './derived-query.js';
import { Funnel, type StageCount } from './funnel.js';
import { applyPlugins, resolvePlugins } from './host.js';
import { processSeed } from './pipeline.js';
import { llmSettings, openSelected } from './runner.js';
import { SelectionLedger } from '../selection.js';

export type { PassRates, PassRateSource } from './dry-run-rates.js';

export interface DryRunOptions {
  config: ResolvedConfig;
  builtins: readonly Plugin[];
  implicit: readonly Plugin[];
  log: Logger;
  /**
   * Seeds of the input pushed through the pipeline; the rest are counted and the estimate scaled by
   * seedsTotal / seedsSampled. Default 2000 (our choice: a few seconds; synthetic replies cost no call).
   */
  sampleSeeds?: number;
  /** Pass rates to assume per stage (0..1); default: see choosePassRates. */
  passRates?: Partial<PassRates>;
}

/** Calls and tokens for all seeds (the sample scaled up). */
export interface DryRunProjection {
  calls: number;
  promptTokens: number;
  /** Chars/4 of the synthetic replies; an estimate only when reply lengths were measured (`passRates.replyTokens`). */
  completionTokens: number;
  /** Sum of maxTokens: an upper bound on completion tokens (calls without maxTokens not included). */
  completionTokensMax: number;
  byPlugin: Record<string, number>;
}

export interface DryRunReport {
  seedsTotal: number;
  seedsSampled: number;
  /** Seeds made by derived passes (e.g. backfeeding's) from the sampled seeds' records. */
  derivedSeeds: number;
  skipped: Record<string, number>;
  /** Where the pass rates behind `projected` come from. */
  passRates: PassRateSource;
  /** Records in and out of each stage in the simulation (sampled seeds, not scaled). */
  stages: Record<RateStage, StageCount>;
  /** Measured on the sampled seeds and the derived seeds, with `passRates`. */
  sample: DryRunEstimate;
  /** `sample` scaled by seedsTotal / seedsSampled: the headline estimate. */
  projected: DryRunProjection;
  /** The same with every record passing every stage; present when some pass rate is below 1. */
  upperBound?: DryRunProjection;
  /** The first request each plugin made, rendered. */
  firstPrompts: DryRunRequest[];
}

const NAME = 'dry-run';
const DEFAULT_SAMPLE_SEEDS = 2000;

/**
 * `--dry-run`: apply the plugins with LLM clients that make no request, push the seeds (the first
 * `sampleSeeds`) through every stage and every derived pass with synthetic replies that satisfy each
 * schema's constraints, and project calls and tokens to all seeds. Writes nothing to the run
 * directory (derived passes get a scratch directory, removed afterwards).
 *
 * Offline, judges' verdicts and verification outcomes are unknown: synthetic replies pass every
 * judge, and static verification is not run (synthetic code says nothing about real code; it costs no
 * LLM call). So the dry run drops records at each stage in the proportion `passRates` gives
 * (deterministically, see PassQuota): measured ones from an earlier run of this configuration in
 * `config.out` when there is one (e.g. a `--limit N` pilot), else all-pass, which makes the call
 * estimate an upper bound. That run also gives each plugin's mean reply length, which synthetic
 * replies then match (replies feed later prompts); without it they are as short as their schemas
 * allow and the token figures run low. With measured rates the report also gives the all-pass bound.
 * @throws ConfigError without seeds; whatever the plugins throw when applied.
 */
export async function dryRun(options: DryRunOptions): Promise<DryRunReport> {
  if (!options.config.seeds) throw new ConfigError('no seeds: pass --seeds PATH', { hint: 'e.g. --seeds ./src' });
  const passRates = choosePassRates(options.config, options.passRates);
  if (passRates.from === 'measured') passRates.replyTokens = await measuredReplyTokens(dirname(passRates.file!));
  const main = await simulate(options, passRates.rates, passRates.replyTokens);
  const scale = main.sampled ? main.total / main.sampled : 0;
  const allPass = RATE_STAGES.every((s) => passRates.rates[s] >= 1);
  const upper = allPass ? undefined : await simulate(options, ALL_PASS, passRates.replyTokens);
  const sample = main.log.estimate();
  const seen = new Set<string>();
  const firstPrompts = main.log.requests().filter((r) => (seen.has(r.plugin) ? false : (seen.add(r.plugin), true)));
  return {
    seedsTotal: main.total,
    seedsSampled: main.sampled,
    derivedSeeds: main.derived,
    skipped: main.funnel.snapshot().seeds.skipped,
    passRates,
    stages: main.funnel.snapshot().stages,
    sample,
    projected: project(sample, scale),
    ...(upper ? { upperBound: project(upper.log.estimate(), scale) } : {}),
    firstPrompts,
  };
}

interface Simulation {
  log: NonNullable<ReturnType<typeof createLlmFactory>['dryRunLog']>;
  total: number;
  sampled: number;
  derived: number;
  funnel: Funnel;
}

/** One dry pass over the input and every derived pass, dropping records as `rates` say. */
async function simulate(options: DryRunOptions, rates: PassRates, replyTokens?: Record<string, number>): Promise<Simulation> {
  const { config } = options;
  const hooks = createHooks();
  const runDir = resolve(config.out ?? 'runs/dry-run');
  const llm = createLlmFactory({ hooks, settings: { ...llmSettings(config, runDir), cacheDir: null }, baseUrl: config.baseUrl, defaultModel: config.model ?? 'openai:dry-run', dryRun: true, meter: new UsageMeter() });
  if (replyTokens) llm.dryRunLog!.expectReplies(replyTokens);
  await applyPlugins({ hooks, llm, templates: createTemplateRenderer(config.templates), log: options.log, run: { dir: runDir, dryRun: true, config } }, await resolvePlugins(config.plugins, options.builtins, options.implicit));
  const settle = thinStages(hooks, rates);

  const wanted = options.sampleSeeds ?? DEFAULT_SAMPLE_SEEDS;
  const funnel = new Funnel();
  const kept: SampleRecord[] = [];
  const rejected: SampleRecord[] = [];
  const deps = { hooks, signal: new AbortController().signal, dryRun: true };
  const run = async (seed: Seed) => {
    const records = settle(await processSeed(seed, deps));
    funnel.add(records);
    for (const r of records) (r.dropped ? rejected : kept).push(r);
  };
  let total = 0;
  let sampled = 0;
  // Selectors may keep state on disk (dedup's shingle store): a scratch folder, nothing in the run directory.
  const selectionDir = hooks.select.isUsed() ? mkdtempSync(join(tmpdir(), 'instructsmith-dry-run-selection-')) : undefined;
  const selection = selectionDir ? new SelectionLedger(selectionDir, deps.signal, true, false) : undefined;
  if (selection) funnel.attachSelection(() => selection.summary());
  try {
    for await (const seed of await openSelected(hooks, config.seeds!, funnel, selection)) {
      if (config.limit && total >= config.limit) break;
      total += 1;
      if (sampled < wanted) {
        sampled += 1;
        await run(seed);
      }
    }
  } finally {
    selection?.close();
    if (selectionDir) rmSync(selectionDir, { recursive: true, force: true });
  }
  let derived = 0;
  const scratch = mkdtempSync(join(tmpdir(), 'instructsmith-dry-run-'));
  try {
    for (let phase = 1; ; phase++) {
      const query = memoryDerivedQuery(phase, scratch, kept, rejected);
      const source = await hooks.derivedSeeds.promise(query);
      if (!source) break;
      for await (const seed of source) {
        derived += 1;
        await run(seed);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { log: llm.dryRunLog!, total, sampled, derived, funnel };
}

/**
 * Make records drop in the proportions `rates` gives. `problem` and `judged` act inside the
 * pipeline (a last synthesize tap; a judge tap adding a failing verdict), so the calls after them are
 * not made, as in a real run; `answered` and `verified` act on the returned records, which is the
 * same for counting calls: their drops happen after the stage's calls, and nothing later calls a model.
 * Returns the function that applies the last two.
 */
function thinStages(hooks: Hooks, rates: PassRates): (records: SampleRecord[]) => SampleRecord[] {
  const quota = Object.fromEntries(RATE_STAGES.map((s) => [s, new PassQuota(rates[s])])) as Record<RateStage, PassQuota>;
  const reason = (stage: RateStage) => `dry run: assumed drop (pass rate ${round(rates[stage])} at stage ${stage})`;
  if (rates.synthesized < 1) {
    hooks.synthesize.tapPromise(NAME, async (records) => records.map((r) => (r.dropped || quota.synthesized.next() ? r : dropRecord(r, 'synthesized', NAME, reason('synthesized'), 'assumed_drop'))));
  }
  // Only when a judge is configured: without one the pipeline has no judge stage to thin.
  const judges = hooks.judge.get('instruction');
  if (rates.judged < 1 && judges?.isUsed()) {
    judges.tapPromise(NAME, async (record) => {
      if (record.dropped || quota.judged.next()) return undefined;
      dropRecord(record, 'judged', NAME, reason('judged'), 'assumed_drop');
      return true;
    });
  }
  return (records) =>
    records.map((r) => {
      if (r.dropped) return r;
      if (!quota.responded.next()) return dropRecord(r, 'responded', NAME, reason('responded'), 'assumed_drop');
      if (!quota.verified.next()) return dropRecord(r, 'verified', NAME, reason('verified'), 'assumed_drop');
      if (!quota.filtered.next()) return dropRecord(r, 'filtered', NAME, reason('filtered'), 'assumed_drop');
      return r;
    });
}

function project(e: DryRunEstimate, scale: number): DryRunProjection {
  return {
    calls: Math.round(e.calls * scale),
    promptTokens: Math.round(e.promptTokens * scale),
    completionTokens: Math.round(e.completionTokens * scale),
    completionTokensMax: Math.round(e.completionTokensMax * scale),
    byPlugin: Object.fromEntries(Object.entries(e.byPlugin).map(([p, v]) => [p, Math.round(v.calls * scale)])),
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
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
  const derived = r.derivedSeeds ? ` and ${r.derivedSeeds} derived seeds` : '';
  out.push(`seeds: ${r.seedsTotal}${skipped ? ` (skipped: ${skipped})` : ''}; simulated ${r.seedsSampled}${derived} with synthetic replies: ${r.sample.calls} calls`);
  out.push(`records through each stage: ${RATE_STAGES.map((s) => `${s} ${r.stages[s].in} -> ${r.stages[s].out}`).join(', ')}`);
  const rates = RATE_STAGES.map((s) => `${s} ${round(r.passRates.rates[s])}`).join(', ');
  const pr = r.passRates;
  if (pr.from === 'measured') out.push(`pass rates measured by the earlier run in ${pr.file} (${pr.records} records): ${rates}`);
  else if (pr.from === 'given') out.push(`pass rates given: ${rates}`);
  else {
    out.push(`pass rates unknown, so every record is assumed to pass every judge and verification: the call estimate is an upper bound${pr.note ? ` (${pr.note})` : ''}`);
    out.push('  reply lengths are unknown too: synthetic replies are as short as their schemas allow, so token figures run low');
    out.push('  for a closer estimate, run a pilot with the same options plus --limit N (e.g. 40) --out DIR, then --dry-run --out DIR: it uses the pilot\'s pass rates and reply lengths');
  }
  const byPlugin = (p: DryRunProjection) => Object.entries(p.byPlugin).map(([k, v]) => `${k} ${v}`).join(', ');
  const completion = pr.replyTokens ? `~${r.projected.completionTokens} completion tokens (reply lengths measured by the same run)` : `<= ${r.projected.completionTokensMax} completion tokens`;
  out.push(`estimate for all seeds: ~${r.projected.calls} LLM calls (${byPlugin(r.projected)}), ~${r.projected.promptTokens} prompt tokens, ${completion}`);
  if (r.upperBound) out.push(`upper bound (every record passes): ~${r.upperBound.calls} LLM calls (${byPlugin(r.upperBound)}), ~${r.upperBound.promptTokens} prompt tokens`);
  out.push(`(${r.sample.method}; static verification is not run on synthetic code)`);
  return `${out.join('\n')}\n`;
}
