import { stat } from 'node:fs/promises';
import { languageFromPath } from '../../../core/index.js';
import { DEFAULT_EXCLUDES } from '../directory.js';
import { isJsonlPath } from '../jsonl.js';
import { walk } from '../walk.js';

/** True for a Parquet file name (case-insensitive). */
export function isParquetPath(path: string): boolean {
  return path.toLowerCase().endsWith('.parquet');
}

/** True for a file seed:pool reads: Parquet, or the JSON Lines names seed:jsonl reads (`.jsonl`, `.jsonl.gz`, `.ndjson`, `.ndjson.gz`). */
export function isPoolPath(path: string): boolean {
  return isParquetPath(path) || isJsonlPath(path);
}

/** A pool file of a directory (`rel` relative to it, with `/`), or an entry passed over with its reason. */
export type PoolEntry = { rel: string; abs: string } | { rel: string; skipped: string };

/**
 * The pool files under `root`, recursively, in sorted order of their relative paths (seed:directory's
 * walk: depth-first, sorted by UTF-16 code units, symbolic links not followed), passing over the
 * directories of {@link DEFAULT_EXCLUDES} (`.git`, `.cache`, ...). Other files come out as
 * `not_pool_file`. `.gitignore` is not applied: data directories are often git-ignored in the repository
 * that holds them, and a pool given by path is meant to be read whole.
 */
export async function* poolFiles(root: string): AsyncGenerator<PoolEntry> {
  for await (const e of walk(root, { include: ['**'], exclude: DEFAULT_EXCLUDES, gitignore: false })) {
    if ('skipped' in e) yield e;
    else if (isPoolPath(e.rel)) yield e;
    else yield { rel: e.rel, skipped: 'not_pool_file' };
  }
}

/**
 * Whether a directory is a pool rather than a code tree: it holds pool files, and they are more bytes
 * than the source files seed:directory would read there (a file with a language extension). Sizes, not
 * counts, so a dataset folder with a loading script (`dataset.py`) stays a pool, and a repository with a
 * test fixture `.jsonl` stays a code tree. Our choice. Reads only file sizes (one walk, one stat per file).
 */
export async function isPoolDirectory(root: string): Promise<boolean> {
  let poolBytes = 0;
  let sourceBytes = 0;
  for await (const e of walk(root, { include: ['**'], exclude: DEFAULT_EXCLUDES, gitignore: false })) {
    if ('skipped' in e) continue;
    const pool = isPoolPath(e.rel);
    if (!pool && !languageFromPath(e.rel)) continue;
    let size: number;
    try {
      size = (await stat(e.abs)).size;
    } catch {
      continue;
    }
    if (pool) poolBytes += Math.max(size, 1);
    else sourceBytes += size;
  }
  return poolBytes > 0 && poolBytes > sourceBytes;
}
