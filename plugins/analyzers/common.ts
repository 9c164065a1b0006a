/**
 * Pieces the built-in analyzers share: the options that say how a tool is run, and reruns for tools
 * that stop at the first broken file. Uses only instructsmith's public API, as a third-party analyzer would.
 */
import { createToolServer, nodeScriptCommand, runBatched, z, type BatchFile, type BatchToolSpec, type CheckResult, type CodeSample, type PluginContext, type StageContext, type ToolServer, type ToolServerOptions } from '../../core/index.js';

/**
 * Options about running the tool, merged into each analyzer's schema. Time limits are our choice:
 * generous enough that a loaded CI machine does not time out a healthy batch, small enough that a
 * hung tool costs a minute, not a run.
 */
export const toolRunShape = {
  /** Executable to run (name on PATH or path). */
  command: z.string().min(1),
  /** Wall-clock limit of one tool process: base, ms. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** Added to the limit per file in the process, ms. */
  perFileTimeoutMs: z.number().int().nonnegative().default(1_000),
  /** Most samples one tool process checks; the gate's batchSize usually sets fewer. */
  maxFiles: z.number().int().positive().default(256),
};

export interface ToolRunOptions {
  command: string;
  timeoutMs: number;
  perFileTimeoutMs: number;
  maxFiles: number;
}

/** The BatchToolSpec fields that come straight from the shared options. */
export function runFields(o: ToolRunOptions): Pick<BatchToolSpec, 'command' | 'timeoutMs' | 'maxFiles'> {
  return { command: o.command, timeoutMs: (n) => o.timeoutMs + o.perFileTimeoutMs * n, maxFiles: o.maxFiles };
}

/** An analyzer's work for one batch: usually `runBatched` over a spec. */
export type AnalyzeFn = (samples: CodeSample[], ctx: StageContext) => Promise<CheckResult[]>;

/** A rule matches a list entry when the list names its id or its symbol (`E0602`, `undefined-variable`). */
export function ruleListed(list: readonly string[], ...names: Array<string | undefined>): boolean {
  return names.some((n) => n !== undefined && list.includes(n));
}

/**
 * For tools that stop checking every file once any file has a blocking error (tsc reports only
 * syntax errors when any file has one; rustc stops at the first file that does not parse): run the
 * batch, then run again the samples that had no blocking error, until a run finds no new blocking
 * error, so a broken sample cannot hide the findings of the rest of its batch. Each rerun removes
 * at least one sample, so a batch with k broken samples takes at most k + 1 runs.
 * `blocking(check)` says whether a check holds such an error.
 */
export function withRerun(spec: BatchToolSpec, blocking: (check: CheckResult) => boolean): AnalyzeFn {
  return async (samples, stage) => {
    const results = await runBatched(samples, spec, { signal: stage.signal });
    let pending = samples.map((_s, i) => i).filter((i) => !blocking(results[i]!));
    while (pending.length > 0 && pending.length < samples.length) {
      const before = pending.length;
      const again = await runBatched(pending.map((i) => samples[i]!), spec, { signal: stage.signal });
      pending.forEach((i, k) => (results[i] = again[k]!));
      pending = pending.filter((i) => !blocking(results[i]!));
      if (pending.length === before) break; // no new blocking error: these verdicts are final
    }
    return results;
  };
}

/**
 * `server`, merged into the schemas of analyzers whose tool can run as a long-lived process
 * (pylint, ESLint, tsc): each batch is then one request to a process started once per slot
 * (core/verify/tool-server.ts) instead of a new process; findings are the same. `false` starts
 * one process per batch, as the other analyzers do.
 */
export const serverShape = {
  server: z.boolean().default(true),
};

/** A BatchToolSpec whose runs may go to long-lived processes; `close()` stops them (a later batch starts them again). */
export type ServedToolSpec = BatchToolSpec & { close(): Promise<void> };

/**
 * Route a spec's runs through a pool of servers: `request(files, dir)` is the JSON request for one
 * batch; the pool starts on the first batch (`start()` gives how, or undefined to keep the CLI for
 * this run, e.g. when pylint's interpreter cannot import pylint) and has `slots` processes at most.
 */
export function served(
  spec: BatchToolSpec,
  start: () => Promise<ToolServerOptions | undefined> | ToolServerOptions | undefined,
  request: (files: readonly BatchFile[], dir: string) => Record<string, unknown>,
): ServedToolSpec {
  let server: Promise<ToolServer | undefined> | undefined;
  // Known once the first batch's setup has run: undefined means this run keeps the CLI.
  let ready: ToolServer | undefined;
  const exec: NonNullable<BatchToolSpec['exec']> = (files, dir, options) => ready!.request(request(files, dir), options);
  return {
    ...spec,
    async setup(dir, files) {
      await spec.setup?.(dir, files);
      server ??= Promise.resolve(start()).then((o) => (o ? createToolServer(o) : undefined));
      ready = await server;
    },
    // runBatched reads `exec` after setup, so the choice above holds for the batch.
    get exec() {
      return ready ? exec : undefined;
    },
    async close() {
      await (await server)?.close();
    },
  };
}

/**
 * The URL of a Node tool server in ./servers/ (`name` without extension), `.ts` when this module
 * runs from the sources, `.js` from dist/; start it with nodeScriptCommand.
 */
export function serverScript(name: string): URL {
  return new URL(`./servers/${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
}

/** A Node tool server of ./servers/ (`name` without extension), run with `node` (the analyzer's `command`). */
export function nodeServer(name: string, node: string): ToolServerOptions {
  return { name: `${name}`, ...nodeScriptCommand(serverScript(name), node) };
}

/** Stop an analyzer's servers when the run ends (`runEnd`); processes also die with this process. */
export function closeAtRunEnd<T extends ServedToolSpec>(ctx: PluginContext, spec: T): T {
  ctx.hooks.runEnd.tapPromise(() => spec.close());
  return spec;
}
