import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { redactConfigSecrets } from '../../core/errors.js';
import type { SampleRecord, Seed } from '../../core/record.js';
import type { UsageMeter } from '../../core/llm/usage.js';
import type { SeedPosition, SeedProcessor, SeedProcessorFactory, SeedProcessorRun } from '../../core/runner/seed-processor.js';
import { collectAbandoned } from './attempt-usage.js';
import { checkRedis, configKey, QUEUE_NAME, redisOptions } from './connection.js';
import { errorOf, jobIdOf, runIdOf, type SeedJob, type SeedJobResult } from './jobs.js';

/**
 * How long a finished job's result stays in Redis when the coordinator never collected it (it was
 * killed): long enough for a resumed coordinator to pick it up instead of redoing the seed. Our choice: one day.
 */
const UNCOLLECTED_RESULT_SECONDS = 86_400;

/**
 * `run --queue URL`: the runner's SeedProcessor that hands each seed to `instructsmith worker`s
 * through a BullMQ queue instead of processing it here. Everything else a run does (reading seeds,
 * the ordered window, filters, writing, checkpoints, derived passes, selection, export) stays in
 * the coordinator, so the dataset is the one a single-process run writes. The workers' LLM usage is
 * added to the run's meter as each seed's result is collected (the completed attempt's usage, plus
 * the calls and tokens of attempts whose workers died, as far as they had reported them), so
 * run.json `usage` and cost count what the endpoint received, as a single-process run's do.
 *
 * Start-up publishes the run's config, secrets redacted, at `instructsmith:run:<runId>:config`;
 * workers build the same pipeline from it, with API keys from their own environment.
 * @throws InstructsmithError `QUEUE_UNREACHABLE` (at start-up), ConfigError for a bad URL
 */
export function queuedSeedProcessor(url: string): SeedProcessorFactory {
  const connection = redisOptions(url); // a bad URL fails before the run touches its directory
  return async (run) => {
    await checkRedis(connection);
    return QueuedSeeds.open(connection, run);
  };
}

class QueuedSeeds implements SeedProcessor {
  private constructor(
    private readonly queue: Queue<SeedJob, SeedJobResult>,
    private readonly events: QueueEvents,
    private readonly client: Redis,
    private readonly runId: string,
    private readonly signal: AbortSignal,
    private readonly meter: UsageMeter,
  ) {}

  static async open(connection: ReturnType<typeof redisOptions>, run: SeedProcessorRun): Promise<QueuedSeeds> {
    const runId = runIdOf(run.configHash, run.runDir);
    const queue = new Queue<SeedJob, SeedJobResult>(QUEUE_NAME, { connection });
    const events = new QueueEvents(QUEUE_NAME, { connection });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const client = new Redis(connection);
    await client.set(configKey(runId), JSON.stringify({ version: 1, config: redactConfigSecrets(run.config) }));
    return new QueuedSeeds(queue, events, client, runId, run.signal, run.meter);
  }

  /**
   * Enqueue the seed (idempotently, by job id) and wait for a worker's result. A job left failed by
   * an earlier coordinator (a seed whose workers all died) is removed first, so a rerun redoes it.
   * @throws the worker's fatal error (an LlmError for endpoint failures); an AbortError when the run is interrupted
   */
  async process(seed: Seed, at: SeedPosition): Promise<SampleRecord[]> {
    const jobId = jobIdOf(this.runId, at);
    const previous = await this.queue.getJob(jobId);
    if (previous && (await previous.isFailed())) await previous.remove();
    const job = await this.queue.add('seed', { runId: this.runId, seed }, { jobId, removeOnComplete: { age: UNCOLLECTED_RESULT_SECONDS }, removeOnFail: { age: UNCOLLECTED_RESULT_SECONDS } });
    let result: SeedJobResult;
    try {
      result = await abortable(job.waitUntilFinished(this.events), this.signal);
    } catch (err) {
      if (this.signal.aborted) throw err;
      await this.queue.remove(jobId).catch(() => undefined);
      throw errorOf({ message: `seed ${seed.id} (job ${jobId}) failed on the queue: ${(err as Error).message}`, hint: 'a worker died with it more often than the stall limit allows; run the same command again to redo it' });
    }
    // Collected: the result lives on in this process only; a second completion cannot arrive (one job per seed).
    await this.queue.remove(jobId).catch(() => undefined);
    if (result.usage) this.meter.add(result.usage);
    this.meter.add(await collectAbandoned(this.client, this.runId, jobId).catch(() => ({})));
    if ('fatal' in result) throw errorOf(result.fatal);
    return result.records;
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    this.client.disconnect();
  }
}

/** `promise`, or an AbortError as soon as `signal` aborts (the job itself is left to its worker). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  const aborted = () => Object.assign(new Error('the run was interrupted'), { name: 'AbortError' });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
