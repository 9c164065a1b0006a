import { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, HookMap, SyncBailHook } from 'tapable';
import type { ChatMessage, CheckResult, SampleRecord, Seed, Stage } from './record.js';
import type { ChatProvider, ProviderOptions } from './llm/types.js';
import type { ExecutionRequest, ExecutionResult } from './exec/types.js';

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
}

/**
 * What `derivedSeeds` receives after a pass over seeds has finished: the run's records so far.
 * Streams read the run directory, so a resumed run sees exactly what an uninterrupted one would.
 */
export interface DerivedSeedQuery {
  /** 1 after the first pass over the `--seeds` input, 2 after the first derived pass, ... */
  phase: number;
  runDir: string;
  /** Kept samples so far, in order. */
  kept(): AsyncIterable<SampleRecord>;
  /** Rejected samples so far, in order. */
  rejected(): AsyncIterable<SampleRecord>;
  /** Records made so far: kept plus rejected. */
  counts: { kept: number; rejected: number };
}

/** What `runEnd` receives. */
export interface RunSummary {
  runDir: string;
  kept: number;
  rejected: number;
  funnel: Record<string, unknown>;
}

/**
 * Create the hooks of one runner. Plugins tap them by their plugin name:
 * `hooks.judge.tapPromise('judge:quality', async (record, ctx) => ...)`.
 * The object is frozen: plugins cannot add or replace hooks, only tap them.
 */
export function createHooks() {
  const analyzerKeys = new Set<string>();
  const providerKeys = new Set<string>();
  const executorKeys = new Set<string>();
  const hooks = {
    /** Once, after every plugin is applied and before the first seed is read. Series; may throw to refuse the run (e.g. a tool is missing). */
    runStart: new AsyncSeriesHook<[{ runDir: string; dryRun: boolean }]>(['run']),

    /** Keyed by provider name (`openai`): the factory that builds a provider for an endpoint. First tap wins. */
    provider: trackKeys(new HookMap(() => new SyncBailHook<[ProviderOptions], ChatProvider | undefined>(['options'])), providerKeys),

    /** Bail: the first seed source that can read the `--seeds` path returns its seeds as an async iterable. */
    seedSource: new AsyncSeriesBailHook<[SeedQuery], AsyncIterable<Seed> | undefined>(['query']),

    /** Waterfall: each strategy appends the problem records it writes from this seed (stage `problem`). A strategy may add dropped records. */
    synthesize: new AsyncSeriesWaterfallHook<[SampleRecord[], Seed, StageContext]>(['records', 'seed', 'ctx']),

    /** Parallel: each judge pushes its verdict onto `record.scores`. The runner drops the record if any verdict fails. */
    judge: new AsyncParallelHook<[SampleRecord, StageContext]>(['record', 'ctx']),

    /** Bail: the first responder returns the assistant turn(s) answering the record's prompt. */
    respond: new AsyncSeriesBailHook<[SampleRecord, StageContext], ChatMessage[] | undefined>(['record', 'ctx']),

    /** Keyed by language: that language's analyzer checks a batch of code blocks, one result per sample in order. */
    analyze: trackKeys(new HookMap(() => new AsyncSeriesBailHook<[CodeSample[], StageContext], CheckResult[] | undefined>(['samples', 'ctx'])), analyzerKeys),

    /** Keyed by language: the first executor that handles the request runs it in a sandbox and returns the result. */
    execute: trackKeys(new HookMap(() => new AsyncSeriesBailHook<[ExecutionRequest], ExecutionResult | undefined>(['request'])), executorKeys),

    /**
     * Bail: after a pass over seeds ends, the first plugin that returns seeds starts another pass
     * (e.g. backfeeding turns keyword combinations of the kept problems into new seeds). The new
     * seeds flow through the same stages; fires again after that pass, until no plugin returns seeds.
     * Seeds must come out in a deterministic order (a resumed run replays them).
     */
    derivedSeeds: new AsyncSeriesBailHook<[DerivedSeedQuery], AsyncIterable<Seed> | undefined>(['query']),

    /** Series: a record passed every stage and was written to `samples.jsonl`. Side effects only. */
    kept: new AsyncSeriesHook<[SampleRecord]>(['record']),

    /** Series: a record was dropped and written to `rejected.jsonl`. Side effects only. */
    dropped: new AsyncSeriesHook<[SampleRecord]>(['record']),

    /** Parallel: each exporter writes its files from the kept samples. */
    export: new AsyncParallelHook<[ExportContext]>(['context']),

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
