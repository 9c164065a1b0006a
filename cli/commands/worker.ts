import type { Command } from 'commander';
import { builtinPlugins, implicitPlugins } from '../../plugins/index.js';
import { ConfigError } from '../../core/errors.js';
import { stderrLogger } from '../../core/runner/host.js';
import { startWorker } from '../queue/worker.js';

interface WorkerFlags {
  queue: string;
  concurrency: number;
  baseUrl?: string;
  stallSeconds: number;
}

/**
 * Default seeds per worker: 4 x the default llm.concurrency (8), the window a single-process run
 * keeps by default (SEEDS_PER_CALL_SLOT in core/runner/runner.ts).
 */
const DEFAULT_WORKER_CONCURRENCY = 32;
/** Default lock and stall time, in seconds: BullMQ's default lockDuration (30 s). */
const DEFAULT_STALL_SECONDS = 30;

/** `instructsmith worker`: process seeds for `run --queue` coordinators until stopped. */
export function register(program: Command): void {
  program
    .command('worker')
    .description('process seeds of `instructsmith run --queue URL` runs (any number of workers, on any machine reaching Redis and the model)')
    .requiredOption('--queue <url>', 'the Redis URL the coordinator was given, e.g. redis://host:6379')
    .option('--concurrency <n>', 'seeds processed at once by this worker', positiveInt('--concurrency'), DEFAULT_WORKER_CONCURRENCY)
    .option('--base-url <url>', "this machine's address of the model endpoint, when it differs from the coordinator's --base-url")
    .option('--stall-seconds <n>', "seconds after which a dead worker's seeds are given to another worker", positiveInt('--stall-seconds'), DEFAULT_STALL_SECONDS)
    .addHelpText(
      'after',
      `
The run's config (preset, plugins, models, limits) comes from the coordinator through Redis;
API keys come from this machine's environment: OPENAI_API_KEY, OPENAI_BASE_URL, OLLAMA_HOST.
Stop with Ctrl-C (the seeds in hand are finished first; twice to quit at once).`,
    )
    .action(async (flags: WorkerFlags) => {
      const log = stderrLogger(false);
      const worker = await startWorker({ url: flags.queue, concurrency: flags.concurrency, stallSeconds: flags.stallSeconds, baseUrl: flags.baseUrl, builtins: builtinPlugins, implicit: implicitPlugins, log });
      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (sig: NodeJS.Signals) => {
          if (stopping) process.exit(130);
          stopping = true;
          log.warn(`${sig}: finishing the seeds in hand (again to quit at once; their seeds then go to another worker)`);
          void worker.close().then(resolve, resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${flag} expects a positive whole number, got "${value}"`, { code: 'USAGE', hint: `e.g. ${flag} 4` });
    return n;
  };
}
