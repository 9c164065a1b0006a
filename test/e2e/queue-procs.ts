import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';

/** Coordinator and worker processes for the queue tests and the queue benchmark. */

export interface Cli {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `instructsmith ...args` from the sources (tsx), with CI=true (progress as lines) and `env` added; stdout ignored. */
export function cli(args: string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'cli/bin.ts'), ...args], { cwd: packageRoot(), stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: 'true', ...env } });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

/** Poll every 50 ms until `cond()`; throws with its stderr if `proc` exits first. */
export async function until(what: string, cond: () => boolean, proc?: Cli): Promise<void> {
  while (!cond()) {
    if (proc && proc.child.exitCode !== null) throw new Error(`exited (${proc.child.exitCode}) while waiting for ${what}:\n${proc.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A worker (`instructsmith worker --queue url ...extra`) whose start-up line has been printed (it is
 * listening on the queue); `env` is added to its environment.
 */
export async function worker(url: string, extra: string[] = [], env: Record<string, string> = {}): Promise<Cli> {
  const w = cli(['worker', '--queue', url, ...extra], env);
  await until('the worker to start', () => w.stderr().includes('worker: taking seeds'), w);
  return w;
}

/** Stop a worker gracefully; its stderr then says how many calls it sent. */
export async function stop(w: Cli): Promise<number> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await w.exited;
  const m = /worker: run \w+: (\d+) calls sent/.exec(w.stderr());
  return m ? Number(m[1]) : 0;
}
