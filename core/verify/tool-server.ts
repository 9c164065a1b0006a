import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, setPriority } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { ToolResult } from './batch.js';

/**
 * Long-lived tool processes (issue #15): a tool whose start-up dominates a batch (pylint's
 * interpreter, pylint and astroid imports; ESLint's and tsc's module loading and lib parsing) runs
 * once per slot and is sent one request per batch, instead of being started for every batch.
 *
 * Protocol: JSON lines. The server reads one request per line on stdin (`{"id": n, ...}`) and
 * writes exactly one line per request on stdout, `{"id": n, "exitCode": c, "stdout": "...",
 * "stderr": "..."}`: what the tool's CLI would have printed and exited with for the same
 * arguments, so {@link BatchToolSpec.parse} reads it unchanged. A server handles one request at a
 * time and must exit when its stdin closes (so it dies with its parent, even after `kill -9`).
 * Anything else it writes to stderr is kept (the last {@link STDERR_TAIL} characters) for messages.
 */

/** Characters of a server's stderr kept for crash messages (our choice). */
export const STDERR_TAIL = 4_000;

/** How to start one server process. */
export interface ToolServerOptions {
  /** Name in messages (`pylint server`). */
  name: string;
  /** Executable (absolute path or a name on PATH). */
  command: string;
  args: readonly string[];
  env?: Record<string, string>;
  /**
   * Most processes at once: requests beyond it wait for a free one. Default: the machine's
   * available parallelism (the verify gate runs at most `cpuBudget` batches at once, by default the same).
   */
  size?: number;
  /**
   * Requests one process serves before it is replaced by a fresh one, bounding what a tool's caches
   * keep of earlier batches (our choice; default 500). `Infinity` never recycles.
   */
  maxRequests?: number;
  /**
   * Unix nice value (0 to 19) of the processes, for background work that should take only CPU the
   * run leaves idle (the export's pretokenizer). Default: inherited. Ignored where it cannot be set.
   */
  niceness?: number;
}

/** Per-request limits. */
export interface ToolRequestOptions {
  /** Wall-clock limit, ms: past it the process is killed (SIGKILL) and the result has `timedOut`. */
  timeoutMs: number;
  /** Aborting kills the process and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A pool of long-lived server processes speaking the JSON-lines protocol above. */
export interface ToolServer {
  /**
   * Send one request (`id` is added) to a free process, starting one when none is free and fewer
   * than `size` run. Resolves with the server's answer as a {@link ToolResult}. When the process
   * exits, is killed by a signal, writes a line that is not the answer to this request, or does
   * not answer within `timeoutMs`, it is killed and the result says so the way a crashed CLI run
   * would (`timedOut`, `signal`, or no `exitCode` and the reason in `stderr`); the next request
   * starts a fresh process. Never rejects for a tool failure.
   * @throws the signal's reason when `options.signal` aborts (the process is killed)
   */
  request(message: Record<string, unknown>, options: ToolRequestOptions): Promise<ToolResult>;
  /** Processes running now. */
  readonly running: number;
  /** Process ids of the running processes (for tests and CPU accounting). */
  pids(): number[];
  /**
   * Kill every process (SIGTERM, SIGKILL after 2 s) and wait until they exited; waiting requests
   * are answered as crashed. The pool stays usable: a later request starts a process again.
   */
  close(): Promise<void>;
}

interface Worker {
  child: ChildProcess;
  served: number;
  stderr: string;
  /** stderr written since the current request was sent (tail). */
  requestStderr: string;
  buffer: string;
  exited: Promise<void>;
  dead: boolean;
  /** Set while a request is in flight. */
  pending?: { id: number; done(outcome: { line?: string; failure?: string; signal?: string }): void };
}

const live = new Set<ChildProcess>();
let exitHook = false;

/** Kill every server this process started when it exits (children also exit on stdin EOF). */
function killOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * A pool of long-lived tool servers; no process starts until the first request.
 * Processes and their pipes are `unref`ed: an idle pool never keeps Node's event loop alive
 * (a request in flight does, through its timeout timer), and every process is killed when this
 * process exits.
 */
export function createToolServer(options: ToolServerOptions): ToolServer {
  const size = Math.max(1, options.size ?? availableParallelism());
  const maxRequests = options.maxRequests ?? 500;
  const idle: Worker[] = [];
  const all = new Set<Worker>();
  const waiting: Array<(w: Worker | undefined) => void> = [];
  let nextId = 1;
  let closing = false;

  function start(): Worker {
    killOnExit();
    const child = spawn(options.command, [...options.args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    live.add(child);
    if (options.niceness !== undefined && child.pid !== undefined) {
      try {
        setPriority(child.pid, options.niceness);
      } catch {
        // not permitted here: the process runs at the inherited priority
      }
    }
    const w: Worker = { child, served: 0, stderr: '', requestStderr: '', buffer: '', dead: false, exited: Promise.resolve() };
    w.exited = new Promise<void>((resolve) => {
      const gone = (failure: string, signal?: string) => {
        if (!w.dead) {
          w.dead = true;
          live.delete(child);
          all.delete(w);
          const at = idle.indexOf(w);
          if (at >= 0) idle.splice(at, 1);
          if (!closing) handOn();
        }
        w.pending?.done({ failure, ...(signal ? { signal } : {}) });
        resolve();
      };
      child.once('error', (err) => {
        gone(`${options.name} could not start: ${err.message}`);
      });
      child.once('close', (code, signal) => gone(signal ? `${options.name} was killed by ${signal}` : `${options.name} exited with code ${code}`, signal ?? undefined));
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      w.buffer += chunk;
      let nl: number;
      while ((nl = w.buffer.indexOf('\n')) >= 0) {
        const line = w.buffer.slice(0, nl);
        w.buffer = w.buffer.slice(nl + 1);
        if (w.pending) w.pending.done({ line });
        else if (line.trim()) kill(w);
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      w.stderr = (w.stderr + chunk).slice(-STDERR_TAIL);
      w.requestStderr = (w.requestStderr + chunk).slice(-STDERR_TAIL);
    });
    // A broken pipe shows up as the process's exit; the write error itself carries nothing more.
    child.stdin!.on('error', () => {});
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?(): void } | null)?.unref?.();
    all.add(w);
    return w;
  }

  function kill(w: Worker): void {
    if (w.dead) return;
    w.child.kill('SIGKILL');
  }

  function acquire(): Promise<Worker | undefined> {
    const w = idle.pop();
    if (w) return Promise.resolve(w);
    if (all.size < size) return Promise.resolve(start());
    return new Promise((resolve) => waiting.push(resolve));
  }

  function release(w: Worker): void {
    if (w.dead || closing) return;
    if (w.served >= maxRequests) {
      w.child.stdin!.end();
      kill(w);
      return;
    }
    const next = waiting.shift();
    if (next) next(w);
    else idle.push(w);
  }

  /** A process went away: a request waiting for one may start a new one. */
  function handOn(): void {
    while (waiting.length && all.size < size) waiting.shift()!(start());
  }

  async function request(message: Record<string, unknown>, opts: ToolRequestOptions): Promise<ToolResult> {
    opts.signal?.throwIfAborted();
    const w = await acquire();
    if (!w) return crashed(`${options.name} was closed`, '');
    const id = nextId++;
    w.served++;
    w.requestStderr = '';
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    let timedOut = false;
    const outcome = await new Promise<{ line?: string; failure?: string; signal?: string }>((resolve) => {
      let settled = false;
      w.pending = {
        id,
        done(o) {
          if (settled) return;
          settled = true;
          w.pending = undefined;
          resolve(o);
        },
      };
      if (w.dead) return w.pending.done({ failure: `${options.name} is not running` });
      timer = setTimeout(() => {
        timedOut = true;
        kill(w);
      }, opts.timeoutMs);
      onAbort = () => kill(w);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      w.child.stdin!.write(`${JSON.stringify({ ...message, id })}\n`);
    });
    clearTimeout(timer);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    const stderr = w.requestStderr;
    if (opts.signal?.aborted) {
      kill(w);
      throw opts.signal.reason;
    }
    if (timedOut) {
      return { stdout: '', stderr, timedOut: true };
    }
    if (outcome.line === undefined) {
      if (outcome.signal) return { stdout: '', stderr: `${outcome.failure}\n${w.stderr}`, timedOut: false, signal: outcome.signal };
      return crashed(outcome.failure ?? `${options.name} failed`, w.stderr);
    }
    let answer: { id?: unknown; exitCode?: unknown; stdout?: unknown; stderr?: unknown };
    try {
      answer = JSON.parse(outcome.line) as typeof answer;
    } catch {
      answer = {};
    }
    if (answer.id !== id || typeof answer.exitCode !== 'number' || typeof answer.stdout !== 'string') {
      kill(w);
      return crashed(`${options.name} answered with ${JSON.stringify(outcome.line.slice(0, 200))} instead of a reply to its request`, w.stderr);
    }
    release(w);
    return { exitCode: answer.exitCode, stdout: answer.stdout, stderr: `${typeof answer.stderr === 'string' ? answer.stderr : ''}${stderr}`, timedOut: false };
  }

  return {
    request,
    get running() {
      return all.size;
    },
    pids: () => [...all].flatMap((w) => (w.child.pid === undefined ? [] : [w.child.pid])),
    async close() {
      closing = true;
      for (const next of waiting.splice(0)) next(undefined);
      const workers = [...all];
      idle.length = 0;
      for (const w of workers) {
        w.child.stdin!.end();
        w.child.kill('SIGTERM');
      }
      const force = setTimeout(() => workers.forEach((w) => kill(w)), 2_000);
      await Promise.all(workers.map((w) => w.exited));
      clearTimeout(force);
      closing = false;
    },
  };
}

/** A failed run as runBatched reads it: no exit code (never an "ok" exit), the reason first in stderr. */
function crashed(reason: string, stderr: string): ToolResult {
  return { stdout: '', stderr: stderr.trim() ? `${reason}\n${stderr}` : reason, timedOut: false };
}

/**
 * The command line that runs a Node script shipped with the package, in both ways the package
 * runs: from TypeScript sources (tests, `node --import tsx`), where `scriptUrl` ends in `.ts` and
 * the child gets tsx's loader, and from the compiled `dist/**\/*.js`. Returns `node` (default
 * `process.execPath`) and its arguments.
 * @throws Error when the script is TypeScript and tsx is not installed
 */
export function nodeScriptCommand(scriptUrl: string | URL, node: string = process.execPath): { command: string; args: string[] } {
  const path = fileURLToPath(scriptUrl);
  if (!/\.[cm]?ts$/.test(path)) return { command: node, args: [path] };
  return { command: node, args: ['--import', tsxLoader(), path] };
}

let loader: string | undefined;

/** tsx's ESM entry as a file URL (what `node --import tsx` loads), found from this package. */
function tsxLoader(): string {
  if (loader) return loader;
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, unknown> };
  const entry = pkg.exports['.'];
  const rel = typeof entry === 'string' ? entry : ((entry as Record<string, unknown>).import as string | undefined) ?? ((entry as Record<string, unknown>).default as string);
  loader = pathToFileURL(join(dirname(pkgPath), rel)).href;
  return loader;
}
