import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/schema.js';
import { ConfigError, InputError, redactConfigSecrets, redactSecrets } from '../errors.js';
import { tokenizerResolver } from '../export/tokenizer-resolver.js';
import { handledLanguages, type DerivedSeedQuery, type ExportContext, type Hooks } from '../hooks.js';
import { runCost, type RunCost } from '../llm/cost.js';
import type { LlmSettings, UsageTotals } from '../llm/types.js';
import type { Logger, Plugin } from '../plugin.js';
import { contentId, type SampleRecord, type Seed } from '../record.js';
import { createVerifier, type VerifyStats } from '../verify/gate.js';
import { releasePrepared } from '../export/prepare.js';
import { SelectionLedger, selectSeeds } from '../selection.js';
import { reportsJson } from '../context.js';
import { Funnel, type FunnelCounts } from './funnel.js';
import { startPlugins } from './host.js';
import { mapOrdered } from './ordered.js';
import { filterRecord, processSeed, type PipelineDeps } from './pipeline.js';
import { checkStartup, isResume, openRunData, readPreviousRun, withRunDirLock } from './run-dir.js';
import { fileDerivedQuery } from './derived-query.js';
import { readRecords, RunStore, type Checkpoint, type FilePosition } from './store.js';
import type { SeedProcessor, SeedProcessorFactory } from './seed-processor.js';
import { UsageTally } from './usage-tally.js';

export interface RunOptions {
  config: ResolvedConfig;
  /** Every plugin that can be named in `plugins` (the CLI passes the built-ins). */
  builtins: readonly Plugin[];
  /** Plugins applied even when the config does not name them (providers, seed sources). */
  implicit: readonly Plugin[];
  log: Logger;
  /** Called after every seed is written (and once at the end); for progress displays. */
  onProgress?: (progress: RunProgress) => void;
  /** Aborting stops reading seeds; finished seeds are checkpointed and the run can be resumed. */
  signal?: AbortSignal;
  /** Where seeds are processed; unset: in this process (`processSeed`). The CLI's `run --queue` gives workers. */
  seedProcessor?: SeedProcessorFactory;
}

export interface RunProgress {
  phase: number;
  seedsDone: number;
  /** Seeds in the current pass once counted (counted in the background); undefined until then. */
  seedsTotal?: number;
  funnel: FunnelCounts;
  /** LLM usage of this process (cached replies counted separately). */
  usage: Record<string, UsageTotals>;
  /** This process's cost at `llm.prices`; undefined when no prices are configured. */
  cost?: RunCost;
  elapsedMs: number;
}

export interface RunResult {
  runDir: string;
  status: 'complete' | 'interrupted';
  /** True when the run continued from a checkpoint. */
  resumed: boolean;
  /** True when run.json already said complete and nothing was done. */
  alreadyComplete: boolean;
  funnel: FunnelCounts;
  usage: Record<string, UsageTotals>;
  exported: string[];
  /** The verify gate's counts and analyzer calls in this process (absent when no analyzer ran). */
  verify?: VerifyStats;
}

/** Config keys that do not change the data a run produces; they are left out of the resume check. */
const THROUGHPUT_KEYS = ['out', 'limit', 'concurrency', 'maxConcurrency', 'llm', 'cache', 'baseUrl'] as const;
/**
 * Unless `maxConcurrency` is set, seeds in flight may grow to this many times `llm.concurrency` while
 * the LLM limiter wants work (a free slot, or a short backlog: `EndpointLimiter.wantsWork`)
 * (a seed spends much of its time off the LLM: in verification, in the sandbox, between calls), and
 * twice that may be held with the reorder buffer. Our choice: bounds memory to a few hundred seeds at
 * the default settings while leaving room to keep every call slot busy.
 */
const SEEDS_PER_CALL_SLOT = 4;
/** Checkpoint at most this often (ms); correctness does not depend on it, only the work redone after a kill. */
const CHECKPOINT_INTERVAL_MS = 500;

/**
 * Run a pipeline end to end (DESIGN.md, "Runs"): apply the plugins, stream seeds through
 * synthesize → judge → respond → verify with at least `config.concurrency` seeds in flight (more while
 * the LLM limiter wants work: see SEEDS_PER_CALL_SLOT), write kept and
 * rejected records in seed order, checkpoint, then run derived passes (`hooks.derivedSeeds`) and the
 * exporters, and write run.json.
 *
 * Resume: when `config.out` holds a checkpoint of the same configuration, the run continues after the
 * last fully written seed; records of a half-written seed are cut off and the seed is redone, its LLM
 * calls answered by the request cache. The final files equal an uninterrupted run's.
 * @throws ConfigError (bad config, another run's directory), InputError (seeds), LlmError with a fatal
 *   kind (unreachable endpoint, rejected key), ToolMissingError; finished seeds stay written either way.
 */
export async function runPipeline(options: RunOptions): Promise<RunResult> {
  if (!options.config.out) throw new ConfigError('no run directory: pass --out DIR or set `out`', { hint: 'e.g. --out runs/my-run' });
  const runDir = resolve(options.config.out);
  return withRunDirLock(runDir, () => runInLockedDir(options, runDir));
}

/** runPipeline holding `runDir`'s lock (run-dir.ts). */
async function runInLockedDir(options: RunOptions, runDir: string): Promise<RunResult> {
  const { config, log } = options;
  if (!config.seeds) throw new ConfigError('no seeds: pass --seeds PATH (a directory of code or a JSONL file) or set `seeds`', { hint: 'e.g. --seeds ./src' });
  const store = new RunStore(runDir);
  const hash = configHash(config);
  const { checkpoint, previous } = readPreviousRun(store, hash, config.limit);
  if (previous?.status === 'complete') {
    log.info(`${runDir}: run already complete; nothing to do`);
    return { runDir, status: 'complete', resumed: false, alreadyComplete: true, funnel: previous.funnel, usage: previous.usage ?? {}, exported: previous.exported ?? [] };
  }
  store.check(checkpoint); // refuse a damaged directory, unchanged, before any plugin runs
  const resumed = isResume(checkpoint);

  const started = Date.now();
  const controller = new AbortController();
  const { hooks, llm, meter, reports } = await startPlugins({ config, dir: runDir, builtins: options.builtins, implicit: options.implicit, log, settings: llmSettings(config, runDir), signal: controller.signal, batchStateFile: join(runDir, 'state', 'batches.jsonl') });
  if (!hooks.synthesize.isUsed()) {
    throw new ConfigError('no strategy plugin is configured, so no instruction could be written from any seed', {
      code: 'CONFIG_NO_STRATEGY',
      hint: 'pass --preset NAME (see `instructsmith presets`) or name a strategy under `plugins`, e.g. strategy:reverse: {}',
    });
  }
  await checkStartup({ readsSeeds: (checkpoint?.phase ?? 1) === 1, openSeeds: () => openSeeds(hooks, config.seeds!), llm, model: config.model, plugins: config.plugins });
  await hooks.runStart.promise({ runDir, dryRun: false });

  options.signal?.addEventListener('abort', () => controller.abort(options.signal?.reason), { once: true });
  const verifier = handledLanguages(hooks).length > 0 ? createVerifier({ hooks, policy: config.verify }) : undefined;
  const deps: PipelineDeps = { hooks, signal: controller.signal, dryRun: false, verifier };
  const funnel = new Funnel(checkpoint?.funnel, hooks.filter.taps.map((t) => t.name));
  const tally = new UsageTally((checkpoint?.funnel as { usage?: unknown } | undefined)?.usage, meter);
  openRunData(store, checkpoint, log);
  if (checkpoint) await replayFilters(hooks, store, checkpoint, controller.signal);

  const phaseEnds: FilePosition[] = checkpoint?.phaseEnds ? [...checkpoint.phaseEnds] : [];
  const startPhase = checkpoint?.phase ?? 1;
  let seedsDone = checkpoint?.seedsDone ?? 0;
  let phase = startPhase;
  let lastCheckpoint = 0;
  const runJsonBase = { name: config.name, preset: config.preset, paper: config.paper, configHash: hash, startedAt: new Date(started).toISOString(), resumed, config: redactConfig(config) };

  const saveCheckpoint = (force = false) => {
    if (!force && Date.now() - lastCheckpoint < CHECKPOINT_INTERVAL_MS) return;
    lastCheckpoint = Date.now();
    const cp: Checkpoint = { version: 1, configHash: hash, phase, seedsDone, phaseEnds, ...store.position(), funnel: { ...(funnel.checkpointState() as object), usage: tally.state() } };
    store.writeCheckpoint(cp);
  };
  const progress = (seedsTotal?: number) =>
    options.onProgress?.({ phase, seedsDone, seedsTotal, funnel: funnel.snapshot(), usage: meter.byModel(), cost: runCost(meter.byModel(), llm.settings.prices), elapsedMs: Date.now() - started });
  // run.json's cost: over every process that worked on the directory, as its usage.
  const costOf = () => {
    const cost = runCost(tally.totals(), llm.settings.prices);
    return cost ? { cost } : {};
  };
  // run.json's verify: the gate's counts and analyzer calls in this process (a resumed run: since the resume).
  const verifyOf = () => (verifier ? { verify: verifier.stats() } : {});

  // The run commits to the directory here, start-up having succeeded: the first checkpoint carries the config hash.
  store.writeRunJson({ ...runJsonBase, ...reportsJson(reports), status: 'running', funnel: funnel.snapshot() });
  saveCheckpoint(true);
  let interrupted = false;
  // Selectors see the whole `--seeds` stream again on resume (deterministic, the cache answering their calls); drops go to selection/rejected.jsonl.
  // A resume past the first pass does not select again: the checkpointed table stays.
  const selection = hooks.select.isUsed() && startPhase === 1 ? new SelectionLedger(join(runDir, 'selection'), controller.signal, false) : undefined;
  if (selection) funnel.attachSelection(() => selection.summary());
  let processor: SeedProcessor | undefined;
  try {
    processor = options.seedProcessor ? await options.seedProcessor({ runDir, configHash: hash, config, signal: controller.signal, meter }) : { process: (seed) => processSeed(seed, deps), close: async () => undefined };
    const processOne = processor.process.bind(processor);
    for (let p = 1; ; p++) {
      if (p < startPhase) continue;
      const source = p === 1 ? await openSelected(hooks, config.seeds, funnel, selection) : await hooks.derivedSeeds.promise(derivedQuery(p - 1, runDir, store, phaseEnds));
      if (!source) break;
      // Asked anyway, so a strategy sees the final population (and writes its tables) before the run ends.
      if (p > 1 && config.target !== undefined && store.position().kept >= config.target) {
        log.info(`target reached: ${store.position().kept} kept samples (--target ${config.target}); no further pass`);
        break;
      }
      phase = p;
      const skip = p === startPhase ? seedsDone : 0;
      seedsDone = skip;
      let seedsTotal: number | undefined;
      if (options.onProgress && p === 1 && !selection) void countSeeds(hooks, config.seeds, config.limit).then((n) => (seedsTotal = n), () => undefined);
      // Once the pass has read its last seed, the verify gate stops waiting for more samples to fill a batch.
      verifier?.drain(false);
      const seeds = thenDrain(limitAndSkip(source, p === 1 ? config.limit : undefined, skip, funnel, controller.signal), () => verifier?.drain(true));
      const filterCtx = { stage: 'filtered' as const, signal: controller.signal, dryRun: false, phase: p, replay: false };
      const maxInFlight = Math.max(config.concurrency, config.maxConcurrency ?? SEEDS_PER_CALL_SLOT * llm.settings.concurrency);
      const window = { maxInFlight, maxHeld: 2 * maxInFlight, wantMore: llm.wantsWork };
      for await (const records of mapOrdered(seeds, config.concurrency, (seed, i) => processOne(seed, { phase: p, index: skip + i }), window)) {
        if (controller.signal.aborted) break; // a seed finishing after the abort may hold aborted calls as drops: leave it to the resume
        for (const r of records) await filterRecord(r, hooks, filterCtx);
        store.append(records);
        funnel.add(records);
        seedsDone += 1;
        for (const r of records) await (r.dropped ? hooks.dropped : hooks.kept).promise(r);
        saveCheckpoint();
        progress(seedsTotal);
      }
      if (controller.signal.aborted) {
        interrupted = true;
        break;
      }
      funnel.endPhase();
      phaseEnds.push(store.position());
      phase = p + 1;
      seedsDone = 0;
      saveCheckpoint(true);
    }
  } catch (err) {
    if (!controller.signal.aborted) {
      // A fatal error (endpoint down, key rejected, tool missing): the seeds in flight stay unwritten, so a
      // rerun redoes them; run.json says the run stopped and why, never "complete".
      saveCheckpoint(true);
      store.writeRunJson({ ...runJsonBase, ...reportsJson(reports), status: 'stopped', stoppedBy: { code: (err as { code?: unknown })?.code ?? 'ERROR', message: redactSecrets(String((err as Error)?.message ?? err)) }, funnel: funnel.snapshot(), usage: tally.totals(), ...costOf(), ...verifyOf() });
      controller.abort(err);
      throw err;
    }
    interrupted = true; // a call cut short by the abort, re-thrown by a seed after it: an interruption like any other
  } finally {
    saveCheckpoint(true);
    store.close();
    selection?.close();
    await processor?.close().catch((err: unknown) => log.warn(`closing the seed processor: ${redactSecrets(String((err as Error)?.message ?? err))}`));
  }
  progress();

  if (interrupted) {
    store.writeRunJson({ ...runJsonBase, ...reportsJson(reports), status: 'interrupted', funnel: funnel.snapshot(), usage: tally.totals(), ...costOf(), ...verifyOf() });
    return { runDir, status: 'interrupted', resumed, alreadyComplete: false, funnel: funnel.snapshot(), usage: tally.totals(), exported: [] };
  }

  const finalFunnel = funnel.snapshot();
  const runJson = { ...runJsonBase, status: 'complete', models: Object.keys(tally.totals()), funnel: finalFunnel, usage: tally.totals(), ...costOf(), ...verifyOf() };
  const exported = await runExporters(hooks, runDir, runJson);
  const finishedAt = new Date().toISOString();
  store.writeRunJson({ ...runJson, ...reportsJson(reports), exported, finishedAt, durationMs: Date.now() - started });
  await hooks.runEnd.promise({ runDir, kept: finalFunnel.kept, rejected: finalFunnel.rejected, funnel: finalFunnel as unknown as Record<string, unknown> });
  return { runDir, status: 'complete', resumed, alreadyComplete: false, funnel: finalFunnel, usage: tally.totals(), exported, ...verifyOf() };
}

/** LLM middleware settings from the config; the factory fills unset keys with DEFAULT_LLM_SETTINGS. */
export function llmSettings(config: ResolvedConfig, runDir: string): Partial<LlmSettings> {
  const cacheDir = config.cache.enabled ? resolve(config.cache.dir ?? join(runDir, 'cache')) : null;
  return { ...stripUndefined(config.llm), cacheDir };
}

/**
 * Ask the seed sources for `path`. Errors: a missing path, or a path no source reads.
 * @throws InputError naming the path
 */
export async function openSeeds(hooks: Hooks, path: string, funnel?: Funnel): Promise<AsyncIterable<Seed>> {
  if (!existsSync(path)) {
    throw new InputError(path, undefined, 'seeds path does not exist', { code: 'SEEDS_NOT_FOUND', hint: 'pass --seeds with a directory of source code or a JSONL file' });
  }
  const query = { path, isDirectory: statSync(path).isDirectory(), skip: (_p: string, reason: string) => funnel?.skipped(reason) };
  const source = await hooks.seedSource.promise(query);
  if (!source) {
    throw new InputError(path, undefined, 'no seed source can read this path', {
      code: 'SEEDS_UNREADABLE',
      hint: 'give a directory of source files, a single source file, or a .jsonl/.jsonl.gz file',
    });
  }
  return source;
}

/** `openSeeds`, then the `select` waterfall when selectors are tapped (their ledger given). */
export async function openSelected(hooks: Hooks, path: string, funnel: Funnel | undefined, ledger: SelectionLedger | undefined): Promise<AsyncIterable<Seed>> {
  const seeds = await openSeeds(hooks, path, funnel);
  return ledger ? selectSeeds(hooks.select, seeds, ledger) : seeds;
}

async function countSeeds(hooks: Hooks, path: string, limit?: number): Promise<number> {
  const source = await openSeeds(hooks, path);
  let n = 0;
  for await (const _ of source) {
    n += 1;
    if (limit && n >= limit) break;
  }
  return n;
}

/** Yield `items`, then call `onEnd` once they are exhausted (not when the consumer stops early). */
async function* thenDrain<T>(items: AsyncIterable<T>, onEnd: () => void): AsyncGenerator<T> {
  yield* items;
  onEnd();
}

async function* limitAndSkip(source: AsyncIterable<Seed>, limit: number | undefined, skip: number, funnel: Funnel, signal: AbortSignal): AsyncGenerator<Seed> {
  let n = 0;
  for await (const seed of source) {
    if (signal.aborted) return;
    if (limit !== undefined && n >= limit) return;
    n += 1;
    funnel.seedRead();
    if (n <= skip) continue;
    yield seed;
  }
}

function derivedQuery(phase: number, runDir: string, store: RunStore, phaseEnds: FilePosition[]): DerivedSeedQuery {
  return fileDerivedQuery(phase, runDir, { samples: store.path('samples'), rejected: store.path('rejected') }, phaseEnds[phase - 1]!);
}

/** Fire the export hook over the finished run, then the train hook; returns the files written (relative to the export folder). */
export async function runExporters(hooks: Hooks, runDir: string, run: Record<string, unknown>, outDir = join(runDir, 'export'), trainSettings: Record<string, unknown> = {}, onCommands?: (commands: string[]) => void): Promise<string[]> {
  if (!hooks.export.isUsed()) return [];
  mkdirSync(outDir, { recursive: true });
  const ctx: ExportContext = { runDir, outDir, samples: () => readRecords(join(runDir, 'samples.jsonl')), run, written: [], tokenizer: tokenizerResolver(hooks) };
  try {
    await hooks.export.promise(ctx);
  } finally {
    releasePrepared(ctx);
  }
  if (hooks.train.isUsed()) {
    const train = { exportDir: outDir, run, settings: trainSettings, written: ctx.written, commands: [] as string[] };
    await hooks.train.promise(train);
    onCommands?.(train.commands);
  }
  return ctx.written;
}

/**
 * A resumed run: fire `filter` with `replay: true` over the kept samples written before the
 * interruption, so stateful filters (dedup) hold what an uninterrupted run would hold now.
 */
async function replayFilters(hooks: Hooks, store: RunStore, checkpoint: Checkpoint, signal: AbortSignal): Promise<void> {
  if (!hooks.filter.isUsed()) return;
  let phase = 1;
  let read = 0;
  for await (const record of readRecords(store.path('samples'), checkpoint.keptBytes)) {
    while (phase <= checkpoint.phaseEnds.length && read >= checkpoint.phaseEnds[phase - 1]!.kept) phase += 1;
    read += 1;
    await hooks.filter.promise(record, { stage: 'filtered', signal, dryRun: false, phase, replay: true });
  }
}

/** Content hash of the parts of a config that shape the data (see THROUGHPUT_KEYS for what is left out). */
export function configHash(config: ResolvedConfig): string {
  const shaping: Record<string, unknown> = { ...config };
  for (const k of THROUGHPUT_KEYS) delete shaping[k];
  return contentId(shaping);
}

// Keys come from the environment, but a user may put credentials in a base URL or a provider's headers.
function redactConfig(config: ResolvedConfig): ResolvedConfig {
  return redactConfigSecrets(config);
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export type { SampleRecord };
