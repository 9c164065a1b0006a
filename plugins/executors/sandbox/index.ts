import { existsSync } from 'node:fs';
import { definePlugin, z, type ExecutionLimits, type ExecutionRequest, type ExecutionResult } from '../../../core/index.js';
import { Sandbox, type SandboxOptions, type SandboxStatus } from './bubblewrap.js';
import { resolveLimits } from './limits.js';
import { RUNTIMES, type Runtime } from './runtimes.js';

const limitsSchema = z
  .object({
    cpuSeconds: z.number().positive(),
    memoryBytes: z.number().int().positive(),
    processes: z.number().int().positive(),
    outputBytes: z.number().int().positive(),
    wallSeconds: z.number().positive(),
    diskBytes: z.number().int().positive(),
  })
  .partial()
  .strict();

/** Options of `executor:sandbox` (config key `plugins.executor:sandbox`). */
export const sandboxExecutorOptions = z
  .object({
    /** Languages to run; each needs its runtime installed. Default: all built-in runtimes that are installed. */
    languages: z.array(z.enum(Object.keys(RUNTIMES) as [string, ...string[]])).optional(),
    /** Limits of every execution; unset fields take DEFAULT_LIMITS (our choices, see core/exec/types.ts). */
    limits: limitsSchema.default({}),
    /** The most a request may ask for through its own `limits`. Default (our choice): 4 × the limits. */
    maxLimits: limitsSchema.optional(),
    /** Sandboxes at once (CPU budget). Default: available parallelism. */
    concurrency: z.number().int().min(1).max(256).optional(),
    /** See IsolationMode in core/exec/bwrap.ts. */
    isolation: z.enum(['auto', 'user-namespace', 'root-setuid']).default('auto'),
    /** UNSAFE: run code without a sandbox when bwrap is unavailable (a loud warning is logged). */
    allowUnsandboxed: z.boolean().default(false),
    /** First host uid of the sandbox slots (see SandboxOptions.uidBase). */
    uidBase: z.number().int().min(1000).optional(),
    /** Override a runtime's binary, e.g. `{ python: "/usr/bin/python3.12" }`. Must be under /usr or listed in extraReadOnly. */
    binaries: z.record(z.string(), z.string()).default({}),
    /** Path of the bubblewrap binary. */
    bwrapPath: z.string().default('/usr/bin/bwrap'),
    /** Extra host paths bound read-only into every sandbox (a runtime installed outside /usr). */
    extraReadOnly: z.array(z.string()).default([]),
  })
  .strict();

export type SandboxExecutorOptions = z.input<typeof sandboxExecutorOptions>;

/** A ready executor: what `executor:sandbox` taps, usable without a runner too (benchmarks, other tools). */
export interface SandboxExecutor {
  /** Languages this executor runs (their runtime is installed), sorted. */
  readonly languages: string[];
  /** Languages asked for whose runtime is missing, with the package that installs it. */
  readonly missing: { language: string; binary: string; install: string }[];
  /** Probe the sandbox once. @throws SandboxUnavailableError when bwrap is unusable and unsandboxed runs are not allowed. */
  status(): Promise<SandboxStatus>;
  /**
   * Run one request. Returns `refused` for an invalid request (unknown language, limits over the
   * ceiling, bad file path) with the reason in `message`; never throws for anything the program does.
   * @throws SandboxUnavailableError, SandboxError (bwrap failed to start this sandbox).
   */
  execute(request: ExecutionRequest): Promise<ExecutionResult>;
}

/**
 * Build a {@link SandboxExecutor} from options (validated with {@link sandboxExecutorOptions}).
 * @throws ZodError naming the bad option.
 */
export function createSandboxExecutor(input: SandboxExecutorOptions = {}, warn?: (message: string) => void): SandboxExecutor {
  const o = sandboxExecutorOptions.parse(input);
  const base = resolveLimits(o.limits);
  const ceiling: Partial<ExecutionLimits> =
    o.maxLimits ?? Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v * 4]));
  const sandboxOptions: SandboxOptions = {
    isolation: o.isolation,
    allowUnsandboxed: o.allowUnsandboxed,
    bwrapPath: o.bwrapPath,
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.uidBase ? { uidBase: o.uidBase } : {}),
    ...(warn ? { warn } : {}),
  };
  const sandbox = new Sandbox(sandboxOptions);
  const wanted = o.languages ?? Object.keys(RUNTIMES);
  const runtimes = new Map<string, { runtime: Runtime; binary: string }>();
  const missing: SandboxExecutor['missing'] = [];
  for (const language of wanted) {
    const runtime = RUNTIMES[language]!;
    const binary = o.binaries[language] ?? runtime.binary;
    if (existsSync(binary)) runtimes.set(language, { runtime, binary });
    else missing.push({ language, binary, install: `apt-get install ${runtime.aptPackage}` });
  }
  const refused = (message: string): ExecutionResult => ({
    verdict: 'refused', exitCode: null, signal: null, stdout: '', stderr: '', truncated: false, durationMs: 0, message,
  });

  return {
    languages: [...runtimes.keys()].sort(),
    missing,
    status: () => sandbox.status(),
    async execute(request) {
      const entry = runtimes.get(request.language);
      if (!entry) {
        return refused(`executor:sandbox does not run ${request.language}; it runs ${[...runtimes.keys()].sort().join(', ') || 'nothing'}`);
      }
      let limits: ExecutionLimits;
      try {
        limits = resolveLimits(base, request.limits, ceiling);
      } catch (e) {
        return refused((e as Error).message);
      }
      const { runtime, binary } = entry;
      const extra = request.files ?? [];
      if (extra.some((f) => f.path === runtime.mainFile)) return refused(`file path "${runtime.mainFile}" is reserved for the program itself`);
      return sandbox.run({
        command: runtime.command(binary, request.args ?? [], limits),
        files: [{ path: runtime.mainFile, content: request.code }, ...extra],
        stdin: request.stdin,
        env: runtime.env,
        roBinds: [...runtime.roBinds(), ...o.extraReadOnly],
        limits,
        reserveBytes: runtime.reserveBytes,
        memoryPatterns: runtime.memoryPatterns,
        signal: request.signal,
      });
    },
  };
}

/**
 * `executor:sandbox`: runs Python, JavaScript (Node), C, C++ and Java programs in bubblewrap
 * sandboxes (see core/exec/sandbox.ts) for every plugin that asks `hooks.execute` (issue #6).
 * Taps `hooks.execute` for each language whose runtime is installed; at run start it probes the
 * sandbox and stops the run when bwrap is unusable (unless `allowUnsandboxed`).
 */
export default definePlugin({
  name: 'executor:sandbox',
  description: 'Runs untrusted code in bubblewrap sandboxes (no network, private tmpfs, CPU/memory/process/output limits).',
  options: sandboxExecutorOptions,
  apply(ctx, options) {
    const executor = createSandboxExecutor(options, (m) => ctx.log.warn(m));
    for (const m of executor.missing) {
      ctx.log.warn(`${m.binary} is missing, so ${m.language} code cannot be executed (install it with: ${m.install})`);
    }
    for (const language of executor.languages) {
      ctx.hooks.execute.for(language).tapPromise((request) => executor.execute(request));
    }
    ctx.hooks.runStart.tapPromise(async () => {
      const s = await executor.status();
      ctx.log.info(
        s.isolation === 'bwrap'
          ? `bubblewrap (${s.mode}) for ${executor.languages.join(', ')}`
          : `UNSANDBOXED (${s.reason})`,
      );
    });
  },
});

