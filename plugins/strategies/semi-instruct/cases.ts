import type { ExecutionRequest, ExecutionResult } from '../../../core/index.js';
import { HARNESSES, parseCaseLines } from './harness.js';

/** How a seed is exercised: called with arguments (function-level) or fed stdin (program-level). */
export type CallMode = { kind: 'function'; entryPoint: string } | { kind: 'program' };

/** Runs one execution request (an executor on `hooks.execute`). */
export type Run = (request: ExecutionRequest) => Promise<ExecutionResult>;

/** One input's outcome: the output (harness-encoded value, or stdout) or why there is none. */
export type CaseRun = { input: string; ok: true; output: unknown } | { input: string; ok: false; error: string };

export interface CaseOptions {
  /** Seconds one function call may take inside the harness (our choice, default set by the strategy). */
  caseTimeoutSeconds: number;
  signal?: AbortSignal;
}

/**
 * Run `code` on every input and return one {@link CaseRun} per input, in order.
 *
 * Function-level: the language's harness calls `entryPoint` once per input in one sandbox; inputs
 * the batch did not report (the sandbox hit a limit first) are rerun one per sandbox, so a single
 * runaway input fails alone. Program-level: one sandbox per input, the input as stdin, stdout as
 * the output (run concurrently; the executor bounds parallelism).
 *
 * @throws Error when function-level execution is asked for a language without a harness (the
 *   strategy checks this first and uses program-level instead), or what the executor throws
 *   (SandboxUnavailableError is fatal for the run).
 */
export async function runCases(run: Run, language: string, code: string, inputs: readonly string[], mode: CallMode, options: CaseOptions): Promise<CaseRun[]> {
  if (mode.kind === 'program') {
    return Promise.all(
      inputs.map(async (input): Promise<CaseRun> => {
        const r = await run({ language, code, stdin: input, signal: options.signal });
        if (r.verdict === 'ok') return { input, ok: true, output: r.stdout };
        return { input, ok: false, error: describeFailure(r) };
      }),
    );
  }
  const harness = HARNESSES[language];
  if (!harness) throw new Error(`no function-level harness for ${language}; harnesses exist for ${Object.keys(HARNESSES).join(', ')}`);
  const batch = async (indices: number[]) => {
    const r = await run({
      language,
      code: harness.driver,
      files: [{ path: harness.solutionFile, content: code }],
      stdin: JSON.stringify({ entry: mode.entryPoint, inputs: indices.map((i) => inputs[i]), timeout: options.caseTimeoutSeconds }),
      signal: options.signal,
    });
    const lines = parseCaseLines(r.stdout);
    return { r, byIndex: new Map([...lines].map(([k, v]) => [indices[k]!, v])) };
  };
  const all = inputs.map((_, i) => i);
  const first = await batch(all);
  const results = new Map(first.byIndex);
  const missing = all.filter((i) => !results.has(i));
  const failures = new Map<number, string>();
  if (missing.length === inputs.length && inputs.length === 1) failures.set(0, describeFailure(first.r));
  else if (missing.length > 0) {
    await Promise.all(
      missing.map(async (i) => {
        const one = await batch([i]);
        const rec = one.byIndex.get(i);
        if (rec) results.set(i, rec);
        else failures.set(i, describeFailure(one.r));
      }),
    );
  }
  return inputs.map((input, i): CaseRun => {
    const rec = results.get(i);
    if (!rec) return { input, ok: false, error: failures.get(i) ?? 'no result' };
    return rec.ok ? { input, ok: true, output: rec.value } : { input, ok: false, error: rec.error };
  });
}

/** One line on why a run produced no output: verdict, message, and the end of stderr. */
export function describeFailure(r: ExecutionResult): string {
  const tail = r.stderr.trim().split('\n').slice(-3).join(' | ').slice(-300);
  return [r.verdict, r.message, tail].filter(Boolean).join(': ');
}
