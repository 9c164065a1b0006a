import {
  ConfigError,
  createRecord,
  definePlugin,
  structuredOutput,
  z,
  type CheckResult,
  type Diagnostic,
  type Seed,
  type SampleRecord,
  type ExecutionRequest,
  type ExecutionResult,
} from '../../../core/index.js';
import { runCases, type CallMode, type CaseRun } from './cases.js';
import { compareStdout, compareValues } from './compare.js';
import { curriculumFor } from './curriculum.js';
import { instructionSaysConstant, mutantsOf, untestableReason, type Mutant } from './discriminate.js';
import { HARNESSES } from './harness.js';

const NAME = 'strategy:semi-instruct';

const replySchema = z
  .object({
    instruction: z.string().min(20),
    inputs: z.array(z.string()).min(1),
    solution: z.string().min(1),
  })
  .strict();
const REPLY = structuredOutput('semi_instruct', replySchema);

export const semiInstructOptions = z
  .object({
    /** `provider:model`; default: the run's model. */
    model: z.string().optional(),
    /** N, the test-case inputs asked for per seed. The paper fixes no number; 5 is our choice. Extra inputs in a reply are ignored. */
    testCases: z.number().int().min(1).max(50).default(5),
    /** Fewest valid test cases (inputs on which the original code ran) a sample needs; our choice. */
    minTestCases: z.number().int().min(1).default(1),
    /**
     * `function`: call the seed's function with arguments (needs a harness: python, javascript);
     * `program`: feed stdin, compare stdout; `auto`: function when the seed names its function
     * (`meta.entry_point`, as HumanEval does, or a `function` seed's `def`/`function` name) and a
     * harness exists, else program.
     */
    mode: z.enum(['auto', 'function', 'program']).default('auto'),
    /** Seconds one function call may take inside the harness; our choice. */
    caseTimeoutSeconds: z.number().positive().max(60).default(2),
    /** Compare returned lists / stdout lines ignoring order (for tasks whose answer order is free). */
    unordered: z.boolean().default(false),
    /** Number tolerance when comparing outputs (see core/exec/compare.ts); our choices. */
    relTol: z.number().min(0).default(1e-6),
    absTol: z.number().min(0).default(1e-9),
    /** Ranking (paper §3): `fewest-first` (the paper: fewer test cases = harder first) or `most-first`. */
    curriculum: z.enum(['fewest-first', 'most-first']).default('fewest-first'),
    /** Sampling temperature; our choice (the paper does not give one). */
    temperature: z.number().min(0).max(2).default(0.7),
    maxTokens: z.number().int().positive().default(2048),
  })
  .strict()
  .refine((o) => o.minTestCases <= o.testCases, { message: 'minTestCases is larger than testCases: no sample could be kept' });

export type SemiInstructOptions = z.output<typeof semiInstructOptions>;

/** One validated test case, as kept on the record. `output` is a harness-encoded value (function) or stdout (program). */
export interface TestCase {
  input: string;
  output: unknown;
}

/** What the strategy keeps in `record.meta['strategy:semi-instruct']`. */
export interface SemiInstructMeta {
  mode: 'function' | 'program';
  entryPoint?: string;
  /** The seed's code: the reference whose outputs the test cases hold. */
  originalCode: string;
  testCases: TestCase[];
  /** Inputs that did not become test cases, with why (the original code failed on them, duplicates, beyond N). */
  discardedInputs: { input: string; reason: string }[];
  /** How well the test cases discriminate (set once the original has run): see discriminate.ts. */
  discrimination?: Discrimination;
}

/**
 * Whether the test cases can fail: the null program (returns None / prints nothing) fails them,
 * the original's outputs differ between inputs, and trivial mutants of the original (one operator
 * or literal changed; our choice of operators, see discriminate.ts) fail them.
 */
export interface Discrimination {
  nullRejected: boolean;
  distinctOutputs: number;
  mutants: { operator: Mutant['operator']; line: number; change: string; outcome: 'killed' | 'survived' | 'invalid' }[];
  /** Mutants whose outputs differ from the expected ones on some case. */
  mutantsKilled: number;
  /** Mutants that ran on at least one case (a mutant that fails on every input is invalid, not killed). */
  mutantsValid: number;
}

/**
 * `strategy:semi-instruct`: Semi-Instruct (arXiv 2403.00338, §3): natural code → instruction-code pair
 * validated by execution.
 *
 * Per seed (generation step): one structured call writes an instruction, N test-case inputs and a
 * refined solution (templates/strategy-semi-instruct). Validation step: the seed's original code runs
 * on every input in the sandbox (`hooks.execute`) to get the expected outputs; inputs on which it
 * fails are discarded (kept in meta with the reason); the refined solution must reproduce every
 * remaining output, else the sample is dropped with the first failing case. Ranking step: the number
 * of test cases goes to `meta.curriculum` (see curriculum.ts) for exporters.
 *
 * Records: `messages = [user: instruction, assistant: fenced solution]` (so no responder runs),
 * `checks` gets the execution result, `meta['strategy:semi-instruct']` the test cases.
 * Tests that can fail (issue #11): seeds that name no function and read no input are dropped as
 * `untestable` before any LLM call; after the original ran, a sample is dropped as `null_passes` when
 * a do-nothing program (returns None / prints nothing) passes every case, `constant_outputs` when the
 * original gives the same output for every one of two or more inputs (unless the instruction says the output is constant),
 * and `weak_tests` when no valid trivial mutant of the original fails a case.
 * `meta['strategy:semi-instruct'].discrimination` and the check's diagnostics record the mutants killed.
 *
 * Drop categories: `untestable`, `no_executor`, `no_valid_inputs`, `null_passes`, `constant_outputs`, `weak_tests`, `mismatch`, or the LLM error kind.
 */
export default definePlugin({
  name: NAME,
  description: 'Semi-Instruct: natural code → instruction, test inputs and refined solution, validated by running the original code',
  options: semiInstructOptions,
  apply(ctx, options) {
    ctx.hooks.runStart.tapPromise(async () => {
      if (ctx.executableLanguages().length === 0) {
        throw new ConfigError(`${NAME} runs code, but no executor is configured`, { hint: 'add "executor:sandbox: {}" under plugins (see presets/semi-instruct.yaml)' });
      }
    });

    ctx.hooks.synthesize.tapPromise(async (records, seed, stage) => {
      if (seed.kind === 'derived') return records;
      const mode = callMode(seed, options.mode);
      const source = seed.source.line ? `${seed.source.path}:${seed.source.line}` : seed.source.path;
      const meta: SemiInstructMeta = {
        mode: mode.kind,
        ...(mode.kind === 'function' ? { entryPoint: mode.entryPoint } : {}),
        originalCode: seed.code,
        testCases: [],
        discardedInputs: [],
      };
      const base = { seed, strategy: NAME, details: { mode: mode.kind } };

      const handled = ctx.executableLanguages();
      if (!handled.includes(seed.language)) {
        const r = createRecord({ ...base, messages: [], meta: { [NAME]: meta } });
        return [...records, ctx.drop(r, `no executor runs ${seed.language} code (executors: ${handled.join(', ')})`, 'no_executor')];
      }

      const untestable = untestableReason(seed, mode);
      if (untestable) {
        const r = createRecord({ ...base, messages: [], meta: { [NAME]: meta } });
        return [...records, ctx.drop(r, `untestable seed: ${untestable}`, 'untestable')];
      }

      let reply: z.output<typeof replySchema>;
      let usage: SampleRecord['usage'];
      try {
        const res = await ctx.llm(options.model).structured(
          {
            messages: ctx.templates.chat('strategy-semi-instruct', {
              language: seed.language,
              code: seed.code,
              source,
              mode: mode.kind,
              entry_point: mode.kind === 'function' ? mode.entryPoint : undefined,
              test_cases: options.testCases,
            }),
            temperature: options.temperature,
            maxTokens: options.maxTokens,
          },
          REPLY,
          { plugin: NAME },
        );
        reply = res.value;
        usage = res.usage;
      } catch (err) {
        if ((err as { fatal?: boolean })?.fatal) throw err;
        const r = createRecord({ ...base, messages: [], meta: { [NAME]: meta } });
        return [...records, ctx.drop(r, `generation: ${(err as Error).message}`, (err as { kind?: string })?.kind ?? 'error')];
      }

      const solution = stripFence(reply.solution);
      const record = createRecord({
        ...base,
        messages: [
          { role: 'user', content: reply.instruction.trim() },
          { role: 'assistant', content: `\`\`\`${seed.language}\n${solution.trimEnd()}\n\`\`\`` },
        ],
        meta: { [NAME]: meta },
      });
      record.usage = usage;

      // Inputs: distinct, at most N; the rest are recorded, not silently lost.
      const inputs: string[] = [];
      for (const input of reply.inputs) {
        if (inputs.includes(input)) meta.discardedInputs.push({ input, reason: 'duplicate' });
        else if (inputs.length >= options.testCases) meta.discardedInputs.push({ input, reason: `beyond the ${options.testCases} inputs asked for` });
        else inputs.push(input);
      }

      const run = (request: ExecutionRequest) => ctx.execute(request);
      const caseOptions = { caseTimeoutSeconds: options.caseTimeoutSeconds, signal: stage.signal };
      const original = await runCases(run, seed.language, seed.code, inputs, mode, caseOptions);
      for (const c of original) {
        if (c.ok) meta.testCases.push({ input: c.input, output: c.output });
        else meta.discardedInputs.push({ input: c.input, reason: `original code failed: ${c.error}` });
      }
      const check: CheckResult = { plugin: NAME, tool: 'executor', language: seed.language, passed: false, diagnostics: [] };
      record.checks.push(check);
      for (const d of meta.discardedInputs) check.diagnostics.push(diag('info', 'input-discarded', `input ${JSON.stringify(d.input)}: ${d.reason}`));

      if (meta.testCases.length < options.minTestCases) {
        const why = original.find((c): c is Extract<CaseRun, { ok: false }> => !c.ok)?.error ?? 'no inputs';
        return [
          ...records,
          ctx.drop(record, `only ${meta.testCases.length} of ${inputs.length} inputs ran on the original code (need ${options.minTestCases}); first failure: ${why}`, 'no_valid_inputs'),
        ];
      }

      const weak = await discriminate(run, seed, mode, meta, reply.instruction, check, caseOptions, options);
      if (weak) return [...records, ctx.drop(record, weak.reason, weak.category)];

      const refined = await runCases(run, seed.language, solution, meta.testCases.map((t) => t.input), mode, caseOptions);
      for (const [i, t] of meta.testCases.entries()) {
        const got = refined[i]!;
        const failure = got.ok ? mismatch(mode, t.output, got.output, options) : `the refined solution failed: ${got.error}`;
        if (failure) {
          const reason = `test case ${i + 1} of ${meta.testCases.length}, input ${clip(JSON.stringify(t.input))}: ${failure}`;
          check.diagnostics.push(diag('error', 'output-mismatch', reason));
          return [...records, ctx.drop(record, reason, 'mismatch')];
        }
      }
      check.passed = true;
      record.meta.curriculum = curriculumFor(meta.testCases.length, options.curriculum);
      record.lineage.details = { ...record.lineage.details, testCases: meta.testCases.length };
      return [...records, record];
    });
  },
});

/**
 * Check that the test cases discriminate (see {@link Discrimination}); fills `meta.discrimination`
 * and info diagnostics. Returns the drop, or undefined when the tests can fail.
 */
async function discriminate(
  run: (r: ExecutionRequest) => Promise<ExecutionResult>,
  seed: Seed,
  mode: CallMode,
  meta: SemiInstructMeta,
  instruction: string,
  check: CheckResult,
  caseOptions: { caseTimeoutSeconds: number; signal: AbortSignal },
  options: SemiInstructOptions,
): Promise<{ reason: string; category: string } | undefined> {
  const cases = meta.testCases;
  const nullOutput = mode.kind === 'function' ? null : '';
  const nullRejected = cases.some((t) => mismatch(mode, t.output, nullOutput, options) !== undefined);
  const distinct = new Set(cases.map((t) => JSON.stringify(mode.kind === 'function' ? t.output : String(t.output).trim()))).size;
  const d: Discrimination = { nullRejected, distinctOutputs: distinct, mutants: [], mutantsKilled: 0, mutantsValid: 0 };
  meta.discrimination = d;
  const what = mode.kind === 'function' ? 'returns None' : 'prints nothing';
  if (!nullRejected) return { reason: `a program that ${what} passes all ${cases.length} test cases: they validate nothing`, category: 'null_passes' };
  // One test case says nothing about whether outputs vary; the null program and the mutants still test it.
  if (cases.length >= 2 && distinct < 2 && !instructionSaysConstant(instruction)) {
    return { reason: `the original gives the same output for all ${cases.length} test inputs (${clip(JSON.stringify(cases[0]!.output), 80)}), and the instruction does not say the output is constant`, category: 'constant_outputs' };
  }
  const inputs = cases.map((t) => t.input);
  for (const m of mutantsOf(seed.code)) {
    const got = await runCases(run, seed.language, m.code, inputs, mode, caseOptions);
    const ran = got.filter((g) => g.ok).length;
    const killed = got.some((g, i) => (g.ok ? mismatch(mode, cases[i]!.output, g.output, options) !== undefined : ran > 0));
    const outcome = ran === 0 ? 'invalid' : killed ? 'killed' : 'survived';
    d.mutants.push({ operator: m.operator, line: m.line, change: `${m.from} → ${m.to}`, outcome });
    if (ran > 0) d.mutantsValid += 1;
    if (outcome === 'killed') d.mutantsKilled += 1;
  }
  check.diagnostics.push(diag('info', 'mutants-killed', `test cases killed ${d.mutantsKilled} of ${d.mutantsValid} valid mutants (${d.mutants.map((m) => `${m.operator} line ${m.line} ${m.change}: ${m.outcome}`).join('; ') || 'none could be made'})`));
  if (d.mutantsValid > 0 && d.mutantsKilled === 0) {
    return { reason: `no trivial mutant of the original fails a test case (${d.mutants.map((m) => `${m.operator} line ${m.line} ${m.change}`).join('; ')} all survive)`, category: 'weak_tests' };
  }
  return undefined;
}

/**
 * How to exercise a seed. The entry point comes from `seed.meta.entry_point` (HumanEval) or, for a
 * `function` seed, from its first `def NAME(` / `function NAME(`; function mode needs a harness.
 */
export function callMode(seed: Seed, mode: SemiInstructOptions['mode']): CallMode {
  if (mode === 'program') return { kind: 'program' };
  const entry =
    typeof seed.meta.entry_point === 'string'
      ? seed.meta.entry_point
      : seed.kind === 'function' || mode === 'function'
        ? /(?:^|\n)\s*(?:async\s+)?(?:def|function)\s+([A-Za-z_$][\w$]*)\s*\(/.exec(seed.code)?.[1]
        : undefined;
  if (entry && HARNESSES[seed.language]) return { kind: 'function', entryPoint: entry };
  if (mode === 'function') {
    throw new ConfigError(
      `${NAME}: mode is "function" but seed ${seed.id} (${seed.language}, ${seed.source.path}) has ${entry ? 'no function-level harness' : 'no function name'}`,
      { hint: `use mode "auto" or "program"; function-level harnesses exist for ${Object.keys(HARNESSES).join(', ')}` },
    );
  }
  return { kind: 'program' };
}

function mismatch(mode: CallMode, expected: unknown, actual: unknown, o: SemiInstructOptions): string | undefined {
  const tol = { relTol: o.relTol, absTol: o.absTol, unordered: o.unordered };
  const c = mode.kind === 'function' ? compareValues(expected, actual, tol) : compareStdout(String(expected), String(actual), tol);
  if (c.equal) return undefined;
  return `expected ${clip(JSON.stringify(expected))}, got ${clip(JSON.stringify(actual))} (at ${c.path}: ${c.reason})`;
}

/** Remove one surrounding Markdown fence, if the model added one despite the instructions. */
export function stripFence(code: string): string {
  const m = /^\s*```[\w+#.-]*[^\n]*\n([\s\S]*?)\n?```\s*$/.exec(code);
  return m ? m[1]! : code;
}

function diag(severity: Diagnostic['severity'], rule: string, message: string): Diagnostic {
  return { tool: 'executor', rule, severity, message };
}

function clip(s: string, n = 200): string {
  return s.length > n ? `${s.slice(0, n - 3)}...` : s;
}
