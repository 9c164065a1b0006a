import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, contentId } from '../../core/index.js';
import { directorySeeds } from './directory.js';
import { jsonlSeeds } from './jsonl.js';
import type { Plugin } from '../../core/index.js';
import { createHarness } from '../../core/testing/index.js';

/** A seed source applied as a run applies it, asked for `path` and drained (instructsmith/testing). */
const runSeedSource = async (plugin: Plugin, options: unknown, path: string) => (await createHarness([[plugin, options]])).readSeeds(path);

const HUMANEVAL = fileURLToPath(new URL('../../../shared/data/humaneval/HumanEval.jsonl.gz', import.meta.url));
const HUMANEVAL_OPTS = { fields: { code: ['prompt', 'canonical_solution'], id: 'task_id' }, meta: ['entry_point'] };

const tmp = mkdtempSync(join(tmpdir(), 'seeds-jsonl-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, lines: string[]): string {
  const p = join(tmp, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

/** Indexes (into `codes`) of snippets that Python's own parser rejects; one python3 process for all. */
function pythonParseFailures(codes: string[]): number[] {
  const script = [
    'import ast, json, sys',
    'bad = []',
    'for i, c in enumerate(json.load(sys.stdin)):',
    '    try: ast.parse(c)',
    '    except SyntaxError: bad.append(i)',
    'print(json.dumps(bad))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(codes) }).toString());
}

describe('seed:jsonl on HumanEval', () => {
  it('yields 164 python seeds, one per problem, that are complete parseable functions', async () => {
    const run = await runSeedSource(jsonlSeeds, HUMANEVAL_OPTS, HUMANEVAL);
    expect(run.handled).toBe(true);
    expect(run.skips).toEqual([]);
    expect(run.seeds).toHaveLength(164);
    expect(new Set(run.seeds.map((s) => s.id)).size).toBe(164);
    expect(run.seeds.map((s) => s.meta.task_id)).toEqual(Array.from({ length: 164 }, (_, i) => `HumanEval/${i}`));
    for (const s of run.seeds) {
      expect(s.language).toBe('python');
      expect(s.kind).toBe('record');
      expect(s.id).toBe(contentId({ language: 'python', code: s.code }));
      // The entry point is defined in the seed: prompt + solution form the whole function.
      expect(s.code).toContain(`def ${s.meta.entry_point as string}(`);
    }
    expect(run.seeds[0]!.source).toEqual({ path: 'HumanEval.jsonl.gz', line: 1 });
    expect(run.seeds[163]!.source).toEqual({ path: 'HumanEval.jsonl.gz', line: 164 });
    expect(pythonParseFailures(run.seeds.map((s) => s.code))).toEqual([]);
  });

  it('gives the same seeds from the gzip file and its plain-text copy', async () => {
    const plain = join(tmp, 'HumanEval.jsonl');
    writeFileSync(plain, gunzipSync(readFileSync(HUMANEVAL)));
    const fromGz = await runSeedSource(jsonlSeeds, HUMANEVAL_OPTS, HUMANEVAL);
    const fromPlain = await runSeedSource(jsonlSeeds, HUMANEVAL_OPTS, plain);
    const strip = (s: { source: { path: string } }) => ({ ...s, source: { ...s.source, path: '' } });
    expect(fromPlain.seeds.map(strip)).toEqual(fromGz.seeds.map(strip));
    expect(fromPlain.seeds[5]!.source.path).toBe('HumanEval.jsonl');
  });

  it('concatenates code fields with no separator, in the order given', async () => {
    const run = await runSeedSource(jsonlSeeds, HUMANEVAL_OPTS, HUMANEVAL);
    const first = JSON.parse(gunzipSync(readFileSync(HUMANEVAL)).toString().split('\n')[0]!);
    expect(run.seeds[0]!.code).toBe(first.prompt + first.canonical_solution);
    expect(run.seeds[0]!.meta).toEqual({ task_id: 'HumanEval/0', entry_point: 'has_close_elements' });
  });
});

describe('seed:jsonl on malformed input', () => {
  const good = (n: number) => JSON.stringify({ code: `def f${n}():\n    return ${n}\n` });

  it('names the file and line of a line that is not JSON', async () => {
    const p = write('bad.jsonl', [good(1), good(2), '{"code": "x" ', good(3)]);
    const err = await runSeedSource(jsonlSeeds, {}, p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe(p);
    expect((err as InputError).line).toBe(3);
    expect((err as InputError).message).toContain(`${p}:3: not valid JSON`);
    expect((err as InputError).hint).toContain('onMalformed: skip');
  });

  it('with onMalformed: skip records the bad line and keeps the rest', async () => {
    const p = write('bad-skip.jsonl', [good(1), 'not json', good(2), '[1,2]']);
    const run = await runSeedSource(jsonlSeeds, { onMalformed: 'skip' }, p);
    expect(run.seeds.map((s) => s.source.line)).toEqual([1, 3]);
    expect(run.skips).toEqual([
      { path: `${p}:2`, reason: 'malformed_json' },
      { path: `${p}:4`, reason: 'malformed_json' },
    ]);
  });

  it('names the missing field and the fields the line has', async () => {
    const p = write('missing.jsonl', [good(1), JSON.stringify({ source: 'x', lang: 'py' })]);
    const err = (await runSeedSource(jsonlSeeds, {}, p).catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.line).toBe(2);
    expect(err.message).toContain('missing field "code"; the line has fields: source, lang');
    const run = await runSeedSource(jsonlSeeds, { onMalformed: 'skip' }, p);
    expect(run.skips).toEqual([{ path: `${p}:2`, reason: 'missing_field' }]);
    expect(run.seeds).toHaveLength(1);
  });

  it('rejects a code field that is not a string', async () => {
    const p = write('type.jsonl', [JSON.stringify({ code: 42 })]);
    const err = (await runSeedSource(jsonlSeeds, {}, p).catch((e: unknown) => e)) as InputError;
    expect(err.message).toContain('field "code" is a number, expected a string');
  });

  it('reports invalid UTF-8 with its line', async () => {
    const p = join(tmp, 'latin1.jsonl');
    writeFileSync(p, Buffer.concat([Buffer.from(good(1) + '\n'), Buffer.from('{"code": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    const err = (await runSeedSource(jsonlSeeds, {}, p).catch((e: unknown) => e)) as InputError;
    expect(err.line).toBe(2);
    expect(err.message).toContain('not valid UTF-8');
  });

  it('throws when a file yields no seeds, listing what was skipped', async () => {
    const p = write('empty.jsonl', ['oops', JSON.stringify({ code: '   ' })]);
    const err = (await runSeedSource(jsonlSeeds, { onMalformed: 'skip' }, p).catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('SEEDS_EMPTY');
    expect(err.message).toContain('no seeds found in 2 line(s)');
    expect(err.message).toContain('empty_code: 1');
    expect(err.message).toContain('malformed_json: 1');
  });

  it('says when a .gz file is not gzip', async () => {
    const p = write('fake.jsonl.gz', [good(1)]);
    const err = (await runSeedSource(jsonlSeeds, {}, p).catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('not a valid gzip file');
  });
});

describe('seed:jsonl record handling', () => {
  it('reads the language per line, maps aliases, skips unknown languages and duplicates', async () => {
    const p = join(tmp, 'multi.ndjson.gz');
    const rows = [
      { lang: 'Python', src: 'print(1)\n', id: 'a' },
      { lang: 'C++', src: 'int main() { return 0; }\n', id: 'b' },
      { lang: 'klingon', src: 'qapla()\n', id: 'c' },
      { lang: 'py', src: 'print(1)\n', id: 'd' },
    ];
    writeFileSync(p, gzipSync(rows.map((r) => JSON.stringify(r)).join('\r\n')));
    const run = await runSeedSource(jsonlSeeds, { fields: { code: 'src', language: 'lang', id: 'id' } }, p);
    expect(run.seeds.map((s) => [s.language, s.meta.id, s.source.line])).toEqual([
      ['python', 'a', 1],
      ['cpp', 'b', 2],
    ]);
    expect(run.seeds[0]!.code).toBe('print(1)\n');
    expect(run.skips).toEqual([
      { path: `${p}:3`, reason: 'unknown_language' },
      { path: `${p}:4`, reason: 'duplicate' },
    ]);
  });

  it('bails on paths that are not JSON Lines files', async () => {
    const p = write('data.json', [JSON.stringify({ code: 'x' })]);
    expect((await runSeedSource(jsonlSeeds, {}, p)).handled).toBe(false);
    expect((await runSeedSource(jsonlSeeds, {}, tmp)).handled).toBe(false);
  });

  it('rejects unknown options and unknown constant languages', () => {
    expect(() => jsonlSeeds.options.parse({ feilds: {} })).toThrow();
    expect(() => jsonlSeeds.options.parse({ language: 'klingon' })).toThrow(/unknown language/);
    expect(jsonlSeeds.options.parse({})).toEqual({ fields: { code: 'code' }, meta: [], language: 'python', onMalformed: 'error', maxLineBytes: 1024 * 1024 });
    expect(() => jsonlSeeds.options.parse({ maxLineBytes: 0 })).toThrow();
  });

  it('caps a line at the same size as seed:directory caps a file', () => {
    expect(jsonlSeeds.options.parse({}).maxLineBytes).toBe(directorySeeds.options.parse({}).maxFileBytes);
  });
});

describe('seed:jsonl streaming', () => {
  it('can stop after the first seed without reading the rest', async () => {
    const { hooks } = await createHarness([[jsonlSeeds, HUMANEVAL_OPTS]]);
    const source = await hooks.seedSource.promise({ path: HUMANEVAL, isDirectory: false, skip: () => {} });
    for await (const seed of source!) {
      expect(seed.meta.task_id).toBe('HumanEval/0');
      break;
    }
  });
});

/** The source for `path` without draining it, so a test can see what the first `next()` does. */
async function openSource(options: unknown, path: string) {
  const { hooks } = await createHarness([[jsonlSeeds, options]]);
  const skips: { path: string; reason: string }[] = [];
  const source = await hooks.seedSource.promise({ path, isDirectory: false, skip: (p, reason) => skips.push({ path: p, reason }) });
  return { iterator: source![Symbol.asyncIterator](), skips };
}

describe('seed:jsonl size cap', () => {
  const good = (n: number) => JSON.stringify({ code: `def f${n}():\n    return ${n}\n` });

  it('skips a line over the default 1 MiB as too_large, counts it, and reads the lines after it', async () => {
    // 3 MiB of code on one line: spans many 64 KiB read chunks.
    const huge = JSON.stringify({ code: `x = "${'a'.repeat(3 * 1024 * 1024)}"\n` });
    const p = write('huge.jsonl', [good(1), huge, good(2)]);
    const run = await runSeedSource(jsonlSeeds, {}, p);
    expect(run.seeds.map((s) => s.source.line)).toEqual([1, 3]);
    expect(run.skips).toEqual([{ path: `${p}:2`, reason: 'too_large' }]);
    expect(Math.max(...run.seeds.map((s) => s.code.length))).toBeLessThan(100);
  });

  it('keeps a line of exactly maxLineBytes and skips one byte more, in plain and gzip files', async () => {
    const exact = JSON.stringify({ code: 'print(1)\n' });
    const over = JSON.stringify({ code: 'print(22)\n' });
    expect(over.length).toBe(exact.length + 1);
    const plain = write('cap.jsonl', [exact, over, good(3)]);
    const gz = join(tmp, 'cap.jsonl.gz');
    writeFileSync(gz, gzipSync(readFileSync(plain)));
    for (const p of [plain, gz]) {
      const run = await runSeedSource(jsonlSeeds, { maxLineBytes: exact.length + good(3).length }, p);
      expect(run.seeds.map((s) => s.source.line)).toEqual([1, 2, 3]);
      const tight = await runSeedSource(jsonlSeeds, { maxLineBytes: exact.length }, p);
      expect(tight.seeds.map((s) => s.code)).toEqual(['print(1)\n']);
      expect(tight.skips).toEqual([
        { path: `${p}:2`, reason: 'too_large' },
        { path: `${p}:3`, reason: 'too_large' },
      ]);
    }
  });

  it('skips an oversized line even where it would be malformed: it is never parsed', async () => {
    const p = write('huge-bad.jsonl', [good(1), `{"code": "${'b'.repeat(5000)}`, good(2)]);
    const run = await runSeedSource(jsonlSeeds, { maxLineBytes: 1000 }, p);
    expect(run.seeds).toHaveLength(2);
    expect(run.skips).toEqual([{ path: `${p}:2`, reason: 'too_large' }]);
  });
});

describe('seed:jsonl pre-scan', () => {
  const good = (n: number) => JSON.stringify({ id: `t${n}`, code: `def f${n}():\n    return ${n}\n` });
  /** 50 lines, line `bad` (1-based) replaced by `badLine`. */
  const fifty = (bad: number, badLine: string) => Array.from({ length: 50 }, (_, i) => (i + 1 === bad ? badLine : good(i + 1)));

  it('throws at a malformed line 37 of 50 on the first next(), before any seed is yielded', async () => {
    const p = write('late-bad.jsonl', fifty(37, '{"id": "t37", "code": '));
    const { iterator, skips } = await openSource({}, p);
    const err = (await iterator.next().catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('SEEDS_MALFORMED');
    expect(err.file).toBe(p);
    expect(err.line).toBe(37);
    expect(err.message).toContain(`${p}:37: not valid JSON`);
    expect(err.hint).toContain('onMalformed: skip');
    expect(skips).toEqual([]);
  });

  it('checks required fields in the pre-scan too, as set by the field mapping', async () => {
    const p = write('late-missing.jsonl', fifty(50, JSON.stringify({ code: 'def g():\n    pass\n' })));
    // Without fields.id every line is fine...
    expect((await runSeedSource(jsonlSeeds, {}, p)).seeds).toHaveLength(50);
    // ...with it, line 50 lacks the id, and that is found before the first seed.
    const { iterator } = await openSource({ fields: { code: 'code', id: 'id' } }, p);
    const err = (await iterator.next().catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.line).toBe(50);
    expect(err.message).toContain('missing field "id"; the line has fields: code');
  });

  it('with onMalformed: skip reads the other 49 lines and counts the bad one', async () => {
    const p = write('late-bad-skip.jsonl', fifty(37, 'not json'));
    const run = await runSeedSource(jsonlSeeds, { onMalformed: 'skip', fields: { code: 'code', id: 'id' } }, p);
    expect(run.seeds).toHaveLength(49);
    expect(run.seeds.map((s) => s.meta.id)).not.toContain('t37');
    expect(run.seeds[36]!.source.line).toBe(38);
    expect(run.skips).toEqual([{ path: `${p}:37`, reason: 'malformed_json' }]);
  });

  it('finds a malformed line in a .jsonl.gz file before the first seed', async () => {
    const p = join(tmp, 'late-bad.jsonl.gz');
    writeFileSync(p, gzipSync(fifty(44, '[1, 2]').join('\n') + '\n'));
    const { iterator } = await openSource({}, p);
    const err = (await iterator.next().catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.line).toBe(44);
    expect(err.message).toContain('expected an object per line, got an array');
    const run = await runSeedSource(jsonlSeeds, { onMalformed: 'skip' }, p);
    expect(run.seeds).toHaveLength(49);
    expect(run.skips).toEqual([{ path: `${p}:44`, reason: 'malformed_json' }]);
  });

  it('finds a truncated gzip file before the first seed', async () => {
    const p = join(tmp, 'truncated.jsonl.gz');
    const whole = readFileSync(HUMANEVAL);
    writeFileSync(p, whole.subarray(0, Math.floor(whole.length / 2)));
    const { iterator } = await openSource(HUMANEVAL_OPTS, p);
    const err = (await iterator.next().catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('SEEDS_UNREADABLE');
  });
});
