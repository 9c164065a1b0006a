import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError, z } from '../../../core/index.js';

/** Field mapping of a benchmark file: which fields hold the item id, the prompts and the solutions. Dotted paths reach into objects (`metadata.problem_id`). */
export interface FieldMap {
  id: string;
  prompts: string[];
  solutions: string[];
}

/**
 * Built-in readers by field mapping, for the public files of each benchmark:
 * - `humaneval`: OpenAI HumanEval `HumanEval.jsonl.gz` and EvalPlus HumanEval+ (`task_id`, `prompt`, `canonical_solution`).
 * - `mbpp`: MBPP `mbpp.jsonl` (`task_id`, `text`, `code`) and EvalPlus MBPP+ (`prompt`, `code`).
 * - `ds1000`: DS-1000 `ds1000.jsonl` (`metadata.problem_id`, `prompt`, `reference_code`).
 * - `apps`: APPS (`problem_id`, `question`, `solutions`: a JSON list of programs).
 * - `livecodebench`: LiveCodeBench code generation (`question_id`, `question_content`; it publishes no solutions).
 * - `jsonl`: any JSONL; give `fields`.
 * Missing fields are skipped, so one mapping covers a benchmark and its "+" variant.
 */
export const FORMATS: Record<string, FieldMap> = {
  humaneval: { id: 'task_id', prompts: ['prompt'], solutions: ['canonical_solution'] },
  mbpp: { id: 'task_id', prompts: ['text', 'prompt'], solutions: ['code'] },
  ds1000: { id: 'metadata.problem_id', prompts: ['prompt'], solutions: ['reference_code'] },
  apps: { id: 'problem_id', prompts: ['question'], solutions: ['solutions'] },
  livecodebench: { id: 'question_id', prompts: ['question_content'], solutions: [] },
};

export const benchmarkSpec = z
  .object({
    /** Shown in drop reasons; default: the format name, or the file name. */
    name: z.string().min(1).optional(),
    /** A .jsonl, .jsonl.gz or .json (array) file. `~/` is the home folder; relative paths are from the current directory. */
    path: z.string().min(1),
    format: z.enum(['humaneval', 'mbpp', 'ds1000', 'apps', 'livecodebench', 'jsonl']).default('jsonl'),
    /** Required for `jsonl`; overrides the format's mapping key by key otherwise. */
    fields: z.object({ id: z.string().optional(), prompts: z.array(z.string()).optional(), solutions: z.array(z.string()).optional() }).strict().optional(),
    /** When false, a missing file is a warning (nothing is checked against it) instead of an error; the presets use this for the user cache. */
    required: z.boolean().default(true),
  })
  .strict()
  .refine((b) => b.format !== 'jsonl' || (b.fields?.id && (b.fields.prompts?.length || b.fields.solutions?.length)), {
    message: 'format "jsonl" needs fields: { id, prompts: [...], solutions: [...] }',
    path: ['fields'],
  });

export type BenchmarkSpec = z.output<typeof benchmarkSpec>;

/** One text of a benchmark item to look for. */
export interface BenchmarkText {
  benchmark: string;
  item: string;
  /** `prompt`, `docstring` (every triple-quoted string of a prompt), `docstring line` (one line of one, at least {@link MIN_LINE_CHARS} characters) or `solution`. */
  field: 'prompt' | 'docstring' | 'docstring line' | 'solution';
  text: string;
}

/** Where `instructsmith decontaminate --fetch NAME` stores benchmarks, and the presets look for them. */
export function benchmarkCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'instructsmith', 'benchmarks');
}

/** `~/x` → home; `cache:x` → the benchmark cache; else resolved from the current directory. */
export function resolveBenchmarkPath(path: string): string {
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  if (path.startsWith('cache:')) return join(benchmarkCacheDir(), path.slice('cache:'.length));
  return resolve(path);
}

/**
 * Read a benchmark file into the texts to look for: every prompt, the docstrings inside each prompt
 * (BigCode's decontamination extracts HumanEval's task docstring; we take every one) and their
 * lines of at least {@link MIN_LINE_CHARS} characters, and
 * every solution (a JSON list of solutions, as APPS stores them, gives one text each).
 * @returns undefined when the file is missing and not required
 * @throws InputError naming the file and line for a missing required file, bad JSON or an item without the id field
 */
export function readBenchmark(spec: BenchmarkSpec): { name: string; file: string; items: number; texts: BenchmarkText[] } | undefined {
  const file = resolveBenchmarkPath(spec.path);
  if (!existsSync(file)) {
    if (!spec.required) return undefined;
    throw new InputError(file, undefined, 'benchmark file not found', { hint: `download it (e.g. instructsmith decontaminate --fetch ${spec.format === 'jsonl' ? 'humaneval' : spec.format}) or fix the path` });
  }
  const map: FieldMap = { ...(FORMATS[spec.format] ?? { id: 'id', prompts: [], solutions: [] }), ...stripUndefined(spec.fields ?? {}) };
  const name = spec.name ?? (spec.format === 'jsonl' ? file.split('/').pop()!.replace(/\.(jsonl|json)(\.gz)?$/, '') : spec.format);
  const rows = readBenchmarkRows(file);
  const texts: BenchmarkText[] = [];
  for (const { line, value } of rows) {
    const id = pick(value, map.id);
    if (id === undefined || id === null) throw new InputError(file, line, `benchmark item has no "${map.id}" field`, { hint: 'set fields.id to the field that names the item' });
    const item = String(id);
    for (const f of map.prompts) {
      for (const p of strings(pick(value, f))) {
        texts.push({ benchmark: name, item, field: 'prompt', text: p });
        for (const doc of docstringsOf(p)) {
          if (doc === p) continue;
          texts.push({ benchmark: name, item, field: 'docstring', text: doc });
          for (const line of doc.split('\n')) if (line.trim().length >= MIN_LINE_CHARS && line.trim() !== doc) texts.push({ benchmark: name, item, field: 'docstring line', text: line.trim() });
        }
      }
    }
    for (const f of map.solutions) for (const s of strings(pick(value, f))) texts.push({ benchmark: name, item, field: 'solution', text: s });
  }
  return { name, file, items: rows.length, texts };
}

/**
 * The items of a benchmark file as parsed JSON, each with its 1-based line (a .jsonl or .jsonl.gz
 * file: one item per non-empty line; a .json or .json.gz file: an array, `line` its index + 1).
 * Also what `instructsmith evaluate` reads benchmarks with.
 * @throws InputError naming the file and line for bad JSON, or a .json file that is not an array
 */
export function readBenchmarkRows(file: string): { line: number; value: unknown }[] {
  const raw = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const rows: { line: number; value: unknown }[] = [];
  if (/\.json(\.gz)?$/.test(file)) {
    const all = parse(text, file, undefined);
    if (!Array.isArray(all)) throw new InputError(file, undefined, 'expected a JSON array of benchmark items', { hint: 'use a .jsonl file with one item per line' });
    all.forEach((value, i) => rows.push({ line: i + 1, value }));
  } else {
    text.split('\n').forEach((l, i) => {
      if (l.trim()) rows.push({ line: i + 1, value: parse(l, file, i + 1) });
    });
  }
  return rows;
}

/**
 * Shortest docstring line looked for on its own: our choice. A model that rewrites a benchmark task
 * often quotes one sentence of it (HumanEval/38's helper: "returns encoded string by cycling groups
 * of three characters."); 40 characters keeps generic one-liners ("Return the sum of the list.") out.
 */
export const MIN_LINE_CHARS = 40;

/** Every triple-quoted string of a prompt (HumanEval prompts may hold a helper's docstring before the task's), trimmed. */
export function docstringsOf(prompt: string): string[] {
  return [...prompt.matchAll(/"""([\s\S]*?)"""|'''([\s\S]*?)'''/g)].map((m) => (m[1] ?? m[2] ?? '').trim()).filter(Boolean);
}

/** The last triple-quoted string of a prompt (the task's docstring, as BigCode extracts it), trimmed, or undefined. */
export function docstringOf(prompt: string): string | undefined {
  return docstringsOf(prompt).at(-1);
}

function parse(text: string, file: string, line: number | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(file, line, `not valid JSON: ${(err as Error).message}`, { hint: 'benchmark files are JSONL, one item per line' });
  }
}

/** The value at a dotted field path (`metadata.problem_id`) of a parsed item, or undefined. */
export function pick(value: unknown, path: string): unknown {
  let v = value;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

// A string, a list of strings, or a string holding a JSON list of strings (APPS `solutions`).
function strings(v: unknown): string[] {
  if (typeof v === 'string') {
    if (v.startsWith('[')) {
      try {
        const arr = JSON.parse(v) as unknown;
        if (Array.isArray(arr) && arr.every((x) => typeof x === 'string')) return arr.filter((s) => s.trim());
      } catch {
        // not a JSON list: the text itself
      }
    }
    return v.trim() ? [v] : [];
  }
  if (Array.isArray(v)) return v.flatMap(strings);
  return [];
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
}
