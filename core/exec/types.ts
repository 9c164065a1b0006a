/**
 * The executor contract (DESIGN.md, "Static verification and execution"; issue #6).
 *
 * An executor runs one program, written by a person or a model, inside a sandbox and reports what
 * happened as an {@link ExecutionResult}. Executors are keyed by language on `hooks.execute`, so a
 * strategy (Semi-Instruct), a judge that runs tests or a filter that runs a sample's own asserts all
 * ask for `api.hooks.execute.get(language)` and never know which sandbox answers.
 */

/**
 * Resource limits of one execution. Every number is our choice (the Semi-Instruct paper gives
 * none); the defaults are in {@link DEFAULT_LIMITS}.
 */
export interface ExecutionLimits {
  /** CPU seconds per process (RLIMIT_CPU; SIGXCPU at the limit, SIGKILL one second later). */
  cpuSeconds: number;
  /**
   * Bytes of writable private memory per process (RLIMIT_DATA: heap, stacks, anonymous mappings).
   * The address space (RLIMIT_AS) is capped at this plus the runtime's reservation allowance, so
   * shared mappings are bounded too.
   */
  memoryBytes: number;
  /** Processes and threads the sandboxed user may have at once (RLIMIT_NPROC inside the sandbox). */
  processes: number;
  /** Bytes of stdout plus stderr kept; one byte more and the whole sandbox is killed (`output_limit`). */
  outputBytes: number;
  /** Wall-clock seconds before the whole process tree is killed (`timeout`). Includes compilation. */
  wallSeconds: number;
  /** Bytes the program may write to its writable directories (`/work`, `/tmp` are tmpfs of this size; RLIMIT_FSIZE per file). */
  diskBytes: number;
}

/**
 * Defaults (our choices): enough for a HumanEval-sized function or a short stdin/stdout program in
 * any supported runtime, small enough that 2 cores run several sandboxes at once.
 */
export const DEFAULT_LIMITS: Readonly<ExecutionLimits> = Object.freeze({
  cpuSeconds: 5,
  memoryBytes: 512 * 1024 * 1024,
  processes: 64,
  outputBytes: 1024 * 1024,
  wallSeconds: 10,
  diskBytes: 64 * 1024 * 1024,
});

/** One extra file placed read-only next to the program (`/work/<path>`). */
export interface ExecutionFile {
  /** Relative path under `/work`, `[A-Za-z0-9._-]` segments separated by `/`; no `..`. */
  path: string;
  content: string;
}

/** What to run. */
export interface ExecutionRequest {
  /** Language id (`python`, `javascript`, `c`, `cpp`, `java`): picks the executor on `hooks.execute`. */
  language: string;
  /** The program's source. It is the main file (`/work/main.py`, `/work/main.js`, `/work/Main.java`, ...). */
  code: string;
  /** Bytes written to the program's stdin (UTF-8); empty when unset. */
  stdin?: string;
  /** Command-line arguments after the program. */
  args?: string[];
  /** Extra read-only files next to the program. */
  files?: ExecutionFile[];
  /** Overrides of the executor's limits, per field; each must stay under the executor's ceiling. */
  limits?: Partial<ExecutionLimits>;
  /** Aborting kills the sandbox; the result's verdict is then `killed`. */
  signal?: AbortSignal;
}

/**
 * How an execution ended:
 * - `ok`: exit code 0.
 * - `error`: non-zero exit code, or a crash signal (SIGSEGV, ...) not caused by a limit; compile errors too.
 * - `timeout`: the wall clock or the CPU limit ran out.
 * - `memory`: the memory limit was hit (out-of-memory message of the runtime, or killed for it).
 * - `output_limit`: more than `outputBytes` of output, or a file bigger than `diskBytes`.
 * - `killed`: cancelled through `signal`, or killed by a signal from outside.
 * - `refused`: not run at all (invalid request); `message` says why.
 */
export type ExecutionVerdict = 'ok' | 'error' | 'timeout' | 'memory' | 'output_limit' | 'killed' | 'refused';

export interface ExecutionResult {
  verdict: ExecutionVerdict;
  /** The program's exit code, or null when it was ended by a signal or never ran. */
  exitCode: number | null;
  /** The signal that ended the program (`SIGKILL`, `SIGXCPU`, ...), or null. */
  signal: string | null;
  /** UTF-8 stdout, at most `outputBytes` bytes (less when stderr took part of the budget). */
  stdout: string;
  stderr: string;
  /** True when output was cut at the `outputBytes` cap. */
  truncated: boolean;
  /** Wall-clock milliseconds from spawn to exit, including sandbox setup. */
  durationMs: number;
  /** Why the verdict is what it is, in one sentence (always set unless `ok`). */
  message?: string;
  /** The isolation the program ran under; `none` only with `allowUnsandboxed`. */
  isolation?: 'bwrap' | 'none';
}
