import { DEFAULT_LIMITS, type ExecutionLimits } from '../../../core/index.js';

const KEYS = Object.keys(DEFAULT_LIMITS) as (keyof ExecutionLimits)[];

/**
 * Merge per-request overrides onto an executor's limits and check every field.
 *
 * @param base the executor's limits (from its options; {@link DEFAULT_LIMITS} when unset).
 * @param override the request's `limits` (any subset).
 * @param ceiling per-field maximum a request may ask for (the executor's `maxLimits`); unset = no ceiling.
 * @returns a complete, validated {@link ExecutionLimits}.
 * @throws RangeError naming the field, the value and what was expected (a positive finite number, at most the ceiling), or an unknown field.
 */
export function resolveLimits(
  base: Partial<ExecutionLimits> = {},
  override: Partial<ExecutionLimits> = {},
  ceiling: Partial<ExecutionLimits> = {},
): ExecutionLimits {
  for (const key of Object.keys(override)) {
    if (!(KEYS as string[]).includes(key)) {
      throw new RangeError(`limits.${key} is not a limit; expected one of ${KEYS.join(', ')}`);
    }
  }
  const out = { ...DEFAULT_LIMITS, ...base, ...override } as ExecutionLimits;
  for (const key of KEYS) {
    const v = out[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new RangeError(`limits.${key} is ${String(v)}; expected a positive finite number (default ${DEFAULT_LIMITS[key]})`);
    }
    const max = ceiling[key];
    if (max !== undefined && v > max) {
      throw new RangeError(`limits.${key} is ${v}; this executor allows at most ${max} (raise the executor option maxLimits.${key} to allow more)`);
    }
  }
  return out;
}

/** Runtime-specific address-space reservation, in bytes, added to `memoryBytes` for RLIMIT_AS. */
export interface AddressSpace {
  /** V8 and the JVM reserve virtual memory they never touch; Node needs about 800 MiB of it to start (measured). */
  reserveBytes: number;
}

/**
 * `prlimit` arguments (util-linux) applying `limits` to the command that follows them.
 * Soft and hard limits are equal except CPU, whose hard limit is one second later so the runtime
 * first gets SIGXCPU (a chance to report) and then SIGKILL.
 *
 * @returns e.g. `['--cpu=5:6', '--data=536870912', '--as=805306368', '--nproc=64', '--fsize=67108864', '--core=0']`.
 */
export function prlimitArgs(limits: ExecutionLimits, space: AddressSpace = { reserveBytes: 256 * 1024 * 1024 }): string[] {
  const cpu = Math.ceil(limits.cpuSeconds);
  const data = Math.floor(limits.memoryBytes);
  return [
    `--cpu=${cpu}:${cpu + 1}`,
    `--data=${data}`,
    `--as=${data + Math.floor(space.reserveBytes)}`,
    `--nproc=${Math.floor(limits.processes)}`,
    `--fsize=${Math.floor(limits.diskBytes)}`,
    // No core dumps: they would be written to the tmpfs and cost time.
    '--core=0',
  ];
}
