import { fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { DoubleStats } from './double-process.js';

/** A running double-process.ts: its base URL, its request statistics, and a way to stop it. */
export interface DoubleChild {
  url: string;
  stats(): Promise<DoubleStats>;
  /** Forget the requests so far (the next stats() counts from here). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Fork double-process.ts with a fixed chat reply latency in ms; resolves once it listens. */
export async function startDoubleChild(latencyMs: number): Promise<DoubleChild> {
  const child = fork(join(import.meta.dirname, 'double-process.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, LATENCY_MS: String(latencyMs) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = async <T>(type: string): Promise<T> => {
    for (;;) {
      const [msg] = (await once(child, 'message')) as [{ type: string } & T];
      if (msg.type === type) return msg;
    }
  };
  const { url } = await next<{ url: string }>('ready');
  return {
    url,
    async stats() {
      child.send({ type: 'stats' });
      return (await next<{ stats: DoubleStats }>('stats')).stats;
    },
    async reset() {
      child.send({ type: 'reset' });
      await next('reset');
    },
    async close() {
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}
