import { basename } from 'node:path';
import {
  InputError,
  contentId,
  definePlugin,
  isKnownLanguage,
  languageFromFence,
  z,
  type Seed,
  type SeedQuery,
} from '../../core/index.js';
import { readLines } from './lines.js';
import { SkipTally } from './skips.js';

/** File names this source reads (lower case). `.gz` files are gunzipped while streaming. */
export const JSONL_SUFFIXES = ['.jsonl', '.jsonl.gz', '.ndjson', '.ndjson.gz'] as const;

/** True when `path` names a JSON Lines file this source reads (by suffix, case-insensitive). */
export function isJsonlPath(path: string): boolean {
  const p = path.toLowerCase();
  return JSONL_SUFFIXES.some((s) => p.endsWith(s));
}

const fieldName = z.string().min(1, 'a field name cannot be empty');

const knownLanguage = z
  .string()
  .refine(isKnownLanguage, { message: 'unknown language id; use one of the ids in core/languages.ts (python, javascript, typescript, java, c, cpp, csharp, go, rust, php, ruby, sql, shell, ...)' });

/**
 * Options of `seed:jsonl`. Defaults are our choice.
 *
 * - `fields.code`: the field holding the code, or several fields concatenated in order with no
 *   separator (HumanEval: `['prompt', 'canonical_solution']` gives the complete function). Default `code`.
 * - `fields.id`: optional field naming the record (HumanEval `task_id`); kept in `seed.meta` under its own
 *   name. A line without it is treated like a malformed line.
 * - `fields.language`: optional field holding each record's language (`python`, `py`, `C++`, ...; read
 *   like a Markdown fence tag). When absent, the constant `language` is used.
 * - `meta`: further fields copied into `seed.meta` when present (absent ones are left out).
 * - `language`: the language of every record when no `fields.language` is given. Default `python`.
 * - `onMalformed`: `error` (default) stops at the first bad line with its file and line number;
 *   `skip` records it in the funnel (`malformed_json`, `invalid_utf8`, `missing_field`, `bad_field`) and goes on.
 */
export const jsonlOptions = z
  .object({
    fields: z
      .object({
        code: z.union([fieldName, z.array(fieldName).min(1, 'list at least one code field')]).default('code'),
        id: fieldName.optional(),
        language: fieldName.optional(),
      })
      .strict()
      .default({ code: 'code' }),
    meta: z.array(fieldName).default([]),
    language: knownLanguage.default('python'),
    onMalformed: z.enum(['error', 'skip']).default('error'),
  })
  .strict();

export type JsonlOptions = z.output<typeof jsonlOptions>;

/**
 * `seed:jsonl`: one seed per line of a JSON Lines file (`.jsonl`, `.ndjson`, optionally gzipped),
 * e.g. HumanEval or Magicoder-OSS-Instruct. Streams line by line in constant memory, apart from the set of
 * seed ids seen (16 hex chars per seed) used to skip duplicates.
 *
 * Each seed: `kind: 'record'`, `source: {path: file name, line}`, `meta` = the id field and the listed meta
 * fields, `id` = `contentId({language, code})`.
 *
 * Skip reasons (stable): `malformed_json`, `invalid_utf8`, `missing_field`, `bad_field` (only with
 * `onMalformed: skip`), `empty_code` (code is only whitespace), `unknown_language` (the language field
 * names no language we know), `duplicate` (same language and code as an earlier line).
 * Blank lines are not records and are passed over without a skip entry.
 *
 * @throws InputError (lazily, while iterating) for a malformed line under `onMalformed: error`, an
 * unreadable or corrupt gzip file, or a file that yields no seed at all.
 */
export const jsonlSeeds = definePlugin({
  name: 'seed:jsonl',
  description: 'Reads seeds from a JSON Lines dataset (.jsonl, .jsonl.gz, .ndjson), one seed per line.',
  options: jsonlOptions,
  apply(ctx, options) {
    ctx.hooks.seedSource.tapPromise(async (query) => {
      if (query.isDirectory || !isJsonlPath(query.path)) return undefined;
      return readJsonlSeeds(query, options);
    });
  },
});

/** The generator behind `seed:jsonl`; exported for reuse by other sources. See {@link jsonlSeeds}. */
export async function* readJsonlSeeds(query: SeedQuery, options: JsonlOptions): AsyncGenerator<Seed> {
  const file = query.path;
  const tally = new SkipTally(query);
  const codeFields = typeof options.fields.code === 'string' ? [options.fields.code] : options.fields.code;
  const seen = new Set<string>();
  let yielded = 0;
  let lines = 0;

  const malformed = (line: number, reason: string, message: string): void => {
    if (options.onMalformed === 'skip') {
      tally.skip(`${file}:${line}`, reason);
      return;
    }
    throw new InputError(file, line, message, {
      hint: 'fix the line, or set seed:jsonl onMalformed: skip',
      code: 'SEEDS_MALFORMED',
    });
  };

  for await (const l of readLines(file, file.toLowerCase().endsWith('.gz'))) {
    lines = l.line;
    if ('invalidUtf8' in l) {
      malformed(l.line, 'invalid_utf8', 'not valid UTF-8 text');
      continue;
    }
    if (l.text.trim() === '') continue;

    let row: unknown;
    try {
      row = JSON.parse(l.text);
    } catch (err) {
      malformed(l.line, 'malformed_json', `not valid JSON: ${(err as Error).message}`);
      continue;
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      malformed(l.line, 'malformed_json', `not valid JSON: expected an object per line, got ${describeType(row)}`);
      continue;
    }
    const rec = row as Record<string, unknown>;

    const wanted = [...codeFields, ...(options.fields.id ? [options.fields.id] : []), ...(options.fields.language ? [options.fields.language] : [])];
    const missing = wanted.find((f) => rec[f] === undefined || rec[f] === null);
    if (missing !== undefined) {
      malformed(l.line, 'missing_field', `missing field "${missing}"; the line has ${listFields(rec)}`);
      continue;
    }
    const nonString = [...codeFields, ...(options.fields.language ? [options.fields.language] : [])].find((f) => typeof rec[f] !== 'string');
    if (nonString !== undefined) {
      malformed(l.line, 'bad_field', `field "${nonString}" is ${describeType(rec[nonString])}, expected a string`);
      continue;
    }

    const code = codeFields.map((f) => rec[f] as string).join('');
    if (code.trim() === '') {
      tally.skip(`${file}:${l.line}`, 'empty_code');
      continue;
    }

    let language = options.language;
    if (options.fields.language) {
      const named = languageFromFence(rec[options.fields.language] as string);
      if (!named) {
        tally.skip(`${file}:${l.line}`, 'unknown_language');
        continue;
      }
      language = named;
    }

    const id = contentId({ language, code });
    if (seen.has(id)) {
      tally.skip(`${file}:${l.line}`, 'duplicate');
      continue;
    }
    seen.add(id);

    const meta: Record<string, unknown> = {};
    if (options.fields.id) meta[options.fields.id] = rec[options.fields.id];
    for (const f of options.meta) if (rec[f] !== undefined) meta[f] = rec[f];

    yielded += 1;
    yield { id, language, code, source: { path: basename(file), line: l.line }, kind: 'record', meta };
  }

  if (yielded === 0) {
    throw new InputError(file, undefined, `no seeds found in ${lines} line(s); skipped: ${tally.describe()}`, {
      hint: `check that seed:jsonl fields.code (${codeFields.join(' + ')}) names the field holding the code`,
      code: 'SEEDS_EMPTY',
    });
  }
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

function listFields(rec: Record<string, unknown>): string {
  const keys = Object.keys(rec);
  if (keys.length === 0) return 'no fields';
  const shown = keys.slice(0, 20).join(', ');
  return `fields: ${shown}${keys.length > 20 ? `, ... (${keys.length} in all)` : ''}`;
}
