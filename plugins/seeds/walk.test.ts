import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walk, type WalkEntry } from './walk.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'seeds-walk-'));
  for (const f of ['a/x.py', 'a.py', 'a-b/y.py', 'B.py', 'gen/out.py', 'keep/gen/z.py', '.hidden.py']) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), 'x = 1\n');
  }
  symlinkSync(join(root, 'a'), join(root, 'link'));
  writeFileSync(join(root, '.gitignore'), '/gen/\n*.tmp\n');
  writeFileSync(join(root, 'notes.tmp'), '');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function list(opts: Partial<Parameters<typeof walk>[1]> = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const e of walk(root, { include: ['**'], exclude: [], gitignore: true, ...opts }) as AsyncIterable<WalkEntry>) {
    out.push('skipped' in e ? `${e.rel} (${e.skipped})` : e.rel);
  }
  return out;
}

describe('walk', () => {
  it('yields files in the order of a plain sort of their paths, reporting what it passes over', async () => {
    expect(await list()).toEqual([
      '.gitignore',
      '.hidden.py',
      'B.py',
      'a-b/y.py',
      'a.py',
      'a/x.py',
      'gen/ (gitignored)', // `/gen/` is anchored: keep/gen/ is read
      'keep/gen/z.py',
      'link (symlink)',
      'notes.tmp (gitignored)',
    ]);
  });

  it('applies include and exclude globs, and can ignore .gitignore', async () => {
    expect(await list({ include: ['**/*.py'], exclude: ['**/gen', 'a'], gitignore: false })).toEqual([
      '.gitignore (not_included)',
      '.hidden.py',
      'B.py',
      'a-b/y.py',
      'a.py',
      'a/ (excluded)',
      'gen/ (excluded)',
      'keep/gen/ (excluded)',
      'link (symlink)',
      'notes.tmp (not_included)',
    ]);
  });
});
