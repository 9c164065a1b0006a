import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHooks, type CodeSample, type ExportContext, type Hooks, type JudgeSubject, type StageContext } from '../hooks.js';
import { createLlmFactory } from '../llm/factory.js';
import { UsageMeter } from '../llm/usage.js';
import type { Logger, Plugin } from '../plugin.js';
import type { CheckResult, ChatMessage, SampleRecord, Seed, Stage } from '../record.js';
import { applyPlugins, validateOptions } from '../runner/host.js';
import { filterRecord } from '../runner/pipeline.js';
import { readRecords } from '../runner/store.js';
import { runExporters } from '../runner/runner.js';
import { createTemplateRenderer } from '../templates.js';
import { SelectionLedger, selectSeeds, type SelectionDrop, type SelectionSummary } from '../selection.js';
import { MockModel } from './mock-model.js';

/** A plugin with the options to apply it with (parsed by its own schema, so defaults apply). */
export type PluginWithOptions = Plugin | readonly [Plugin, unknown];

export interface HarnessOptions {
  /** The model behind `ctx.llm()`: model id `mock:test`. Default: a MockModel with no routes (schema-valid replies). */
  model?: MockModel;
  /**
   * Run directory handed to plugins (`ctx.run.dir`); default a new temporary folder, which
   * {@link PluginHarness.dispose} removes (a folder given here is left alone).
   */
  runDir?: string;
  /** Collects log lines; default silent. */
  log?: Logger;
  /** Template directories searched before templates/. */
  templates?: string[];
}

/** What a seed source produced for a path. */
export interface SeedRun {
  seeds: Seed[];
  skips: { path: string; reason: string }[];
  /** False when no seed source took the path. */
  handled: boolean;
}

/** What the selectors made of a list of seeds. */
export interface SelectRun {
  selected: Seed[];
  dropped: SelectionDrop[];
  summary: SelectionSummary;
  /** Each selector's reports by plugin name (`SelectContext.report`). */
  reports: Record<string, Record<string, unknown>>;
}

/**
 * Plugins applied to a fresh runner's hooks, exactly as a run applies them (validated options, a
 * plugin context each), with a mock model, and one method per lifecycle hook that fires it the way
 * the runner does. For unit tests of one plugin or a few together; PluginTester and runPreset go
 * through the whole runner.
 */
export interface PluginHarness {
  readonly hooks: Hooks;
  readonly model: MockModel;
  readonly runDir: string;
  /** `seedSource` for a path (file or folder), drained. */
  readSeeds(path: string): Promise<SeedRun>;
  /**
   * `select` over seeds (an array or a stream), drained as a run drains it: the seeds the selectors
   * let through, in order; every drop with its plugin, reason and category; the selection table
   * (per selector: in, out, dropped by category, unaccounted, reports). Selectors' folders
   * (`SelectContext.dir()`) are under `<runDir>/selection/`; `selection/rejected.jsonl` is written as in a run.
   */
  select(seeds: Iterable<Seed> | AsyncIterable<Seed>): Promise<SelectRun>;
  /** `synthesize` for one seed: the records the strategies wrote (stage `synthesized` unless dropped). */
  synthesize(seed: Seed): Promise<SampleRecord[]>;
  /** `judge.for(subject)` on a record (set to the stage it has there: `synthesized` or `responded`); returns it. */
  judge(record: SampleRecord, subject: JudgeSubject): Promise<SampleRecord>;
  /** `respond`: the assistant turns the responders return (undefined when none answered). */
  respond(record: SampleRecord): Promise<ChatMessage[] | undefined>;
  /** `analyze.for(language)` on a batch; one result per sample. @throws when no analyzer handles the language */
  analyze(language: string, samples: CodeSample[]): Promise<CheckResult[]>;
  /** `filter` on records in order (each dropped or at `kept` afterwards). */
  filter(records: readonly SampleRecord[], phase?: number): Promise<SampleRecord[]>;
  /**
   * `export` then `train` over records written as the run directory's samples.jsonl, with `run` as
   * the run.json content (default: the run directory's run.json, else `{ config: {} }`). Returns the
   * files written and the trainers' launch commands.
   */
  exportRecords(records: readonly SampleRecord[], options?: { outDir?: string; run?: Record<string, unknown>; trainSettings?: Record<string, unknown> }): Promise<{ written: string[]; commands: string[] }>;
  stage(stage: Stage): StageContext;
  /**
   * Remove the temporary run directory the harness made (nothing when `options.runDir` was given),
   * with everything plugins wrote there; safe to call twice. Call it in `afterEach`, or declare the
   * harness with `await using` (`Symbol.asyncDispose`).
   */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Apply `plugins` (in order) to fresh hooks with a mock model and return the harness.
 * @throws ConfigError for invalid options (naming the key path), or what a plugin's apply throws
 */
export async function createHarness(plugins: readonly PluginWithOptions[], options: HarnessOptions = {}): Promise<PluginHarness> {
  const hooks = createHooks();
  const model = options.model ?? new MockModel();
  const ownDir = options.runDir === undefined;
  const runDir = options.runDir ?? mkdtempSync(join(tmpdir(), 'instructsmith-test-'));
  const log = options.log ?? { info() {}, warn() {}, debug() {} };
  const entries = [model.plugin('mock'), ...plugins].map((p) => {
    const [plugin, raw] = Array.isArray(p) ? (p as readonly [Plugin, unknown]) : [p as Plugin, {}];
    return { plugin, options: validateOptions(plugin, raw ?? {}, `plugins.${plugin.name}`) };
  });
  const llm = createLlmFactory({ hooks, settings: { cacheDir: null, maxAttempts: 1 }, defaultModel: 'mock:test', meter: new UsageMeter() });
  await applyPlugins({ hooks, llm, templates: createTemplateRenderer(options.templates), log, run: { dir: runDir, dryRun: false, config: {} } }, entries);
  const signal = new AbortController().signal;
  const stage = (s: Stage): StageContext => ({ stage: s, signal, dryRun: false });
  const dispose = async () => {
    if (ownDir) rmSync(runDir, { recursive: true, force: true });
  };

  return {
    dispose,
    [Symbol.asyncDispose]: dispose,
    hooks,
    model,
    runDir,
    stage,
    async readSeeds(path) {
      const skips: SeedRun['skips'] = [];
      const source = await hooks.seedSource.promise({ path, isDirectory: statSync(path).isDirectory(), skip: (p, reason) => skips.push({ path: p, reason }) });
      if (!source) return { seeds: [], skips, handled: false };
      const seeds: Seed[] = [];
      for await (const s of source) seeds.push(s);
      return { seeds, skips, handled: true };
    },
    async select(seeds) {
      const ledger = new SelectionLedger(join(runDir, 'selection'), signal, false, true);
      const selected: Seed[] = [];
      try {
        const stream = (async function* () {
          yield* seeds;
        })();
        for await (const s of await selectSeeds(hooks.select, stream, ledger)) selected.push(s);
        ledger.finish();
      } finally {
        ledger.close();
      }
      const summary = ledger.summary();
      return { selected, dropped: ledger.drops, summary, reports: Object.fromEntries(summary.selectors.map((c) => [c.plugin, c.report])) };
    },
    async synthesize(seed) {
      const records = await hooks.synthesize.promise([], seed, stage('synthesized'));
      for (const r of records) if (!r.dropped) r.stage = 'synthesized';
      return records;
    },
    async judge(record, subject) {
      // As the runner: a record reaches a judge at the stage before the one the judge decides.
      if (!record.dropped) record.stage = subject === 'instruction' ? 'synthesized' : 'responded';
      const hook = hooks.judge.get(subject);
      if (hook?.isUsed()) await hook.promise(record, stage(subject === 'instruction' ? 'judged' : 'verified'));
      return record;
    },
    respond(record) {
      if (!record.dropped) record.stage = 'judged';
      return hooks.respond.promise(record, stage('responded'));
    },
    async analyze(language, samples) {
      const hook = hooks.analyze.get(language);
      const out = hook?.isUsed() ? await hook.promise(samples, stage('verified')) : undefined;
      if (!out) throw new Error(`no analyzer handles ${language}`);
      return out;
    },
    async filter(records, phase = 1) {
      const out: SampleRecord[] = [];
      for (const r of records) {
        if (!r.dropped) r.stage = 'verified';
        out.push(await filterRecord(r, hooks, { ...stage('filtered'), phase, replay: false }));
      }
      return out;
    },
    async exportRecords(records, opts = {}) {
      writeFileSync(join(runDir, 'samples.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''));
      const runJson = join(runDir, 'run.json');
      const run = opts.run ?? (existsSync(runJson) ? (JSON.parse(readFileSync(runJson, 'utf8')) as Record<string, unknown>) : { config: {} });
      let commands: string[] = [];
      const written = await runExporters(hooks, runDir, run, opts.outDir ?? join(runDir, 'export'), opts.trainSettings ?? {}, (c) => (commands = c));
      return { written, commands };
    },
  };
}

/** Read a JSONL file of records (samples.jsonl, rejected.jsonl) into an array. */
export async function readRecordFile(file: string): Promise<SampleRecord[]> {
  const out: SampleRecord[] = [];
  for await (const r of readRecords(file)) out.push(r);
  return out;
}

export type { ExportContext };
