import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  InputError,
  contentId,
  definePlugin,
  isKnownLanguage,
  languageFromPath,
  z,
  type Seed,
  type SeedQuery,
} from '../../core/index.js';
import { decodeSource, isLockFile, textSkipReason } from './classify.js';
import { isJsonlPath } from './jsonl.js';
import { SkipTally } from './skips.js';
import { planSnippets } from './snippets.js';
import { walk, type WalkEntry } from './walk.js';

/**
 * Directories nobody writes code in by hand: VCS metadata, dependencies, build output, caches and
 * virtual environments. Our choice. Each pattern excludes a directory of that name at any depth.
 */
export const DEFAULT_EXCLUDES: readonly string[] = [
  '.git', '.hg', '.svn', 'node_modules', 'bower_components', 'vendor', 'dist', 'build', 'target', 'out',
  '__pycache__', '.venv', 'venv', '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache',
  '.next', '.nuxt', '.gradle', '.idea', '.vscode', 'coverage', '.cache',
].map((d) => `**/${d}`);

/**
 * Options of `seed:directory`.
 *
 * - `include`: globs (picomatch, relative to the seeds directory, dotfiles included) a file must match. Default all files.
 * - `exclude`: globs of files or directories to pass over (a directory is passed over whole), added to
 *   {@link DEFAULT_EXCLUDES} unless `defaultExcludes: false`. Globs match the whole relative path:
 *   `tests` excludes only the top-level `tests`; with a leading globstar segment, as in the
 *   defaults, it is excluded at any depth.
 * - `gitignore`: apply the directory's top-level `.gitignore` (default true).
 * - `languages`: read only these language ids (default: every language core/languages.ts knows).
 * - `maxFileBytes`: larger files are skipped as `too_large`. Default 1 MiB (our choice).
 * - `minLines`, `maxLines`: window size and the fewest lines of code a seed may have. Default 5 and 20,
 *   Infinite-Instruct (arXiv 2505.23177) §3.1 ("code snippets of 5-20 lines").
 * - `maxUnitLines`: a function or class longer than this is replaced by its members or cut into windows.
 *   Default 80 (our choice: about one screen and a half; longer units make prompts long without adding variety).
 * - `unit`: `auto` (default; functions and classes, windows over the code between them), `function`
 *   (functions and classes only), `window` (windows only), `file` (whole files). See snippets.ts.
 */
export const directoryOptions = z
  .object({
    include: z.array(z.string().min(1)).min(1).default(['**']),
    exclude: z.array(z.string().min(1)).default([]),
    defaultExcludes: z.boolean().default(true),
    gitignore: z.boolean().default(true),
    languages: z
      .array(z.string().refine(isKnownLanguage, { message: 'unknown language id; use ids from core/languages.ts (python, javascript, typescript, java, c, cpp, csharp, go, rust, php, ruby, sql, shell, ...)' }))
      .min(1)
      .optional(),
    maxFileBytes: z.number().int().positive().default(1024 * 1024),
    minLines: z.number().int().min(1).default(5),
    maxLines: z.number().int().min(1).default(20),
    maxUnitLines: z.number().int().min(1).default(80),
    unit: z.enum(['auto', 'function', 'window', 'file']).default('auto'),
  })
  .strict()
  .refine((o) => o.minLines <= o.maxLines, { message: 'minLines must not exceed maxLines', path: ['minLines'] })
  .refine((o) => o.maxLines <= o.maxUnitLines, { message: 'maxLines must not exceed maxUnitLines', path: ['maxLines'] });

export type DirectoryOptions = z.output<typeof directoryOptions>;

/**
 * `seed:directory`: seeds from source files on disk, a whole tree or one file (not JSON Lines, which
 * `seed:jsonl` reads). Files are read one at a time in sorted path order; seeds come out in that order,
 * then by position in the file.
 *
 * Each seed: `id` = `contentId({language, code})`, `source` = `{path relative to the seeds directory
 * (the file's name for a single file), line, endLine}`, `kind` function|class|window|file, `meta.symbol`
 * the function or class name where known (`meta.cutFrom` when a window comes from an over-long unit,
 * `meta.statement` for SQL).
 *
 * Skip reasons (stable; `path` is relative, `path:line-endLine` for snippets): `excluded`, `gitignored`,
 * `not_included`, `symlink`, `unreadable`, `unknown_language`, `other_language` (not in `languages`),
 * `too_large`, `binary` (NUL byte or invalid UTF-8), `generated` (lock file or marker, see classify.ts),
 * `minified` (see classify.ts), `too_short` (fewer than `minLines` lines of code), `duplicate` (same
 * language and code as an earlier seed; ids are kept in memory, 16 hex chars per seed).
 *
 * @throws InputError (while iterating) when no seed at all comes out, listing what was skipped and why.
 */
export const directorySeeds = definePlugin({
  name: 'seed:directory',
  description: 'Reads seeds from source files: functions, classes and 5-20 line windows of real code.',
  options: directoryOptions,
  apply(ctx, options) {
    ctx.hooks.seedSource.tapPromise(async (query) => {
      if (!query.isDirectory && isJsonlPath(query.path)) return undefined;
      return readDirectorySeeds(query, options);
    });
  },
});

/** The generator behind `seed:directory`; see {@link directorySeeds}. */
export async function* readDirectorySeeds(query: SeedQuery, options: DirectoryOptions): AsyncGenerator<Seed> {
  const tally = new SkipTally(query);
  const seen = new Set<string>();
  const languages = options.languages ? new Set(options.languages) : undefined;
  let files = 0;
  let yielded = 0;

  const entries: AsyncIterable<WalkEntry> = query.isDirectory
    ? walk(query.path, {
        include: options.include,
        exclude: [...(options.defaultExcludes ? DEFAULT_EXCLUDES : []), ...options.exclude],
        gitignore: options.gitignore,
      })
    : single(query.path);

  for await (const entry of entries) {
    if ('skipped' in entry) {
      tally.skip(entry.rel, entry.skipped);
      continue;
    }
    files += 1;
    const read = await readSource(entry.abs, entry.rel, options, languages);
    if ('reason' in read) {
      tally.skip(entry.rel, read.reason);
      continue;
    }
    for (const snip of planSnippets(read.text, read.language, options)) {
      const where = `${entry.rel}:${snip.startLine}-${snip.endLine}`;
      if (snip.codeLines < options.minLines) {
        tally.skip(where, 'too_short');
        continue;
      }
      const id = contentId({ language: read.language, code: snip.code });
      if (seen.has(id)) {
        tally.skip(where, 'duplicate');
        continue;
      }
      seen.add(id);
      yielded += 1;
      yield {
        id,
        language: read.language,
        code: snip.code,
        source: { path: entry.rel, line: snip.startLine, endLine: snip.endLine },
        kind: snip.kind,
        meta: snip.meta,
      };
    }
  }

  if (yielded === 0) {
    const what = query.isDirectory ? `${files} file(s) read` : 'the file was read';
    throw new InputError(query.path, undefined, `no seeds found (${what}); skipped: ${tally.describe()}`, {
      hint: query.isDirectory
        ? 'point --seeds at a directory holding source files (.py, .js, .ts, .java, .c, .go, ...), or loosen seed:directory include/exclude/languages/minLines'
        : 'point --seeds at a source file with at least minLines lines of code, or at a directory',
      code: 'SEEDS_EMPTY',
    });
  }
}

// A single file's seeds are relative to its own directory: `source.path` is its name.
async function* single(path: string): AsyncGenerator<WalkEntry> {
  yield { rel: basename(path), abs: path };
}

type Read = { text: string; language: string } | { reason: string };

// Cheap checks first (name, size) so skipped files are never read whole.
async function readSource(abs: string, rel: string, options: DirectoryOptions, languages: Set<string> | undefined): Promise<Read> {
  if (isLockFile(rel)) return { reason: 'generated' };
  const language = languageFromPath(rel);
  if (!language) return { reason: 'unknown_language' };
  if (languages && !languages.has(language)) return { reason: 'other_language' };
  let bytes: Buffer;
  try {
    const size = (await stat(abs)).size;
    if (size > options.maxFileBytes) return { reason: 'too_large' };
    // Read at most maxFileBytes + 1 so a file that grew after stat() cannot blow memory.
    const fh = await open(abs, 'r');
    try {
      const buf = Buffer.alloc(Math.min(size, options.maxFileBytes) + 1);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      if (bytesRead > options.maxFileBytes) return { reason: 'too_large' };
      bytes = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return { reason: 'unreadable' };
  }
  const decoded = decodeSource(bytes);
  if ('reason' in decoded) return decoded;
  const text = decoded.text.replace(/\r\n?/g, '\n');
  const why = textSkipReason(text);
  if (why) return { reason: why };
  return { text, language };
}
