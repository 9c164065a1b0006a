import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { execa } from 'execa';
import { InstructsmithError, ToolMissingError } from '../errors.js';
import type { CodeSample } from '../hooks.js';
import type { CheckResult, Diagnostic } from '../record.js';

/**
 * Batched runs of a static-analysis tool (DESIGN.md, "Static verification": one tool process checks
 * many samples and diagnostics are mapped back to each sample). Public so third-party analyzers
 * get the same batching, crash isolation and clean-up as the built-in ones.
 */

/** One sample written to disk for a batch. */
export interface BatchFile {
  sample: CodeSample;
  /** Path relative to the batch directory, with `/` separators (`s3.py`, `s3/Main.java`). */
  path: string;
  /** Absolute path. */
  absPath: string;
  /** What was written: the sample's code, wrapped when the analyzer needs a wrapper to parse it. */
  content: string;
  /** Lines the wrapper put before the sample's code; subtracted from reported lines. */
  lineOffset: number;
  /** Number of lines of the sample's own code. */
  codeLines: number;
}

/** A finding as the tool reported it, naming the file it is about (as printed: relative or absolute). */
export interface ToolDiagnostic extends Diagnostic {
  file: string;
}

/** How one tool process ended. */
export interface ToolResult {
  exitCode?: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the process was killed by a signal. */
  signal?: string;
}

/** Thrown by {@link BatchToolSpec.parse} when the output shows the tool itself failed (the batch is then bisected). */
export class ToolCrash extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolCrash';
  }
}

/** What an analyzer tells {@link runBatched} about its tool. */
export interface BatchToolSpec {
  /** Plugin name recorded on each check (`analyzer:python`). */
  plugin: string;
  /** Tool name recorded on each check and diagnostic (`pylint`). */
  tool: string;
  language: string;
  /** Executable to run: a name looked up on PATH, or a path. */
  command: string;
  /** How to install the executable, for the ToolMissingError (`apt-get install pylint`). */
  install: string;
  /** Relative file path for sample `i` of a batch; may contain one directory (`s3/Main.java`). */
  fileName(sample: CodeSample, i: number): string;
  /** Wrap sample `i` so that it parses (a Java method outside a class); `lineOffset` = lines added before the code. */
  prepare?(sample: CodeSample, i: number): { content: string; lineOffset: number };
  /** Write shared files (a config, a go.mod) into the batch directory before the first run. */
  setup?(dir: string, files: readonly BatchFile[]): Promise<void> | void;
  /** Arguments for one process over `files` (the process runs with cwd = `dir`). */
  args(files: readonly BatchFile[], dir: string): string[];
  /**
   * Turn a finished run into diagnostics, each naming its file. Throw {@link ToolCrash} when the
   * output shows the tool failed rather than reported findings.
   */
  parse(result: ToolResult, files: readonly BatchFile[], dir: string): ToolDiagnostic[];
  /** Exit codes of a normal run (with or without findings). Default: 0 and 1. */
  okExit?(code: number): boolean;
  /** Wall-clock limit of one process over `n` files, ms. Default: 20,000 + 1,000 per file (our choice). */
  timeoutMs?(n: number): number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Most files one process is given; longer sample lists are cut into consecutive chunks. Default: no limit. */
  maxFiles?: number;
  /**
   * Run the tool over `files` some other way than spawning `command` with `args` (a long-lived
   * server, core/verify/tool-server.ts), resolving with what the CLI run would have given: the
   * same stdout and exit code, or `timedOut` / `signal` / no `exitCode` when it failed, which is then
   * treated as a crashed process (bisection, `tool-crash`, `tool-timeout`). `command` must still
   * name an installed executable (the server's interpreter). Must not reject for a tool failure;
   * rejects with the signal's reason on abort.
   */
  exec?(files: readonly BatchFile[], dir: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<ToolResult>;
}

export interface RunBatchedOptions {
  signal?: AbortSignal;
  /** Called once per tool run: a process started, or a request to {@link BatchToolSpec.exec} (for benchmarks and logs). */
  onProcess?(files: number): void;
}

/**
 * Check `samples` with as few tool processes as possible and return one CheckResult per sample,
 * in order.
 *
 * Each sample becomes one file in a private temporary directory (`mkdtemp`, mode 0700, removed
 * afterwards); one process runs over all of them (execa, argument array, timeout, no shell) and
 * its diagnostics are mapped back by file, with lines made relative to the sample's own code
 * (a diagnostic inside a wrapper keeps no line and says so). When a process crashes, times out,
 * exits with an unexpected code, or prints findings for a file it was not given, the batch is cut
 * in half and each half rerun (bisection), so a single bad sample is isolated in about
 * 2·log2(n) extra runs; that sample's check then holds one error diagnostic, rule `tool-crash` or
 * `tool-timeout`, and fails. A check passes when it has no diagnostic of severity `error`.
 *
 * @throws ToolMissingError when `spec.command` is not installed.
 * @throws InstructsmithError `ANALYZER_FAILED` when each of 4 or more samples crashed the tool alone
 *   with the same message (a broken tool or option, not bad samples).
 * @throws the signal's reason when `options.signal` aborts.
 */
export async function runBatched(samples: readonly CodeSample[], spec: BatchToolSpec, options: RunBatchedOptions = {}): Promise<CheckResult[]> {
  if (samples.length === 0) return [];
  const max = spec.maxFiles ?? Infinity;
  if (samples.length > max) {
    const out: CheckResult[] = [];
    for (let i = 0; i < samples.length; i += max) out.push(...(await runBatched(samples.slice(i, i + max), spec, options)));
    return out;
  }
  const command = requireTool(spec.command, spec.install, spec.language);
  const dir = await mkdtemp(join(tmpdir(), `instructsmith-${spec.tool.replace(/[^a-z0-9-]/gi, '')}-`));
  try {
    const files = await writeBatch(dir, samples, spec);
    await spec.setup?.(dir, files);
    const diagnostics = await checkFiles(command, dir, files, spec, options);
    refuseSystemicCrash(spec, diagnostics);
    return diagnostics.map((d) => toCheck(spec, d));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function writeBatch(dir: string, samples: readonly CodeSample[], spec: BatchToolSpec): Promise<BatchFile[]> {
  const files: BatchFile[] = [];
  const seen = new Set<string>();
  for (const [i, sample] of samples.entries()) {
    const path = spec.fileName(sample, i).split('\\').join('/');
    if (isAbsolute(path) || normalize(path).startsWith('..') || seen.has(path)) {
      throw new Error(`${spec.plugin}: fileName() must return distinct relative paths inside the batch directory, got "${path}"`);
    }
    seen.add(path);
    const { content, lineOffset } = spec.prepare?.(sample, i) ?? { content: sample.code, lineOffset: 0 };
    const absPath = join(dir, path);
    await mkdir(dirname(absPath), { recursive: true });
    await writeFile(absPath, content.endsWith('\n') ? content : `${content}\n`, 'utf8');
    files.push({ sample, path, absPath, content, lineOffset, codeLines: sample.code.split('\n').length });
  }
  return files;
}

type Outcome = { ok: true; perFile: Diagnostic[][] } | { ok: false; rule: 'tool-crash' | 'tool-timeout'; message: string };

async function checkFiles(command: string, dir: string, files: BatchFile[], spec: BatchToolSpec, options: RunBatchedOptions): Promise<Diagnostic[][]> {
  const outcome = await runOnce(command, dir, files, spec, options);
  if (outcome.ok) return outcome.perFile;
  if (files.length === 1) {
    return [[{ tool: spec.tool, rule: outcome.rule, severity: 'error', message: outcome.message }]];
  }
  const half = Math.ceil(files.length / 2);
  // Halves run one after the other: the caller's CPU budget counts this batch as one process.
  const left = await checkFiles(command, dir, files.slice(0, half), spec, options);
  const right = await checkFiles(command, dir, files.slice(half), spec, options);
  return [...left, ...right];
}

async function runOnce(command: string, dir: string, files: BatchFile[], spec: BatchToolSpec, options: RunBatchedOptions): Promise<Outcome> {
  options.signal?.throwIfAborted();
  const timeout = spec.timeoutMs?.(files.length) ?? 20_000 + 1_000 * files.length;
  options.onProcess?.(files.length);
  const result = spec.exec ? await spec.exec(files, dir, { timeoutMs: timeout, ...(options.signal ? { signal: options.signal } : {}) }) : await spawnTool(command, dir, files, spec, timeout, options);
  options.signal?.throwIfAborted();
  return judgeRun(result, files, dir, spec, timeout);
}

async function spawnTool(command: string, dir: string, files: BatchFile[], spec: BatchToolSpec, timeout: number, options: RunBatchedOptions): Promise<ToolResult> {
  const proc = await execa(command, spec.args(files, dir), {
    cwd: dir,
    reject: false,
    stdin: 'ignore',
    timeout,
    forceKillAfterDelay: 2_000,
    maxBuffer: 256 * 1024 * 1024,
    stripFinalNewline: false,
    env: spec.env,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  options.signal?.throwIfAborted();
  const code = (proc as { code?: string }).code;
  if (code === 'ENOENT') throw new ToolMissingError(spec.command, spec.install, spec.language);
  return {
    exitCode: proc.exitCode,
    stdout: String(proc.stdout ?? ''),
    stderr: String(proc.stderr ?? ''),
    timedOut: Boolean(proc.timedOut),
    ...(proc.signal ? { signal: proc.signal } : {}),
  };
}

function judgeRun(result: ToolResult, files: BatchFile[], dir: string, spec: BatchToolSpec, timeout: number): Outcome {
  const where = `${spec.tool} on ${files.length} file(s)`;
  if (result.timedOut) return { ok: false, rule: 'tool-timeout', message: `${where} timed out after ${timeout} ms` };
  if (result.signal) return { ok: false, rule: 'tool-crash', message: `${where} was killed by ${result.signal}` };
  const okExit = spec.okExit ?? ((c: number) => c === 0 || c === 1);
  if (result.exitCode === undefined || !okExit(result.exitCode)) {
    return { ok: false, rule: 'tool-crash', message: `${where} exited with code ${result.exitCode ?? '?'}: ${tail(result.stderr || result.stdout)}` };
  }
  let found: ToolDiagnostic[];
  try {
    found = spec.parse(result, files, dir);
  } catch (err) {
    if (!(err instanceof ToolCrash)) throw err;
    return { ok: false, rule: 'tool-crash', message: `${where}: ${err.message}` };
  }
  const byPath = new Map(files.map((f, i) => [f.absPath, i]));
  const perFile: Diagnostic[][] = files.map(() => []);
  for (const d of found) {
    let i = byPath.get(resolve(dir, d.file));
    if (i === undefined && files.length === 1) i = 0;
    if (i === undefined) {
      return { ok: false, rule: 'tool-crash', message: `${where} reported a finding for "${relative(dir, resolve(dir, d.file))}", not one of its files` };
    }
    perFile[i]!.push(relativeLine(d, files[i]!));
  }
  return { ok: true, perFile };
}

/**
 * When every sample of a batch (4 or more) crashed the tool alone with the same message, the tool
 * or its options are broken, not the samples: stop instead of rejecting a whole dataset. Our
 * choice of threshold; timeouts are exempt (several samples may each hang the same way).
 */
function refuseSystemicCrash(spec: BatchToolSpec, perFile: Diagnostic[][]): void {
  if (perFile.length < 4) return;
  const messages = perFile.map((d) => (d.length === 1 && d[0]!.rule === 'tool-crash' ? d[0]!.message.replace(/ on \d+ file\(s\)/, '') : undefined));
  if (messages.every((m) => m !== undefined && m === messages[0])) {
    throw new InstructsmithError('ANALYZER_FAILED', `${spec.plugin}: ${spec.tool} failed on each of ${perFile.length} samples alone with the same error: ${messages[0]}`, {
      hint: `check that ${spec.command} works and the options of ${spec.plugin}; no sample was judged`,
    });
  }
}

/** Map a line of the written file back to the sample's code; lines inside a wrapper keep no line. */
function relativeLine(d: ToolDiagnostic, f: BatchFile): Diagnostic {
  const { file: _file, ...diag } = d;
  if (diag.line === undefined) return diag;
  const line = diag.line - f.lineOffset;
  if (line >= 1 && line <= f.codeLines) return { ...diag, line };
  const { line: _l, column: _c, ...rest } = diag;
  return { ...rest, message: `${diag.message} (in the wrapper added around the snippet, line ${diag.line})` };
}

function toCheck(spec: BatchToolSpec, diagnostics: Diagnostic[]): CheckResult {
  return {
    plugin: spec.plugin,
    tool: spec.tool,
    language: spec.language,
    passed: !diagnostics.some((d) => d.severity === 'error'),
    diagnostics,
  };
}

function tail(text: string, max = 400): string {
  const t = text.trim();
  return t.length > max ? `…${t.slice(-max)}` : t || '(no output)';
}

const found = new Map<string, string | undefined>();

/**
 * Find an executable on PATH (or check a given path) without starting a process.
 * Returns its absolute path. Results are cached per process.
 * @throws ToolMissingError(command, install, language) when it is not there.
 */
export function requireTool(command: string, install: string, language?: string): string {
  const hit = findExecutable(command);
  if (!hit) throw new ToolMissingError(command, install, language);
  return hit;
}

/** Absolute path of `command` on PATH (or `command` itself when it is an executable path), else undefined. */
export function findExecutable(command: string): string | undefined {
  if (found.has(command)) return found.get(command);
  const candidates = command.includes('/') ? [resolve(command)] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, command));
  let hit: string | undefined;
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      hit = c;
      break;
    } catch {
      // not here; try the next PATH entry
    }
  }
  found.set(command, hit);
  return hit;
}
