import { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, HookMap, SyncBailHook } from 'tapable';
import type { ChatMessage, CheckResult, SampleRecord, Seed, Stage } from './record.js';
import type { ChatProvider, ProviderOptions } from './llm/types.js';
import type { ExecutionRequest, ExecutionResult } from './exec/types.js';
import type { ChatTokenizer } from './export/chat-tokenizer.js';

/** What a record-level hook receives besides the record. */
export interface StageContext {
  stage: Stage;
  /** Aborted when the run is interrupted; long work should stop. */
  signal: AbortSignal;
  /** True under `--dry-run`: LLM clients return synthetic schema-valid replies and record prompts. */
  dryRun: boolean;
}

/** What a seed source is asked to read. */
export interface SeedQuery {
  /** Absolute path given by `--seeds` (file or directory); it exists. */
  path: string;
  isDirectory: boolean;
  /** Record a file or item that was passed over (binary, minified, too large, ...); counted in the funnel. */
  skip(path: string, reason: string): void;
}

/**
 * What a `select` tap receives besides the seed stream. The context is the tapping plugin's own:
 * `drop` and `report` are recorded under its name.
 */
export interface SelectContext {
  /** Aborted when the run is interrupted; a selector should stop reading. */
  signal: AbortSignal;
  /** True under `--dry-run` (LLM clients return synthetic replies). */
  dryRun: boolean;
  /**
   * This selector's own folder for state or large intermediate files, created on first use:
   * `<run dir>/selection/<plugin name with ':' as '-'>/`. Not emptied by core: the selection re-runs
   * on resume, so a selector overwrites what it keeps there.
   */
  dir(): string;
  /**
   * Record that `seed` is not selected: written to `selection/rejected.jsonl` as
   * `{ plugin, reason, category, seed }` and counted per category in the funnel's selection table.
   * Never drop a seed by just not yielding it: an unaccounted seed is reported as `unaccounted`.
   */
  drop(seed: Seed, reason: string, category?: string): void;
  /**
   * Figures for the selection summary (`selection.json`, run.json's `funnel.selection`), merged
   * into this selector's entry, e.g. `{ divergence: { before: 0.41, after: 0.03 } }`. Plain JSON.
   */
  report(values: Record<string, unknown>): void;
}

/** One code block to check, cut from a record's response by core's extractor. */
export interface CodeSample {
  /** Unique within a batch: `${recordId}#${blockIndex}`. */
  key: string;
  language: string;
  code: string;
  /** Dialect or variant where the sample says it (e.g. SQL `postgres`), else undefined. */
  dialect?: string;
}

/** What exporters receive once a run is finished (or from `instructsmith export`). */
export interface ExportContext {
  /** The run directory holding `samples.jsonl`, `rejected.jsonl`, `run.json`. */
  runDir: string;
  /** Where exporters write; created before the hook fires. */
  outDir: string;
  /** Streams the kept samples in order; call again for a second pass. Never loads all into memory. */
  samples(): AsyncIterable<SampleRecord>;
  /** The run's run.json content (resolved config, funnel, usage). */
  run: Record<string, unknown>;
  /** Exporters add every file they write, relative to outDir, for the summary. */
  written: string[];
  /**
   * The chat tokenizer for a spec (`qwen2.5`, a folder with tokenizer.json + tokenizer_config.json,
   * or undefined for the default), as the `tokenizer` hook resolves it.
   * @throws ConfigError when no tokenizer plugin knows the spec
   */
  tokenizer(spec?: string): ChatTokenizer;
}

/**
 * What `derivedSeeds` receives after a pass over seeds has finished: the run's records so far.
 * Streams read the run directory, so a resumed run sees exactly what an uninterrupted one would.
 */
export interface DerivedSeedQuery {
  /** 1 after the first pass over the `--seeds` input, 2 after the first derived pass, ... */
  phase: number;
  runDir: string;
  /**
   * Kept samples so far, in order. `from`: a `marks.kept` an earlier pass's query gave, to read only
   * the samples kept since (a strategy that keeps running totals need not re-read the population).
   */
  kept(from?: number): AsyncIterable<SampleRecord>;
  /** Rejected samples so far, in order; `from` as for `kept`, with `marks.rejected`. */
  rejected(from?: number): AsyncIterable<SampleRecord>;
  /**
   * Kept samples with their position, `from` as for `kept`: for an index of positions into the
   * population instead of the records in memory (sample parents, then `readKept` them).
   */
  keptEntries(from?: number): AsyncIterable<RecordEntry>;
  /** The kept samples at `positions` (from `keptEntries`), in the order asked. Throws when a position names no sample. */
  readKept(positions: readonly number[]): Promise<SampleRecord[]>;
  /** Where this query's view of the kept and rejected samples ends: opaque positions (byte offsets in a run directory) for `from`. */
  marks: { kept: number; rejected: number };
  /** Records made so far: kept plus rejected. */
  counts: { kept: number; rejected: number };
}

/** A kept sample and its position (opaque: a byte offset in samples.jsonl) for {@link DerivedSeedQuery.readKept}. */
export interface RecordEntry {
  record: SampleRecord;
  position: number;
}

/** What `runEnd` receives. */
export interface RunSummary {
  runDir: string;
  kept: number;
  rejected: number;
  funnel: Record<string, unknown>;
}

/** What `filter` taps receive besides the record. */
export interface FilterContext extends StageContext {
  /** 1 for the `--seeds` pass, 2+ for derived passes (backfeeding, generations). */
  phase: number;
  /** True while a resumed run replays records written before the interruption (filters rebuild their state; drops are already decided). */
  replay: boolean;
}

/** What trainer plugins receive after the exporters have written their files. */
export interface TrainContext {
  /** The export folder (one sub-folder per format). */
  exportDir: string;
  /** The run's run.json content. */
  run: Record<string, unknown>;
  /** Launch settings the user gave (`instructsmith export --gpus ...`); trainers validate what they read. */
  settings: Readonly<Record<string, unknown>>;
  /** Trainers add every file they write, relative to exportDir. */
  written: string[];
  /** Launch commands to print, one per trainer (`axolotl train axolotl/config.yaml`). */
  commands: string[];
}

/** What a judge judges: the instruction (before a response exists) or the response (after analyzers ran). */
export type JudgeSubject = 'instruction' | 'response';

/**
 * Create the hooks of one runner. Plugins tap them through their context, which supplies the name:
 * `ctx.hooks.judge.for('response').tapPromise(async (record, stage) => ...)`.
 * The object is frozen: plugins cannot add or replace hooks, only tap them. The lifecycle table in
 * ARCHITECTURE.md lists, per stage, the hook, the stage a record reaches and the plugin kind.
 */
export function createHooks() {
  const analyzerKeys = new Set<string>();
  const providerKeys = new Set<string>();
  const executorKeys = new Set<string>();
  const judgeKeys = new Set<string>();
  const hooks = {
    /** Once, after every plugin is applied and before the first seed is read. Series; may throw to refuse the run (e.g. a tool is missing). */
    runStart: new AsyncSeriesHook<[{ runDir: string; dryRun: boolean }]>(['run']),

    /** Keyed by provider name (`openai`): the factory that builds a provider for an endpoint. First tap wins. */
    provider: trackKeys(new HookMap(() => new SyncBailHook<[ProviderOptions], ChatProvider | undefined>(['options'])), providerKeys),

    /** Bail: the first tap that knows the tokenizer spec (a name, a folder, or undefined for the default) returns it; used by export. */
    tokenizer: new SyncBailHook<[string | undefined], ChatTokenizer | undefined>(['spec']),

    /** Bail: the first seed source that can read the `--seeds` path returns its seeds as an async iterable. Stage reached: `seeded`. */
    seedSource: new AsyncSeriesBailHook<[SeedQuery], AsyncIterable<Seed> | undefined>(['query']),

    /**
     * Waterfall over the seed stream, between `seedSource` and the first stage: each selector takes
     * the seeds the previous one let through (an async iterable, in order) and returns the seeds it
     * selects, in a deterministic order, recording every seed it leaves out with `ctx.drop`
     * (Infinity Instruct's data selection: dedup, heuristic rules, distribution matching, seed
     * choice). Buffering is allowed (distribution matching needs a global view); memory stays the
     * selector's responsibility. Re-run from the start on resume, so selectors must be deterministic
     * (LLM calls are answered by the cache). `instructsmith select` runs `seedSource` and `select` only.
     */
    select: new AsyncSeriesWaterfallHook<[AsyncIterable<Seed>, SelectContext]>(['seeds', 'ctx']),

    /** Waterfall: each strategy appends the instruction records it writes from this seed (made with `createRecord`); may drop them. Stage reached: `synthesized`. */
    synthesize: new AsyncSeriesWaterfallHook<[SampleRecord[], Seed, StageContext]>(['records', 'seed', 'ctx']),

    /**
     * Keyed by subject: `judge.for('instruction')` fires before a response exists (stage reached
     * `judged`), `judge.for('response')` after the response was written and the analyzers passed it
     * (stage reached `verified`). Series in tap order (the order plugins are listed); a judge records
     * its verdict with `ctx.verdict` or rejects with `ctx.drop`, and a dropped record skips the judges after it.
     */
    judge: trackKeys(new HookMap((_key: JudgeSubject) => new AsyncSeriesBailHook<[SampleRecord, StageContext], true | undefined>(['record', 'ctx'])), judgeKeys),

    /** Bail: the first responder returns the assistant turn(s) answering the record's instruction. Stage reached: `responded`. */
    respond: new AsyncSeriesBailHook<[SampleRecord, StageContext], ChatMessage[] | undefined>(['record', 'ctx']),

    /** Keyed by language: that language's analyzer checks a batch of code blocks, one result per sample in order. Part of stage `verified`. */
    analyze: trackKeys(new HookMap(() => new AsyncSeriesBailHook<[CodeSample[], StageContext], CheckResult[] | undefined>(['samples', 'ctx'])), analyzerKeys),

    /** Keyed by language: the first executor that handles the request runs it in a sandbox and returns the result (`ctx.execute`). */
    execute: trackKeys(new HookMap(() => new AsyncSeriesBailHook<[ExecutionRequest], ExecutionResult | undefined>(['request'])), executorKeys),

    /**
     * Series, in seed order, one record at a time, over every record that passed all earlier stages
     * (dedup, decontamination): a filter rejects with `ctx.drop`; a dropped record skips the filters
     * after it. Also fires with `replay: true` for the kept records a resumed run had already written,
     * so stateful filters rebuild exactly the state of an uninterrupted run. Stage reached: `filtered`.
     */
    filter: new AsyncSeriesBailHook<[SampleRecord, FilterContext], true | undefined>(['record', 'ctx']),

    /**
     * Bail: after a pass over seeds ends, the first plugin that returns seeds starts another pass
     * (e.g. backfeeding turns keyword combinations of the kept instructions into new seeds). The new
     * seeds flow through the same stages; fires again after that pass, until no plugin returns seeds.
     * Seeds must come out in a deterministic order (a resumed run replays them).
     */
    derivedSeeds: new AsyncSeriesBailHook<[DerivedSeedQuery], AsyncIterable<Seed> | undefined>(['query']),

    /**
     * Series: a record passed every stage and was written to `samples.jsonl` (stage `kept`). Side effects
     * only. The runner checkpoints right after these taps: an LLM call a tap starts is counted as sent
     * there, so start it on a later turn of the event loop (`setImmediate`), or a run killed before the
     * request left would count it again when the resumed run makes it.
     */
    kept: new AsyncSeriesHook<[SampleRecord]>(['record']),

    /** Series: a record was dropped and written to `rejected.jsonl`. Side effects only. */
    dropped: new AsyncSeriesHook<[SampleRecord]>(['record']),

    /** Parallel: each exporter writes its files from the kept samples. */
    export: new AsyncParallelHook<[ExportContext]>(['context']),

    /** Parallel, after `export`: each trainer plugin writes its launch config for the exported files. */
    train: new AsyncParallelHook<[TrainContext]>(['context']),

    /** Once, after run.json is final. Series; side effects only. */
    runEnd: new AsyncSeriesHook<[RunSummary]>(['summary']),
  };
  return Object.freeze(hooks);
}

export type Hooks = ReturnType<typeof createHooks>;

/** Languages that have at least one analyzer tapped, sorted. */
export function handledLanguages(hooks: Hooks): string[] {
  return keysInUse(hooks.analyze);
}

/** Languages that have at least one executor tapped, sorted. */
export function executableLanguages(hooks: Hooks): string[] {
  return keysInUse(hooks.execute);
}

/** Provider names that have a factory tapped, sorted. */
export function registeredProviders(hooks: Hooks): string[] {
  return keysInUse(hooks.provider);
}

const KEYS = Symbol('instructsmith.hookmap.keys');

// HookMap has no public way to list its keys; remember every key `for()` created a hook for.
function trackKeys<H>(map: HookMap<H>, keys: Set<string>): HookMap<H> {
  map.intercept({
    factory: (key, hook) => {
      keys.add(String(key));
      return hook;
    },
  });
  (map as unknown as Record<symbol, Set<string>>)[KEYS] = keys;
  return map;
}

function keysInUse<H extends { isUsed(): boolean }>(map: HookMap<H>): string[] {
  const keys = (map as unknown as Record<symbol, Set<string>>)[KEYS] ?? new Set<string>();
  return [...keys].filter((k) => map.get(k)?.isUsed()).sort();
}
