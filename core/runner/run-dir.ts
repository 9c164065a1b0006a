import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { UsageTotals } from '../llm/types.js';
import type { Logger } from '../plugin.js';
import type { FunnelCounts } from './funnel.js';
import { withLock } from './lock.js';
import { RUN_FILES, type Checkpoint, type RunStore } from './store.js';

/**
 * Start-up of a run on its directory: who may write it (the lock), what a previous run left, and what
 * must succeed before the run commits to the directory. Rule: nothing a failed start-up leaves behind
 * blocks the corrected command. The run commits (run.json `running` and a first checkpoint carrying
 * the config hash) only after checkStartup() passed, and only a checkpoint or a complete run.json can
 * refuse a different configuration.
 */

/**
 * Run `fn` holding `runDir`'s lock (`state/lock`, see lock.ts); the directory is created if needed.
 * When `fn` fails, an empty `state/` is removed again, and so is the directory if it was created here and is empty.
 * @throws InstructsmithError `RUN_DIR_LOCKED` naming the holder when another run has the directory
 */
export async function withRunDirLock<T>(runDir: string, fn: () => Promise<T>): Promise<T> {
  const created = !existsSync(runDir);
  const lockFile = join(runDir, RUN_FILES.lock);
  try {
    return await withLock(lockFile, fn, { what: runDir, command: process.argv.slice(1).join(' ') });
  } catch (err) {
    removeIfEmpty(dirname(lockFile), ...(created ? [runDir] : []));
    throw err;
  }
}

export interface PreviousRun {
  status?: string;
  configHash?: string;
  /** The resolved config it ran with (run.json `config`). */
  config?: { limit?: number };
  funnel: FunnelCounts;
  usage?: Record<string, UsageTotals>;
  exported?: string[];
}

/**
 * What an earlier run left in the directory. A run made with another configuration is refused when it
 * got as far as a checkpoint, or finished; a run.json from a start that failed earlier does not count.
 * A finished run with a smaller `limit` is refused too (it cannot grow).
 * @throws ConfigError `CONFIG_RUN_MISMATCH`, `CONFIG_RUN_LIMIT`; InputError for an unreadable checkpoint
 */
export function readPreviousRun(store: RunStore, configHash: string, limit?: number): { checkpoint?: Checkpoint; previous?: PreviousRun } {
  const checkpoint = store.readCheckpoint();
  const previous = readRunJson(store);
  // `limit` is left out of the config hash (a pilot shares its cache), but a finished run does not
  // grow: saying "already complete" to a larger --limit would silently leave seeds out.
  if (previous?.status === 'complete' && previous.configHash === configHash && (previous.config?.limit ?? Infinity) < (limit ?? Infinity)) {
    throw new ConfigError(`${store.dir} holds a run completed with --limit ${previous.config!.limit}; it does not grow to ${limit === undefined ? 'all seeds' : `--limit ${limit}`}`, {
      code: 'CONFIG_RUN_LIMIT',
      hint: `use another --out and reuse this run's LLM cache: --cache-dir ${join(store.dir, 'cache')}`,
    });
  }
  const otherComplete = previous?.status === 'complete' && previous.configHash !== undefined && previous.configHash !== configHash;
  if ((checkpoint && checkpoint.configHash !== configHash) || otherComplete) {
    throw new ConfigError(`${store.dir} holds a run made with a different configuration`, {
      code: 'CONFIG_RUN_MISMATCH',
      hint: 'use another --out directory, or delete this one to start over (point cache.dir at its cache/ folder to keep finished LLM calls)',
    });
  }
  return { checkpoint, previous };
}

/** True when `checkpoint` records finished work, i.e. the run continues rather than starts over. */
export function isResume(checkpoint: Checkpoint | undefined): boolean {
  return Boolean(checkpoint && (checkpoint.phase > 1 || checkpoint.seedsDone > 0));
}

/**
 * What must work before a run commits to its directory: the seeds path opens (for a run that reads
 * it, i.e. not one resuming in a derived pass) and every model the config names has a provider.
 * Model ids: `model` and any string `model` option of a plugin (the same ones the CLI accepts in place of --model).
 * @throws whatever openSeeds and the LLM factory throw (InputError `SEEDS_*`, ConfigError `CONFIG_UNKNOWN_PROVIDER`, ...)
 */
export async function checkStartup(opts: { readsSeeds: boolean; openSeeds: () => Promise<unknown>; llm: (modelId: string) => unknown; model?: string; plugins: Record<string, unknown> }): Promise<void> {
  if (opts.readsSeeds) await opts.openSeeds();
  const models = new Set<string>();
  if (opts.model) models.add(opts.model);
  for (const o of Object.values(opts.plugins)) {
    const m = o && typeof o === 'object' ? (o as { model?: unknown }).model : undefined;
    if (typeof m === 'string') models.add(m);
  }
  for (const id of models) opts.llm(id);
}

/** Open the data files at `checkpoint` (RunStore.open) and say what crash tail was cut. */
export function openRunData(store: RunStore, checkpoint: Checkpoint | undefined, log: Logger): void {
  const { tail } = store.open(checkpoint);
  for (const [name, bytes] of Object.entries(tail)) {
    if (bytes > 0) log.info(`${join(store.dir, RUN_FILES[name as 'samples' | 'rejected'])}: cut ${bytes} bytes written after the last checkpoint (seeds in flight when the last run stopped; they are done again)`);
  }
}

function readRunJson(store: RunStore): PreviousRun | undefined {
  const file = store.path('run');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PreviousRun;
  } catch {
    return undefined;
  }
}

function removeIfEmpty(...dirs: string[]): void {
  for (const d of dirs) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty (or gone): leave it
    }
  }
}
