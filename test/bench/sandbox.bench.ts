/**
 * Sandboxed executions per second of a trivial Python program, against the same program run
 * directly (no sandbox, no limits), and sequential against parallel within the CPU budget (issue #6).
 * Figures only; nothing here fails on a threshold.
 */
import { availableParallelism } from 'node:os';
import { execa } from 'execa';
import { createSandboxExecutor } from '../../plugins/executors/sandbox/index.js';

const PROGRAM = 'print(sum(range(10)))\n';
const N = 40;

async function timed(n: number, run: () => Promise<void>, parallel = 1): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < n) await run();
    }),
  );
  return (performance.now() - started) / 1000;
}

export default async function bench(log: (line: string) => void): Promise<void> {
  const cores = availableParallelism();
  const ex = createSandboxExecutor({ languages: ['python'], concurrency: cores });
  const status = await ex.status();
  log(`isolation: ${status.isolation}${status.mode ? ` (${status.mode})` : ''}, ${cores} cores`);

  const sandboxed = async () => {
    const r = await ex.execute({ language: 'python', code: PROGRAM });
    if (r.verdict !== 'ok' || r.stdout !== '45\n') throw new Error(`sandboxed run failed: ${r.verdict} ${r.stderr}`);
  };
  const direct = async () => {
    const r = await execa('/usr/bin/python3', ['-s', '-c', PROGRAM], { extendEnv: false, env: { PATH: '/usr/bin:/bin' } });
    if (r.stdout !== '45') throw new Error('direct run failed');
  };
  await sandboxed(); // warm the page cache and the probe
  await direct();

  const tDirect = await timed(N, direct);
  const tSandbox = await timed(N, sandboxed);
  const tParallel = await timed(N, sandboxed, cores);
  const perDirect = (tDirect / N) * 1000;
  const perSandbox = (tSandbox / N) * 1000;
  log(`unsandboxed python, sequential:  ${(N / tDirect).toFixed(1)} runs/s (${perDirect.toFixed(1)} ms/run)`);
  log(`sandboxed python, sequential:    ${(N / tSandbox).toFixed(1)} runs/s (${perSandbox.toFixed(1)} ms/run)`);
  log(`sandbox overhead:                +${(perSandbox - perDirect).toFixed(1)} ms/run (${(perSandbox / perDirect).toFixed(2)}x)`);
  log(`sandboxed python, ${cores} in parallel: ${(N / tParallel).toFixed(1)} runs/s (${(tSandbox / tParallel).toFixed(2)}x sequential)`);
}
