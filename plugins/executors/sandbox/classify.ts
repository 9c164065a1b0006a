import { constants } from 'node:os';
import type { ExecutionLimits, ExecutionVerdict } from '../../../core/index.js';

/** How a sandboxed process ended, as observed from outside. */
export interface RawOutcome {
  /** Exit code as reported (bwrap reports a signal death of the program as 128 + signal number). */
  exitCode: number | null;
  /** Signal that ended the process we spawned (only when we killed it, or bwrap itself died). */
  signal: string | null;
  /** The wall clock ran out and we killed the sandbox. */
  timedOut: boolean;
  /** The caller's AbortSignal fired and we killed the sandbox. */
  cancelled: boolean;
  /** Output passed `outputBytes` and we killed the sandbox. */
  outputExceeded: boolean;
  stderr: string;
}

/** Signals that mean the program crashed on its own (its fault, verdict `error`), not that someone killed it. */
const CRASH_SIGNALS = new Set(['SIGSEGV', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGTRAP', 'SIGSYS']);

const SIGNAL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(constants.signals).map(([name, num]) => [num, name]),
);

/**
 * Split an exit status into exit code and signal. Shells and bwrap report a child killed by signal
 * N as exit code 128 + N; a program that itself exits with such a code is read as the signal (rare,
 * and the verdict differs only between `error` and `killed`).
 */
export function splitExitStatus(exitCode: number | null, signal: string | null): { exitCode: number | null; signal: string | null } {
  if (signal) return { exitCode: null, signal };
  if (exitCode !== null && exitCode > 128 && exitCode < 128 + 65) {
    const name = SIGNAL_NAMES[exitCode - 128];
    if (name) return { exitCode: null, signal: name };
  }
  return { exitCode, signal: null };
}

/**
 * Classify an outcome into a verdict and a one-sentence message (order matters: the cause we
 * enforced wins over its symptoms).
 *
 * 1. we killed it for output → `output_limit`; SIGXFSZ (a file over `diskBytes`) → `output_limit`;
 * 2. cancelled → `killed`; wall clock → `timeout`; SIGXCPU → `timeout` (CPU limit);
 * 3. non-zero end whose stderr matches one of the runtime's `memoryPatterns` → `memory`
 *    (Python `MemoryError`, V8 `heap out of memory`, `OutOfMemoryError`, `std::bad_alloc`, ...:
 *    with RLIMIT_DATA/RLIMIT_AS, allocation fails inside the program rather than via the OOM killer);
 * 4. exit 0 → `ok`; a crash signal or a non-zero exit → `error`; any other signal → `killed`.
 */
export function classifyOutcome(
  raw: RawOutcome,
  limits: ExecutionLimits,
  memoryPatterns: readonly RegExp[],
): { verdict: ExecutionVerdict; exitCode: number | null; signal: string | null; message?: string } {
  const { exitCode, signal } = splitExitStatus(raw.exitCode, raw.signal);
  const end = { exitCode, signal };
  if (raw.outputExceeded) return { verdict: 'output_limit', ...end, message: `output exceeded ${limits.outputBytes} bytes; the sandbox was killed` };
  if (raw.cancelled) return { verdict: 'killed', ...end, message: 'cancelled by the caller; the sandbox was killed' };
  if (raw.timedOut) return { verdict: 'timeout', ...end, message: `wall clock exceeded ${limits.wallSeconds} s; the sandbox was killed` };
  if (signal === 'SIGXCPU') return { verdict: 'timeout', ...end, message: `CPU time exceeded ${limits.cpuSeconds} s` };
  if (signal === 'SIGXFSZ') return { verdict: 'output_limit', ...end, message: `a file exceeded ${limits.diskBytes} bytes` };
  if (exitCode === 0) return { verdict: 'ok', ...end };
  if (memoryPatterns.some((p) => p.test(raw.stderr))) {
    return { verdict: 'memory', ...end, message: `memory limit of ${limits.memoryBytes} bytes reached` };
  }
  if (signal === null) return { verdict: 'error', ...end, message: `exited with code ${exitCode}` };
  if (CRASH_SIGNALS.has(signal)) return { verdict: 'error', ...end, message: `crashed with ${signal}` };
  return { verdict: 'killed', ...end, message: `killed by ${signal}` };
}
