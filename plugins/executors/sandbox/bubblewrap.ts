import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import pLimit from 'p-limit';
import { InstructsmithError } from '../../../core/index.js';
import { SANDBOX_WORKDIR, bwrapArgs, setprivArgs, seccompFilter, type IsolationMode } from './bwrap.js';
import { classifyOutcome } from './classify.js';
import { prlimitArgs } from './limits.js';
import type { ExecutionFile, ExecutionLimits, ExecutionResult } from '../../../core/index.js';

/** The sandbox cannot be used: bwrap is missing or cannot create namespaces here. Fatal for the run. */
export class SandboxUnavailableError extends InstructsmithError {
  constructor(message: string, hint: string) {
    super('SANDBOX_UNAVAILABLE', message, { hint, fatal: true });
    this.name = 'SandboxUnavailableError';
  }
}

/** bwrap failed to set up one sandbox after the probe had worked (out of memory, disk, ...). Not fatal: that sample fails. */
export class SandboxError extends InstructsmithError {
  constructor(message: string) {
    super('SANDBOX_FAILED', message, { fatal: false });
    this.name = 'SandboxError';
  }
}

export interface SandboxOptions {
  /** `auto` (default): `user-namespace`, else (as root) `root-setuid`; see {@link IsolationMode}. */
  isolation?: 'auto' | IsolationMode;
  /**
   * Run WITHOUT isolation (only prlimit limits, a temp directory and a cleared environment) when bwrap
   * cannot be used. Unsafe for model-written code: the program sees the network and the host's files.
   */
  allowUnsandboxed?: boolean;
  /** Sandboxes running at once (the CPU budget). Default: the machine's available parallelism. At most 256. */
  concurrency?: number;
  /**
   * First host uid of the sandbox slots; slot i runs as `uidBase + i`, so RLIMIT_NPROC (counted per
   * uid) is not shared between parallel sandboxes. Default (our choice) 1.5e9 + 256 × (pid mod 1e5):
   * far above real accounts and distinct per process, so concurrent runs on one machine do not share uids.
   */
  uidBase?: number;
  /** Path of bwrap. Default `/usr/bin/bwrap`. */
  bwrapPath?: string;
  /** Where loud warnings go (unsandboxed mode). Default `console.warn`. */
  warn?: (message: string) => void;
}

/** One program to run; built by an executor from an {@link ExecutionRequest} and its runtime. */
export interface SandboxJob {
  /** Command inside the sandbox: absolute binary path, then arguments; paths of `files` are relative to the work directory. */
  command: string[];
  /** Files placed read-only in the work directory (the program's sources first). */
  files: ExecutionFile[];
  stdin?: string;
  /** The program's whole environment besides the sandbox defaults (PATH, HOME, TMPDIR, LANG). */
  env?: Record<string, string>;
  /** Extra host paths the runtime needs, bound read-only. */
  roBinds?: string[];
  limits: ExecutionLimits;
  /** Address space reserved by the runtime beyond `memoryBytes` (V8, JVM); default 256 MiB. */
  reserveBytes?: number;
  /** stderr patterns that mean the runtime ran out of memory. */
  memoryPatterns?: readonly RegExp[];
  signal?: AbortSignal;
}

/** What the probe found. */
export interface SandboxStatus {
  isolation: 'bwrap' | 'none';
  mode?: IsolationMode;
  /** Why bwrap is not used (only when isolation is `none`). */
  reason?: string;
}

const FILE_PATH = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;
const SANDBOX_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: SANDBOX_WORKDIR,
  TMPDIR: '/tmp',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
});
const HOST_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
const STATUS_FD = 3;
/** execa writes the seccomp filter into this pipe and closes it; bwrap reads it to the end. */
const SECCOMP_FD = 4;
const PROBE_LIMITS: ExecutionLimits = { cpuSeconds: 2, memoryBytes: 64 << 20, processes: 16, outputBytes: 4096, wallSeconds: 10, diskBytes: 1 << 20 };

/**
 * Runs untrusted programs in bubblewrap sandboxes, at most `concurrency` at once (issue #6).
 *
 * Each run: the files go to a fresh host temp directory (mode 0711, files 0644, removed afterwards)
 * and are bound read-only into `/work`; the program runs as an unprivileged uid of its slot under
 * `prlimit` (CPU, data, address space, processes, file size), with no network, no host files but
 * /usr, and no inherited environment. We read its output as it comes and kill the sandbox one byte
 * past `outputBytes` (the host never buffers more than that), and kill it when the wall clock runs
 * out; killing bwrap kills the pid namespace's init, and the kernel then kills every process in it,
 * including ones left running in the background.
 *
 * The first run probes the sandbox once (`status()`); when bwrap is unusable every run throws
 * {@link SandboxUnavailableError} unless `allowUnsandboxed` is set.
 */
export class Sandbox {
  readonly concurrency: number;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly freeSlots: number[];
  private readonly uidBase: number;
  private readonly bwrap: string;
  private readonly warn: (message: string) => void;
  private probed?: Promise<SandboxStatus>;
  private readonly isRoot = process.getuid?.() === 0;

  constructor(private readonly options: SandboxOptions = {}) {
    const c = options.concurrency ?? Math.max(1, availableParallelism());
    if (!Number.isInteger(c) || c < 1 || c > 256) throw new RangeError(`sandbox concurrency is ${c}; expected an integer from 1 to 256`);
    this.concurrency = c;
    this.limit = pLimit(c);
    this.freeSlots = Array.from({ length: c }, (_, i) => i);
    this.uidBase = options.uidBase ?? 1_500_000_000 + 256 * (process.pid % 100_000);
    if (!Number.isInteger(this.uidBase) || this.uidBase < 1000 || this.uidBase + c > 4_294_967_294) {
      throw new RangeError(`sandbox uidBase is ${this.uidBase}; expected an integer from 1000 to ${4_294_967_294 - c}`);
    }
    this.bwrap = options.bwrapPath ?? '/usr/bin/bwrap';
    this.warn = options.warn ?? ((m) => console.warn(m));
  }

  /**
   * Find out once how programs will be isolated: try bwrap in the configured mode(s) with `/usr/bin/true`.
   * @throws SandboxUnavailableError when bwrap is missing or fails and `allowUnsandboxed` is not set.
   */
  status(): Promise<SandboxStatus> {
    this.probed ??= this.probe();
    return this.probed;
  }

  /** Run one job. Waits for a free slot first. Throws SandboxUnavailableError (see {@link status}) or SandboxError. */
  async run(job: SandboxJob): Promise<ExecutionResult> {
    const status = await this.status();
    return this.limit(async () => {
      const slot = this.freeSlots.pop()!;
      try {
        return await this.runIn(job, status.isolation === 'bwrap' ? status.mode! : undefined, slot);
      } finally {
        this.freeSlots.push(slot);
      }
    });
  }

  private async probe(): Promise<SandboxStatus> {
    const unavailable = (message: string, hint: string): SandboxStatus => {
      if (!this.options.allowUnsandboxed) throw new SandboxUnavailableError(message, hint);
      this.warn(
        `WARNING: ${message}. allowUnsandboxed is set, so untrusted code will run WITHOUT A SANDBOX: ` +
          'it can reach the network, read your files and see anything this user can. Only limits and a cleared environment apply.',
      );
      return { isolation: 'none', reason: message };
    };
    if (!existsSync(this.bwrap)) {
      return unavailable(`bubblewrap (${this.bwrap}) is not installed, so code cannot be executed in a sandbox`, 'install it with: apt-get install bubblewrap (or set the executor option allowUnsandboxed: true, which is unsafe)');
    }
    const isolation = this.options.isolation ?? 'auto';
    const modes: IsolationMode[] = isolation !== 'auto' ? [isolation] : this.isRoot ? ['user-namespace', 'root-setuid'] : ['user-namespace'];
    const failures: string[] = [];
    let unreachableTmp = false;
    for (const mode of modes) {
      if (mode === 'root-setuid' && !this.isRoot) {
        failures.push(`${mode}: needs root`);
        continue;
      }
      try {
        // With a file bound in, as every job has: the probe must reach the temp folder as jobs do.
        const r = await this.runIn({ command: ['/usr/bin/true'], files: [{ path: 'probe', content: '' }], limits: PROBE_LIMITS }, mode, 0);
        if (r.verdict === 'ok') return { isolation: 'bwrap', mode };
        const closed = mode === 'user-namespace' && this.isRoot ? closedAncestor(tmpdir()) : undefined;
        if (closed) unreachableTmp = true;
        failures.push(
          closed
            ? `${mode}: the sandbox's unprivileged uid cannot reach the temp folder ${tmpdir()}, where each job's files are written (${closed.dir} has mode ${closed.mode}; set TMPDIR to a folder every user may traverse, such as /tmp)`
            : `${mode}: ${r.verdict} ${r.stderr.trim()}`,
        );
      } catch (e) {
        failures.push(`${mode}: ${(e as Error).message}`);
      }
    }
    return unavailable(
      `bubblewrap cannot create a sandbox here (${failures.join('; ')})`,
      unreachableTmp
        ? 'set TMPDIR to a folder every user may traverse (e.g. TMPDIR=/tmp), or isolation: auto so that root-setuid is tried; or set allowUnsandboxed: true (unsafe)'
        : 'allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0), or run as root so the root-setuid mode works; or set allowUnsandboxed: true (unsafe)',
    );
  }

  private async runIn(job: SandboxJob, mode: IsolationMode | undefined, slot: number): Promise<ExecutionResult> {
    const started = performance.now();
    const refused = (message: string): ExecutionResult => ({
      verdict: 'refused', exitCode: null, signal: null, stdout: '', stderr: '', truncated: false, durationMs: 0, message,
    });
    const seen = new Set<string>();
    for (const f of job.files) {
      if (!FILE_PATH.test(f.path) || f.path.split('/').includes('..')) {
        return refused(`file path "${f.path}" is not allowed; expected a relative path of [A-Za-z0-9._-] segments without ".."`);
      }
      if (seen.has(f.path)) return refused(`file path "${f.path}" is given twice`);
      seen.add(f.path);
    }

    const hostDir = await mkdtemp(join(tmpdir(), 'instructsmith-sbx-'));
    try {
      // bwrap runs as the slot uid in user-namespace mode and must be able to reach the files it binds.
      await chmod(hostDir, 0o711);
      for (const f of job.files) {
        const p = join(hostDir, f.path);
        await mkdir(dirname(p), { recursive: true, mode: 0o755 });
        await writeFile(p, f.content, { mode: 0o644 });
      }
      const uid = this.uidBase + slot;
      const inner = ['/usr/bin/prlimit', ...prlimitArgs(job.limits, { reserveBytes: job.reserveBytes ?? 256 << 20 }), '--', ...job.command];
      const env = { ...SANDBOX_ENV, ...job.env };
      let argv: string[];
      let cwd: string | undefined;
      if (mode) {
        const args = bwrapArgs({
          mode,
          hostUid: uid,
          roBinds: job.roBinds ?? [],
          files: job.files.map((f) => ({ host: join(hostDir, f.path), sandbox: `${SANDBOX_WORKDIR}/${f.path}` })),
          diskBytes: job.limits.diskBytes,
          env,
          command: inner,
          statusFd: STATUS_FD,
          seccompFd: SECCOMP_FD,
        });
        argv = mode === 'user-namespace' && this.isRoot ? [...setprivArgs(uid, true), this.bwrap, ...args] : [this.bwrap, ...args];
      } else {
        argv = inner;
        cwd = hostDir;
      }
      return await this.spawn(argv, job, env, cwd, mode, started);
    } finally {
      await rm(hostDir, { recursive: true, force: true });
    }
  }

  private async spawn(
    argv: string[],
    job: SandboxJob,
    env: Record<string, string>,
    cwd: string | undefined,
    mode: IsolationMode | undefined,
    started: number,
  ): Promise<ExecutionResult> {
    const cap = job.limits.outputBytes;
    const sandboxed = mode !== undefined;
    const sub = execa(argv[0]!, argv.slice(1), {
      // Unsandboxed programs get the minimal environment directly; sandboxed ones get it from --setenv.
      env: sandboxed ? HOST_ENV : env,
      extendEnv: false,
      cwd,
      input: job.stdin ?? '',
      // Built per run (13 instructions): an unknown architecture throws here, which the probe reports.
      stdio: sandboxed ? ['pipe', 'pipe', 'pipe', 'pipe', seccompFilter()] : ['pipe', 'pipe', 'pipe', 'pipe'],
      buffer: false,
      reject: false,
      // Unsandboxed: its own process group, so the whole tree can be killed.
      detached: !sandboxed,
    });
    const kill = () => {
      try {
        if (sandboxed) sub.kill('SIGKILL');
        else if (sub.pid) process.kill(-sub.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };

    let used = 0;
    let outputExceeded = false;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const take = (into: Buffer[]) => (chunk: Buffer) => {
      if (outputExceeded) return;
      const room = cap - used;
      if (chunk.length > room) {
        if (room > 0) into.push(chunk.subarray(0, room));
        used = cap;
        outputExceeded = true;
        kill();
        return;
      }
      into.push(chunk);
      used += chunk.length;
    };
    sub.stdout!.on('data', take(out));
    sub.stderr!.on('data', take(err));
    let status = '';
    const statusStream = sub.stdio[STATUS_FD] as NodeJS.ReadableStream | undefined;
    statusStream?.on('data', (c: Buffer) => {
      if (status.length < 4096) status += c.toString('utf8');
    });

    let timedOut = false;
    let cancelled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, job.limits.wallSeconds * 1000);
    const onAbort = () => {
      cancelled = true;
      kill();
    };
    if (job.signal?.aborted) onAbort();
    else job.signal?.addEventListener('abort', onAbort, { once: true });
    // Unsandboxed: nothing else ends the background processes a program leaves behind.
    if (!sandboxed) sub.once('exit', kill);

    const r = await sub;
    clearTimeout(timer);
    job.signal?.removeEventListener('abort', onAbort);
    const durationMs = Math.round(performance.now() - started);
    const stdout = Buffer.concat(out).toString('utf8');
    const stderr = Buffer.concat(err).toString('utf8');

    let exitCode = r.exitCode ?? null;
    let signal = r.signal ?? null;
    if (sandboxed) {
      const started = /"child-pid"\s*:/.test(status);
      const exit = /"exit-code"\s*:\s*(\d+)/.exec(status);
      if (!started && !timedOut && !cancelled && !outputExceeded) {
        throw new SandboxError(`bwrap could not start the sandbox (exit ${exitCode ?? signal}): ${stderr.trim().slice(0, 500)}`);
      }
      // bwrap's own status is authoritative; a signal on bwrap itself means we killed it.
      if (exit) {
        exitCode = Number(exit[1]);
        signal = null;
      }
    }
    const c = classifyOutcome({ exitCode, signal, timedOut, cancelled, outputExceeded, stderr }, job.limits, job.memoryPatterns ?? []);
    return {
      verdict: c.verdict,
      exitCode: c.exitCode,
      signal: c.signal,
      stdout,
      stderr,
      truncated: outputExceeded,
      durationMs,
      ...(c.message ? { message: c.message } : {}),
      isolation: sandboxed ? 'bwrap' : 'none',
    };
  }
}

/**
 * The first folder of `dir`'s path (itself included) that other users may not traverse (no `o+x`),
 * with its octal mode: the slot uid of user-namespace mode, which bwrap runs as, cannot reach files
 * below it. Undefined when every folder is traversable (or one cannot be read: the probe's own error then says why).
 */
function closedAncestor(dir: string): { dir: string; mode: string } | undefined {
  const parts = dir.split('/').filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const d = `/${parts.slice(0, i).join('/')}`;
    let mode: number;
    try {
      mode = statSync(d).mode;
    } catch {
      return undefined;
    }
    if ((mode & 0o001) === 0) return { dir: d, mode: `0${(mode & 0o7777).toString(8)}` };
  }
  return undefined;
}
