/**
 * Queue throughput (issue #15, the distributed part): one worker vs two on this machine, the same
 * endpoint latency; see test/bench/scale/distributed.ts, which `npm run bench scale` also prints.
 * `QUEUE_SEEDS` sets the seeds (default 40). Needs redis-server on PATH.
 */
import { distributed } from './scale/distributed.js';

export default async function bench(log: (line: string) => void): Promise<void> {
  await distributed(log);
}
