import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, contentId, type Seed } from '../../core/index.js';
import { directorySeeds } from './directory.js';
import type { Plugin } from '../../core/index.js';
import { createHarness } from '../../core/testing/index.js';

/** A seed source applied as a run applies it, asked for `path` and drained (instructsmith/testing). */
const runSeedSource = async (plugin: Plugin, options: unknown, path: string) => (await createHarness([[plugin, options]])).readSeeds(path);

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/seeds/tree', import.meta.url));
let root: string;

// The committed fixture plus what cannot be committed: a 1 MiB+ file, VCS and dependency folders,
// git-ignored files, and a byte-identical copy of a file (duplicate seeds).
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'seeds-dir-'));
  cpSync(FIXTURE, root, { recursive: true });
  writeFileSync(join(root, 'src', 'huge.py'), 'x = 1\n'.repeat(200_000));
  mkdirSync(join(root, '.git'));
  writeFileSync(join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  mkdirSync(join(root, 'node_modules', 'left-pad'), { recursive: true });
  writeFileSync(join(root, 'node_modules', 'left-pad', 'index.js'), 'module.exports = (s) => s;\n');
  writeFileSync(join(root, 'debug.log'), 'noise\n');
  mkdirSync(join(root, 'scratch'));
  writeFileSync(join(root, 'scratch', 'try.py'), 'print(1)\n');
  cpSync(join(root, 'src', 'list.c'), join(root, 'src', 'list_copy.c'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const brief = (s: Seed) => `${s.kind} ${s.language} ${s.source.path}:${s.source.line}-${s.source.endLine} ${(s.meta.symbol as string | undefined) ?? '-'}`;

describe('seed:directory on a fixture tree', () => {
  it('yields whole functions and classes in path order, and records every skip with its reason', async () => {
    const run = await runSeedSource(directorySeeds, {}, root);
    expect(run.seeds.map(brief)).toEqual([
      'class sql db/schema.sql:2-7 orders',
      'function sql db/schema.sql:9-15 order_total',
      'function shell scripts/deploy.sh:8-13 deploy',
      'class java src/Matrix.java:6-31 Matrix',
      'class python src/inventory.py:8-17 Item',
      'function python src/inventory.py:20-27 price_with_tax',
      'function python src/inventory.py:34-40 restock',
      'window c src/list.c:1-7 -',
      'function c src/list.c:10-18 push',
      'function c src/list.c:20-27 count_braces',
      'window go src/server.go:1-6 -',
      'class go src/server.go:8-13 Counter',
      'function go src/server.go:15-20 ServeHTTP',
      'function go src/server.go:22-28 main',
      'function javascript web/format.js:5-10 stripBraces',
      'function javascript web/format.js:12-17 greet',
      'class typescript web/shapes.ts:1-6 Shape',
      'class typescript web/shapes.ts:8-20 Circle',
      'function typescript web/shapes.ts:22-28 largest',
    ]);
    expect(run.skips).toEqual([
      { path: '.git/', reason: 'excluded' },
      { path: '.gitignore', reason: 'unknown_language' },
      { path: 'README.md', reason: 'unknown_language' },
      { path: 'debug.log', reason: 'gitignored' },
      { path: 'legacy/latin1.py', reason: 'binary' },
      { path: 'node_modules/', reason: 'excluded' },
      { path: 'pnpm-lock.yaml', reason: 'generated' },
      { path: 'scratch/', reason: 'gitignored' },
      { path: 'scripts/deploy.sh:2-6', reason: 'too_short' },
      { path: 'scripts/deploy.sh:15-15', reason: 'too_short' },
      { path: 'src/Matrix.java:1-3', reason: 'too_short' },
      { path: 'src/huge.py', reason: 'too_large' },
      { path: 'src/inventory.py:1-5', reason: 'too_short' },
      { path: 'src/inventory.py:30-31', reason: 'too_short' },
      { path: 'src/list_copy.c:1-7', reason: 'duplicate' },
      { path: 'src/list_copy.c:10-18', reason: 'duplicate' },
      { path: 'src/list_copy.c:20-27', reason: 'duplicate' },
      { path: 'src/parser_gen.go', reason: 'generated' },
      { path: 'web/app.min.js', reason: 'minified' },
      { path: 'web/format.js:1-3', reason: 'too_short' },
      { path: 'web/format.js:19-19', reason: 'too_short' },
    ]);
  });

  it('cuts exactly the lines of each unit, with decorators, and ids are content addresses', async () => {
    const run = await runSeedSource(directorySeeds, {}, root);
    const byPath = (p: string, line: number) => run.seeds.find((s) => s.source.path === p && s.source.line === line)!;
    const py = readFileSync(join(root, 'src', 'inventory.py'), 'utf8').split('\n');
    expect(byPath('src/inventory.py', 20).code).toBe(py.slice(19, 27).join('\n'));
    expect(byPath('src/inventory.py', 20).code.startsWith('@functools.lru_cache(maxsize=None)\ndef price_with_tax')).toBe(true);
    expect(byPath('src/inventory.py', 8).code.startsWith('@dataclass\nclass Item:')).toBe(true);
    const greet = byPath('web/format.js', 12).code;
    expect(greet.startsWith('const greet = (name')).toBe(true);
    expect(greet.endsWith('};')).toBe(true);
    for (const s of run.seeds) expect(s.id).toBe(contentId({ language: s.language, code: s.code }));
  });

  it('gives python seeds that parse on their own', async () => {
    const run = await runSeedSource(directorySeeds, { languages: ['python'] }, root);
    expect(run.seeds.map((s) => s.meta.symbol)).toEqual(['Item', 'price_with_tax', 'restock']);
    for (const s of run.seeds) execFileSync('python3', ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], { input: s.code });
    expect(run.skips.filter((s) => s.reason === 'other_language').map((s) => s.path)).toContain('src/list.c');
  });

  it('is deterministic', async () => {
    const a = await runSeedSource(directorySeeds, {}, root);
    const b = await runSeedSource(directorySeeds, {}, root);
    expect(b).toEqual(a);
  });
});

describe('seed:directory options', () => {
  it('unit: file gives one seed per readable file', async () => {
    const run = await runSeedSource(directorySeeds, { unit: 'file', include: ['src/**'] }, root);
    expect(run.seeds.map(brief)).toEqual([
      'file java src/Matrix.java:1-31 -',
      'file python src/inventory.py:1-40 -',
      'file c src/list.c:1-27 -',
      'file go src/server.go:1-28 -',
    ]);
    expect(run.skips).toContainEqual({ path: 'src/list_copy.c:1-27', reason: 'duplicate' });
    expect(run.skips).toContainEqual({ path: 'src/huge.py', reason: 'too_large' });
    expect(run.skips).toContainEqual({ path: 'web/format.js', reason: 'not_included' });
  });

  it('unit: window cuts 5..20 line windows on blank-line boundaries', async () => {
    const run = await runSeedSource(directorySeeds, { unit: 'window', include: ['src/inventory.py'] }, root);
    expect(run.seeds.map(brief)).toEqual([
      'window python src/inventory.py:1-17 -',
      'window python src/inventory.py:20-31 -',
      'window python src/inventory.py:34-40 -',
    ]);
    for (const s of run.seeds) expect(s.source.endLine! - s.source.line! + 1).toBeLessThanOrEqual(20);
  });

  it('replaces a unit longer than maxUnitLines by its members', async () => {
    const run = await runSeedSource(directorySeeds, { unit: 'function', maxUnitLines: 20, maxLines: 20, include: ['src/Matrix.java'] }, root);
    expect(run.seeds.map(brief)).toEqual(['function java src/Matrix.java:13-20 toString', 'function java src/Matrix.java:22-30 multiply']);
    expect(run.seeds[0]!.code.startsWith('@Override\npublic String toString() {')).toBe(true);
    // The constructor (3 lines) is too short; everything outside src/Matrix.java was not included.
    expect(run.skips.filter((s) => s.reason !== 'not_included' && s.reason !== 'excluded' && s.reason !== 'gitignored')).toEqual([
      { path: 'src/Matrix.java:9-11', reason: 'too_short' },
    ]);
  });

  it('reads a single source file, with paths relative to its folder', async () => {
    const run = await runSeedSource(directorySeeds, {}, join(root, 'src', 'server.go'));
    expect(run.seeds.map(brief)).toEqual([
      'window go server.go:1-6 -',
      'class go server.go:8-13 Counter',
      'function go server.go:15-20 ServeHTTP',
      'function go server.go:22-28 main',
    ]);
  });

  it('leaves .jsonl files to seed:jsonl', async () => {
    const p = join(root, 'data.jsonl');
    writeFileSync(p, '{"code": "x"}\n');
    expect((await runSeedSource(directorySeeds, {}, p)).handled).toBe(false);
    rmSync(p);
  });

  it('rejects bad options', () => {
    expect(() => directorySeeds.options.parse({ minLines: 30 })).toThrow(/minLines must not exceed maxLines/);
    expect(() => directorySeeds.options.parse({ languages: ['cobol'] })).toThrow(/unknown language/);
    expect(() => directorySeeds.options.parse({ exlude: [] })).toThrow();
  });
});

describe('seed:directory with nothing to read', () => {
  it('throws an InputError listing what was skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seeds-empty-'));
    writeFileSync(join(dir, 'NOTES.txt'), 'nothing here\n');
    writeFileSync(join(dir, 'tiny.py'), 'print(1)\n');
    try {
      const err = (await runSeedSource(directorySeeds, {}, dir).catch((e: unknown) => e)) as InputError;
      expect(err).toBeInstanceOf(InputError);
      expect(err.code).toBe('SEEDS_EMPTY');
      expect(err.file).toBe(dir);
      expect(err.message).toContain('no seeds found (2 file(s) read)');
      expect(err.message).toContain('too_short: 1 (tiny.py:1-1)');
      expect(err.message).toContain('unknown_language: 1 (NOTES.txt)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
