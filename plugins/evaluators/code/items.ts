import { existsSync } from 'node:fs';
import { ConfigError, InputError, type EvaluationItem } from '../../../core/index.js';
import { pick, readBenchmarkRows, resolveBenchmarkPath } from '../../filters/decontaminate/benchmarks.js';

/** Which fields of a benchmark item hold what `instructsmith evaluate` needs. Dotted paths reach into objects. */
export interface EvaluationFields {
  /** The item's id; unset: `task_id` when present, else `line N`. */
  id?: string;
  /** The problem; the first field present is used (MBPP has `text`, MBPP+ `prompt`). */
  prompt: string[];
  /** The tests: Python code (HumanEval's `def check(candidate): ...`) or a list of assert statements (MBPP's `test_list`). */
  tests: string;
  /** The function under test; with a `check(candidate)` test, `check(<entry>)` is called. */
  entry?: string;
  /** Code run before the tests (MBPP's `test_setup_code`). */
  setup?: string;
  /** The reference solution (kept on the item; not used to evaluate). */
  solution?: string;
}

/**
 * Built-in mappings, for the public files:
 * - `humaneval`: OpenAI HumanEval `HumanEval.jsonl.gz` (and EvalPlus HumanEval+): `task_id`, `prompt`
 *   (a signature and docstring to complete), `entry_point`, `test` (`def check(candidate)`), `canonical_solution`.
 * - `mbpp`: MBPP `mbpp.jsonl` (`text`) and MBPP+ (`prompt`): `task_id`, `test_list`, `test_setup_code`, `code`.
 */
export const EVALUATION_FORMATS: Record<'humaneval' | 'mbpp', EvaluationFields> = {
  humaneval: { id: 'task_id', prompt: ['prompt'], tests: 'test', entry: 'entry_point', solution: 'canonical_solution' },
  mbpp: { id: 'task_id', prompt: ['text', 'prompt'], tests: 'test_list', setup: 'test_setup_code', solution: 'code' },
};

export type EvaluationFormat = keyof typeof EVALUATION_FORMATS | 'jsonl';

/** One benchmark item, ready to prompt and test. */
export interface CodeItem extends EvaluationItem {
  /** `completion`: the prompt is code to complete (HumanEval); `instruction`: a problem in words (MBPP). */
  style: 'completion' | 'instruction';
  prompt: string;
  /** Test code, run after the completion. */
  tests: string;
  /** MBPP's assert statements one by one (shown in its prompt, as in Austin et al. 2021). */
  testList?: string[];
  entryPoint?: string;
  setup?: string;
  solution?: string;
}

/**
 * Parse `--fields prompt=text,tests=test_list,entry=entry_point,setup=...,id=...,solution=...`
 * (a prompt of several fields: `prompt=text+prompt`, the first present is used) over the format's mapping.
 * @throws ConfigError (`USAGE`) for an unknown key, or a jsonl mapping without prompt and tests
 */
export function parseFields(format: EvaluationFormat, spec: string | undefined): EvaluationFields {
  const base: Partial<EvaluationFields> = format === 'jsonl' ? {} : { ...EVALUATION_FORMATS[format] };
  for (const part of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(id|prompt|tests|entry|setup|solution)=(.+)$/.exec(part);
    if (!m) throw new ConfigError(`--fields: "${part}" is not KEY=FIELD with KEY one of id, prompt, tests, entry, setup, solution`, { code: 'USAGE', hint: '--fields prompt=question,tests=tests,entry=entry_point' });
    const [, key, field] = m as unknown as [string, keyof EvaluationFields, string];
    if (key === 'prompt') base.prompt = field.split('+');
    else base[key] = field;
  }
  if (!base.prompt?.length || !base.tests) {
    throw new ConfigError(`--format ${format} needs --fields with at least prompt=FIELD and tests=FIELD`, { code: 'USAGE', hint: '--fields prompt=question,tests=test,entry=entry_point (tests: Python code, or a list of asserts)' });
  }
  return base as EvaluationFields;
}

/**
 * Read a benchmark file (`.jsonl`, `.jsonl.gz`, `.json` array; read by the decontamination filter's reader)
 * into items. An item is `completion` style when its prompt defines the entry point (`def <entry>(`), else `instruction`.
 * @throws InputError naming the file and line for a missing file, bad JSON, a missing prompt or tests field, or a duplicate id
 */
export function readCodeBenchmark(path: string, fields: EvaluationFields): { file: string; items: CodeItem[] } {
  const file = resolveBenchmarkPath(path);
  if (!existsSync(file)) throw new InputError(file, undefined, 'benchmark file not found', { hint: 'give the path of a HumanEval or MBPP JSONL file (instructsmith decontaminate --fetch humaneval downloads one into the user cache)' });
  const items: CodeItem[] = [];
  const seen = new Set<string>();
  for (const { line, value } of readBenchmarkRows(file)) {
    const need = (what: string, v: unknown) => {
      if (v === undefined || v === null || v === '') throw new InputError(file, line, `benchmark item has no ${what}`, { hint: 'map the fields with --fields prompt=FIELD,tests=FIELD,entry=FIELD' });
      return v;
    };
    const id = fields.id ? String(need(`"${fields.id}" field (its id)`, pick(value, fields.id))) : String(pick(value, 'task_id') ?? `line ${line}`);
    if (seen.has(id)) throw new InputError(file, line, `duplicate item id "${id}"`, { hint: 'map the id to a unique field with --fields id=FIELD' });
    seen.add(id);
    const prompt = fields.prompt.map((f) => pick(value, f)).find((v) => typeof v === 'string' && v.trim());
    const rawTests = need(`"${fields.tests}" field (its tests)`, pick(value, fields.tests));
    const testList = Array.isArray(rawTests) ? rawTests.map(String) : undefined;
    const tests = testList ? testList.join('\n') : String(rawTests);
    const text = (f?: string) => {
      const v = f ? pick(value, f) : undefined;
      return typeof v === 'string' && v.trim() ? v : undefined;
    };
    const entryPoint = text(fields.entry);
    const promptText = String(need(`prompt (fields ${fields.prompt.join(', ')})`, prompt));
    items.push({
      id,
      style: entryPoint && new RegExp(`^\\s*(async\\s+)?def\\s+${escapeRegExp(entryPoint)}\\s*\\(`, 'm').test(promptText) ? 'completion' : 'instruction',
      prompt: promptText,
      tests,
      ...(testList ? { testList } : {}),
      ...(entryPoint ? { entryPoint } : {}),
      ...(text(fields.setup) ? { setup: text(fields.setup) } : {}),
      ...(text(fields.solution) ? { solution: text(fields.solution) } : {}),
    });
  }
  if (items.length === 0) throw new InputError(file, undefined, 'the benchmark file holds no items', { hint: 'check the path' });
  return { file, items };
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
