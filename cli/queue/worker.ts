import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { ResolvedConfig } from '../../core/config/schema.js';
import { InstructsmithError } from '../../core/errors.js';
import { handledLanguages } from '../../core/hooks.js';
import { UsageMeter } from '../../core/llm/usage.js';
import type { Logger, Plugin } from '../../core/plugin.js';
import { startPlugins } from '../../core/runner/host.js';
import { processSeed, type PipelineDeps } from '../../core/runner/pipeline.js';
import { llmSettings } from '../../core/runner/runner.js';
import { createVerifier } from '../../core/verify/gate.js';
import { checkRedis, configKey, QUEUE_NAME, redisOptions } from './connection.js';
import { trackAttempt } from './attempt-usage.js';
import { countFor, inJob, JobScope } from './job-scope.js';
import { fatalPayload, type SeedJob, type SeedJobResult } from './jobs.js';
import { RedisRequestCache } from './redis-cache.js';

export interface WorkerOptions {
  /** `--queue`: the Redis URL the coordinator was given. */
  url: string;
  /** Seeds processed at once by this worker (BullMQ worker concurrency). */
  concurrency: number;
  /**
   * Seconds after which a job whose worker stopped renewing its lock (killed, machine gone) is given
   * to another worker: BullMQ's lockDuration; the stalled-job check runs every half of it.
   */
  stallSeconds: number;
  /** `--base-url`: this machine's address of the endpoint, instead of the coordinator's. */
  baseUrl?: string;
  builtins: readonly Plugin[];
  implicit: readonly Plugin[];
  log: Logger;
}

/**
 * A job may stall (its worker died) this many times and still be given to another worker; the next
 * stall fails it and so stops the run, resumably. Our choice: a seed that brought down three workers
 * is likelier the cause (out of memory on it) than bad luck, and should not kill every worker in turn.
 */
const MAX_STALLED_COUNT = 3;

/** A run's pipeline on this worker, its meter (all jobs) and how long a job may hold a claim on a call. */
interface RunPipeline {
  deps: PipelineDeps;
  meter: UsageMeter;
  maxHoldMs: number;
  /** The run's scratch directory on this machine, removed when the worker closes. */
  scratch: string;
}

/** A running worker. */
export interface QueueWorker {
  /** Stop taking jobs, let the jobs in hand finish, disconnect, and remove the runs' scratch directories. */
  close(): Promise<void>;
}

/**
 * `instructsmith worker --queue URL`: take seed jobs from the queue and run `processSeed` on them
 * with the pipeline of the job's run, built once per run from the config the coordinator published
 * (plugins applied, `runStart` fired in a scratch directory of this machine; API keys from this
 * process's environment). LLM replies go through the Redis request cache shared by all workers, which
 * also coalesces identical calls in flight on several workers (redis-cache.ts). Each job's result
 * carries the usage of its own calls (job-scope.ts), and its usage so far is kept in Redis while it
 * runs, so a killed worker's calls are counted too (attempt-usage.ts).
 * A fatal error (endpoint down, bad config on this machine) is returned to the coordinator, which
 * stops the run resumably; every other failure is a recorded drop, as in a single-process run.
 * @throws InstructsmithError `QUEUE_UNREACHABLE`, ConfigError for a bad URL
 */
export async function startWorker(options: WorkerOptions): Promise<QueueWorker> {
  const connection = redisOptions(options.url);
  await checkRedis(connection);
  const redis = new Redis(connection);
  const cache = new RedisRequestCache(redis, { onReadError: (message) => options.log.warn(`worker: ${message}`) });
  const pipelines = new Map<string, Promise<RunPipeline>>();
  const controller = new AbortController();
  const pipelineFor = (runId: string) => {
    let p = pipelines.get(runId);
    if (!p) {
      p = buildPipeline(runId, redis, cache, options, controller.signal);
      pipelines.set(runId, p);
    }
    return p;
  };

  const stallMs = options.stallSeconds * 1000;
  const worker = new Worker<SeedJob, SeedJobResult>(
    QUEUE_NAME,
    async (job) => {
      let built: RunPipeline;
      try {
        built = await pipelineFor(job.data.runId);
      } catch (err) {
        return { fatal: fatalPayload(err) };
      }
      const scope = new JobScope(built.maxHoldMs);
      const attempt = trackAttempt(redis, job.data.runId, job.id!, scope);
      try {
        const records = await inJob(scope, () => processSeed(job.data.seed, built.deps));
        return { records, usage: scope.usage() };
      } catch (err) {
        return { fatal: fatalPayload(err), usage: scope.usage() };
      } finally {
        await cache.releaseAll(scope);
        await attempt.finish();
      }
    },
    { connection, concurrency: options.concurrency, lockDuration: stallMs, stalledInterval: Math.max(1, Math.round(stallMs / 2)), maxStalledCount: MAX_STALLED_COUNT },
  );
  worker.on('error', (err) => options.log.warn(`worker: ${err.message}`));
  await worker.waitUntilReady();
  options.log.info(`worker: taking seeds from ${connection.host}:${connection.port} (${options.concurrency} at once; a dead worker's seeds move on after ${options.stallSeconds} s)`);
  return {
    async close() {
      await worker.close();
      for (const [runId, p] of pipelines) {
        const built = await p.catch(() => undefined);
        const t = built?.meter.total();
        if (t) options.log.info(`worker: run ${runId}: ${t.calls} calls sent, ${t.cachedCalls} answered from the cache`);
        if (built) rmSync(built.scratch, { recursive: true, force: true });
      }
      controller.abort();
      await cache.close();
      redis.disconnect();
    },
  };
}

/**
 * The pipeline of run `runId` on this machine, as the runner builds it (core/runner/runner.ts), from
 * the published config.
 * @throws InstructsmithError `QUEUE_NO_CONFIG` when Redis holds no config for the run; what applying the plugins throws
 */
async function buildPipeline(runId: string, redis: Redis, cache: RedisRequestCache, options: WorkerOptions, signal: AbortSignal): Promise<RunPipeline> {
  const text = await redis.get(configKey(runId));
  if (text === null) {
    throw new InstructsmithError('QUEUE_NO_CONFIG', `Redis holds no config for run ${runId} (key ${configKey(runId)})`, { hint: 'the coordinator publishes it at start; was Redis flushed? rerun the coordinator (`instructsmith run ... --queue URL`)' });
  }
  const config = (JSON.parse(text) as { config: ResolvedConfig }).config;
  if (options.baseUrl) config.baseUrl = options.baseUrl;
  // Plugins may write under their run directory; the coordinator's is on another machine.
  const scratch = mkdtempSync(join(tmpdir(), `instructsmith-worker-${runId}-`));
  try {
    const { hooks, llm, meter } = await startPlugins({
      config,
      dir: scratch,
      builtins: options.builtins,
      implicit: options.implicit,
      log: options.log,
      settings: { ...llmSettings(config, scratch), cacheDir: null },
      cache: config.cache.enabled ? cache : undefined,
      signal,
    });
    meter.teeTo(countFor);
    await hooks.runStart.promise({ runDir: scratch, dryRun: false });
    const verifier = handledLanguages(hooks).length > 0 ? createVerifier({ hooks, policy: config.verify }) : undefined;
    // Past this a claim lapses (a call that failed stores nothing); our choice: every attempt timing out
    // after its longest backoff, plus one such span for the wait for a call slot.
    const { maxAttempts, timeoutMs, backoffMaxMs } = llm.settings;
    return { deps: { hooks, signal, dryRun: false, verifier }, meter, maxHoldMs: (maxAttempts + 1) * (timeoutMs + backoffMaxMs), scratch };
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
}
