import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';

/** A file to read, or something passed over with a stable reason. `rel` uses `/` and is relative to the root. */
export type WalkEntry = { rel: string; abs: string } | { rel: string; skipped: 'excluded' | 'gitignored' | 'not_included' | 'symlink' | 'unreadable' };

export interface WalkOptions {
  /** Globs a file's relative path must match (picomatch syntax, dotfiles included). */
  include: readonly string[];
  /** Globs that exclude a file, or a directory with everything below it. */
  exclude: readonly string[];
  /** Apply the root's `.gitignore` (only the top-level one). */
  gitignore: boolean;
}

/**
 * Walk `root` depth-first and yield its files in sorted order of their relative paths (by UTF-16 code
 * units, directories sorted as `name/`, so the order equals a plain sort of full paths). Streams: only
 * one directory listing per level is held. Symbolic links are not followed (cycles; files outside the
 * tree) and are reported as `symlink`. An excluded or git-ignored directory is reported once, not per file.
 *
 * @throws Error only for a malformed glob (picomatch); unreadable directories are reported as `unreadable`.
 */
export async function* walk(root: string, opts: WalkOptions): AsyncGenerator<WalkEntry> {
  const glob = { dot: true };
  const included = picomatch([...opts.include], glob);
  const excluded = opts.exclude.length > 0 ? picomatch([...opts.exclude], glob) : () => false;
  const ig = opts.gitignore ? await loadGitignore(root) : undefined;

  async function* visit(dirRel: string): AsyncGenerator<WalkEntry> {
    let entries;
    try {
      entries = await readdir(dirRel ? join(root, dirRel) : root, { withFileTypes: true });
    } catch {
      yield { rel: dirRel || '.', skipped: 'unreadable' };
      return;
    }
    const keyed = entries.map((e) => ({ e, key: e.isDirectory() ? `${e.name}/` : e.name }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const { e } of keyed) {
      const rel = dirRel ? `${dirRel}/${e.name}` : e.name;
      const isDir = e.isDirectory();
      if (excluded(rel)) {
        yield { rel: isDir ? `${rel}/` : rel, skipped: 'excluded' };
      } else if (ig?.ignores(isDir ? `${rel}/` : rel)) {
        yield { rel: isDir ? `${rel}/` : rel, skipped: 'gitignored' };
      } else if (e.isSymbolicLink()) {
        yield { rel, skipped: 'symlink' };
      } else if (isDir) {
        yield* visit(rel);
      } else if (e.isFile()) {
        if (included(rel)) yield { rel, abs: join(root, rel) };
        else yield { rel, skipped: 'not_included' };
      } else {
        yield { rel, skipped: 'unreadable' }; // a socket, FIFO or device: not a regular file
      }
    }
  }
  yield* visit('');
}

async function loadGitignore(root: string): Promise<Ignore | undefined> {
  let text: string;
  try {
    text = await readFile(join(root, '.gitignore'), 'utf8');
  } catch {
    return undefined;
  }
  return ignore().add(text);
}
