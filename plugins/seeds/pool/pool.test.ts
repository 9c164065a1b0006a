import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync, type CompressionCodec, type SchemaElement } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, contentId, type Plugin, type Seed } from '../../../core/index.js';
import { createHarness } from '../../../core/testing/index.js';
import { directorySeeds } from '../directory.js';
import { jsonlSeeds } from '../jsonl.js';
import { samplesSeeds } from '../samples.js';
import { poolSeeds } from './index.js';

const tmp = mkdtempSync(join(tmpdir(), 'seeds-pool-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
/** A fresh path under the test's temp directory. */
const fresh = (name: string) => join(tmp, `case-${++n}`, name);

/** Write `rows` as JSON Lines (gzipped when the name ends in .gz); each string is written as it is. */
export function writeJsonl(path: string, rows: (object | string)[]): string {
  mkdirSync(dirname(path), { recursive: true });
  const text = rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
  writeFileSync(path, path.endsWith('.gz') ? gzipSync(text) : text);
  return path;
}

type Turn = Record<string, string>;

/** A column of a Parquet fixture: a list of turns (`list<struct<keys...>>`), a string, or an INT64. */
export type ParquetColumn = { name: string; kind: 'turns'; keys: [string, string]; data: (Turn[] | null)[] } | { name: string; kind: 'string'; data: (string | null)[] } | { name: string; kind: 'int64'; data: bigint[] };

/**
 * Write a Parquet file as pyarrow writes a pool (nested lists of structs for turns), with
 * hyparquet-writer. `rowGroupSize` rows per row group; codec SNAPPY (the default), GZIP or BROTLI.
 */
export function writeParquet(path: string, columns: ParquetColumn[], opts: { rowGroupSize?: number; codec?: CompressionCodec } = {}): string {
  mkdirSync(dirname(path), { recursive: true });
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }];
  for (const c of columns) {
    if (c.kind === 'turns') {
      schema.push(
        { name: c.name, repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
        ...c.keys.map((k): SchemaElement => ({ name: k, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' })),
      );
    } else if (c.kind === 'string') {
      schema.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
    } else {
      schema.push({ name: c.name, type: 'INT64', repetition_type: 'REQUIRED' });
    }
  }
  parquetWriteFile({
    filename: path,
    schema,
    columnData: columns.map((c) => ({ name: c.name, data: c.data as unknown as never[] })),
    rowGroupSize: opts.rowGroupSize,
    codec: opts.codec,
    compressors: { GZIP: (b: Uint8Array) => gzipSync(b), BROTLI: (b: Uint8Array) => brotliCompressSync(b) },
  });
  return path;
}

/** seed:pool (with `options`) applied as a run applies it, asked for `path` and drained; log lines collected. */
async function readPool(path: string, options: unknown = {}, others: Plugin[] = []) {
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), debug() {} };
  const harness = await createHarness([...others, [poolSeeds, options]], { log });
  return { ...(await harness.readSeeds(path)), log: lines };
}

/** The InputError reading `path` throws (fails the test when it throws none). */
async function readError(path: string, options: unknown = {}): Promise<InputError> {
  const err = await readPool(path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

const chat = (user: string, assistant: string) => [
  { role: 'user', content: user },
  { role: 'assistant', content: assistant },
];

const MESSAGE_ROWS = [
  { id: 'a', messages: [{ role: 'system', content: 'You are terse.' }, ...chat('Reverse a list in Python.', 'Use slicing:\n```py\nxs[::-1]\n```')], source: 'evol' },
  { id: 'b', messages: chat('What is 2 + 2?', '4'), source: 'math' },
  { id: 'c', messages: chat('Write hello world in Go.', '```text\nout\n```\n```go\nfmt.Println("hi")\n```'), source: 'code' },
];

const SHAREGPT_ROWS = [
  { conversations: [{ from: 'human', value: 'Sort numbers in Rust?' }, { from: 'gpt', value: 'Call `v.sort()`.' }, { from: 'human', value: 'Descending?' }, { from: 'gpt', value: '```rust\nv.sort_by(|a, b| b.cmp(a));\n```' }], lang: 'en' },
  { conversations: [{ from: 'system', value: 'Be kind.' }, { from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello!' }], lang: 'en' },
];

const ALPACA_ROWS = [
  { instruction: 'Translate to French.', input: 'Good morning', output: 'Bonjour', category: 'translation' },
  { instruction: 'Name a prime number.', input: '', output: '7', category: 'math' },
];

describe('seed:pool formats from JSONL', () => {
  it('reads OpenAI messages rows: the conversation, its first user turn as code, the other fields in meta', async () => {
    const file = writeJsonl(fresh('chat.jsonl'), MESSAGE_ROWS);
    const run = await readPool(file);
    expect(run.handled).toBe(true);
    expect(run.skips).toEqual([]);
    expect(run.seeds).toHaveLength(3);
    const [a, b, c] = run.seeds as [Seed, Seed, Seed];
    expect(a.messages).toEqual(MESSAGE_ROWS[0]!.messages);
    expect(a.code).toBe('Reverse a list in Python.');
    expect(a.kind).toBe('record');
    expect(a.id).toBe(contentId(MESSAGE_ROWS[0]!.messages));
    expect(a.source).toEqual({ path: 'chat.jsonl', line: 1 });
    expect(a.meta).toEqual({ id: 'a', source: 'evol', format: 'messages' });
    expect(a.language).toBe('python');
    // No fence: the default language; a ```text fence names no language, the next one does.
    expect(b.language).toBe('text');
    expect(c.language).toBe('go');
    expect(c.source.line).toBe(3);
  });

  it("takes a row's Infinity Instruct label (lists of tags) as the seed's label; any other label field stays in meta", async () => {
    const label = { ability_en: ['list manipulation'], cate_ability_en: ['Programming Fundamentals'] };
    const file = writeJsonl(fresh('labelled.jsonl'), [
      { ...MESSAGE_ROWS[0], label },
      { ...MESSAGE_ROWS[1], label: 'coding' },
    ]);
    const [a, b] = (await readPool(file)).seeds as [Seed, Seed];
    expect(a.label).toEqual(label);
    expect(a.meta.label).toBeUndefined();
    expect(b.label).toBeUndefined();
    expect(b.meta.label).toBe('coding');
  });

  it('reads ShareGPT conversations (human/gpt/system) from a .jsonl.gz file as OpenAI roles', async () => {
    const file = writeJsonl(fresh('share.jsonl.gz'), SHAREGPT_ROWS);
    const run = await readPool(file);
    expect(run.seeds).toHaveLength(2);
    expect(run.seeds[0]!.messages!.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(run.seeds[0]!.messages![3]!.content).toBe('```rust\nv.sort_by(|a, b| b.cmp(a));\n```');
    expect(run.seeds[0]!.code).toBe('Sort numbers in Rust?');
    expect(run.seeds[0]!.language).toBe('rust');
    expect(run.seeds[0]!.meta).toEqual({ lang: 'en', format: 'sharegpt' });
    expect(run.seeds[1]!.messages).toEqual([{ role: 'system', content: 'Be kind.' }, ...chat('Hi', 'Hello!')]);
    expect(run.seeds[1]!.code).toBe('Hi');
  });

  it('reads Alpaca rows: instruction + blank line + input as the user turn, output as the assistant turn', async () => {
    const file = writeJsonl(fresh('alpaca.jsonl'), ALPACA_ROWS);
    const run = await readPool(file, { language: 'python' });
    expect(run.seeds.map((s) => s.messages)).toEqual([chat('Translate to French.\n\nGood morning', 'Bonjour'), chat('Name a prime number.', '7')]);
    expect(run.seeds[0]!.code).toBe('Translate to French.\n\nGood morning');
    expect(run.seeds[0]!.meta).toEqual({ category: 'translation', format: 'alpaca' });
    expect(run.seeds[1]!.language).toBe('python');
  });

  it('turns a system column into the first turn, and drops system turns with system: drop', async () => {
    const rows = [
      { instruction: 'Add 1 and 2.', output: '3', system: 'You are a calculator.' },
      { messages: [{ role: 'system', content: 'Own prompt.' }, ...chat('Hi', 'Hey')], system: 'Column prompt.' },
    ];
    const file = writeJsonl(fresh('system.jsonl'), rows);
    const kept = await readPool(file);
    expect(kept.seeds[0]!.messages).toEqual([{ role: 'system', content: 'You are a calculator.' }, ...chat('Add 1 and 2.', '3')]);
    // The conversation's own system turn wins over the column; the column is part of the conversation, not meta.
    expect(kept.seeds[1]!.messages).toEqual([{ role: 'system', content: 'Own prompt.' }, ...chat('Hi', 'Hey')]);
    expect(kept.seeds[1]!.meta).toEqual({ format: 'messages' });
    const dropped = await readPool(file, { system: 'drop' });
    expect(dropped.seeds.map((s) => s.messages)).toEqual([chat('Add 1 and 2.', '3'), chat('Hi', 'Hey')]);
  });
});

describe('seed:pool detection and mapping', () => {
  it('detects the format per row and logs it once per file and format', async () => {
    const file = writeJsonl(fresh('mixed.jsonl'), [MESSAGE_ROWS[1]!, ALPACA_ROWS[0]!, MESSAGE_ROWS[0]!, SHAREGPT_ROWS[1]!, ALPACA_ROWS[1]!]);
    const run = await readPool(file);
    expect(run.seeds.map((s) => s.meta.format)).toEqual(['messages', 'alpaca', 'messages', 'sharegpt', 'alpaca']);
    expect(run.log).toEqual([
      'seed:pool: mixed.jsonl: messages format (detected, field messages) from line 1',
      'seed:pool: mixed.jsonl: alpaca format (detected, fields instruction, input, output) from line 2',
      'seed:pool: mixed.jsonl: sharegpt format (detected, field conversations) from line 4',
    ]);
  });

  it('prefers messages over conversations over Alpaca when a row has several, and a fixed format reads only that one', async () => {
    const row = { messages: chat('from messages', 'm'), conversations: [{ from: 'human', value: 'from sharegpt' }, { from: 'gpt', value: 's' }], instruction: 'from alpaca', output: 'a' };
    const file = writeJsonl(fresh('both.jsonl'), [row]);
    expect((await readPool(file)).seeds[0]!.code).toBe('from messages');
    const alpaca = (await readPool(file, { format: 'alpaca' })).seeds[0]!;
    expect(alpaca.code).toBe('from alpaca');
    // The other formats' fields stay in meta: only the format read is the conversation.
    expect(Object.keys(alpaca.meta).sort()).toEqual(['conversations', 'format', 'messages']);
    expect((await readPool(file, { format: 'sharegpt' })).seeds[0]!.code).toBe('from sharegpt');
  });

  it('reads renamed columns through fields', async () => {
    const rows = [
      { dialog: [{ role: 'user', content: 'Q1' }, { role: 'assistant', content: 'A1' }], prompt: 'ignored here' },
      { prompt: 'Q2', context: 'ctx', completion: 'A2', sys: 'S' },
    ];
    const file = writeJsonl(fresh('renamed.jsonl'), rows);
    const options = { fields: { messages: 'dialog', instruction: 'prompt', input: 'context', output: 'completion', system: 'sys' } };
    const run = await readPool(file, options);
    expect(run.seeds.map((s) => s.messages)).toEqual([chat('Q1', 'A1'), [{ role: 'system', content: 'S' }, ...chat('Q2\n\nctx', 'A2')]]);
    expect(run.seeds[0]!.meta).toEqual({ prompt: 'ignored here', format: 'messages' });
    // Without the mapping the file holds no conversation the reader knows: it is not claimed.
    expect((await readPool(file)).handled).toBe(false);
  });
});

const turns = (name: string, rows: (Turn[] | null)[], keys: [string, string] = ['role', 'content']): ParquetColumn => ({ name, kind: 'turns', keys, data: rows });
const strings = (name: string, data: (string | null)[]): ParquetColumn => ({ name, kind: 'string', data });

describe('seed:pool from Parquet', () => {
  it('reads a messages column (list of structs), other columns into meta (INT64 as numbers), row index + 1 as line', async () => {
    const file = writeParquet(fresh('train-00000-of-00001.parquet'), [
      turns('messages', MESSAGE_ROWS.map((r) => r.messages)),
      strings('source', MESSAGE_ROWS.map((r) => r.source)),
      { name: 'score', kind: 'int64', data: [10n, 20n, 30n] },
    ]);
    const run = await readPool(file);
    expect(run.seeds.map((s) => s.messages)).toEqual(MESSAGE_ROWS.map((r) => r.messages));
    expect(run.seeds.map((s) => s.source)).toEqual([1, 2, 3].map((line) => ({ path: 'train-00000-of-00001.parquet', line })));
    expect(run.seeds[0]!.meta).toEqual({ source: 'evol', score: 10, format: 'messages' });
    expect(run.seeds.map((s) => s.id)).toEqual(MESSAGE_ROWS.map((r) => contentId(r.messages)));
    expect(run.seeds.map((s) => s.language)).toEqual(['python', 'text', 'go']);
  });

  it('reads ShareGPT and Alpaca Parquet files, gzip- and Brotli-compressed', async () => {
    const share = writeParquet(fresh('share.parquet'), [turns('conversations', SHAREGPT_ROWS.map((r) => r.conversations), ['from', 'value']), strings('lang', ['en', 'en'])], { codec: 'GZIP' });
    const fromJsonl = await readPool(writeJsonl(fresh('share.jsonl'), SHAREGPT_ROWS));
    const fromParquet = await readPool(share);
    expect(fromParquet.seeds.map((s) => [s.id, s.messages, s.meta])).toEqual(fromJsonl.seeds.map((s) => [s.id, s.messages, s.meta]));
    const alpaca = writeParquet(
      fresh('alpaca.parquet'),
      (['instruction', 'input', 'output', 'category'] as const).map((k) => strings(k, ALPACA_ROWS.map((r) => r[k]))),
      { codec: 'BROTLI' },
    );
    const run = await readPool(alpaca);
    expect(run.seeds.map((s) => s.messages)).toEqual([chat('Translate to French.\n\nGood morning', 'Bonjour'), chat('Name a prime number.', '7')]);
  });

  it('reads a file of several row groups in row order, one group at a time', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => chat(`question ${i}`, `answer ${i}`));
    const file = writeParquet(fresh('groups.parquet'), [turns('messages', rows), strings('n', rows.map((_, i) => String(i)))], { rowGroupSize: 4, codec: 'GZIP' });
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([4, 4, 4, 4, 4, 4, 1]);
    const run = await readPool(file);
    expect(run.seeds.map((s) => s.code)).toEqual(rows.map((_, i) => `question ${i}`));
    expect(run.seeds.map((s) => s.source.line)).toEqual(rows.map((_, i) => i + 1));
    expect(run.seeds.map((s) => s.meta.n)).toEqual(rows.map((_, i) => String(i)));
  });

  it('names the file and row of a Parquet row without a conversation, before any seed', async () => {
    const file = writeParquet(fresh('nulls.parquet'), [turns('messages', [chat('ok', 'fine'), null, chat('ok2', 'fine2')]), strings('note', ['x', 'y', 'z'])], { rowGroupSize: 2 });
    const err = await readError(file);
    expect(err.code).toBe('SEEDS_MALFORMED');
    expect(err.file).toBe(file);
    expect(err.line).toBe(2);
    expect(err.message).toContain('no conversation');
    expect(err.message).toContain('the file has columns: messages, note');
    const skipped = await readPool(file, { onMalformed: 'skip' });
    expect(skipped.seeds.map((s) => s.code)).toEqual(['ok', 'ok2']);
    expect(skipped.skips).toEqual([{ path: 'nulls.parquet:2', reason: 'no_conversation' }]);
  });

  it('refuses a file that is not Parquet, or counts it as unreadable under onMalformed: skip', async () => {
    const dir = dirname(writeJsonl(fresh('good.jsonl'), MESSAGE_ROWS));
    writeFileSync(join(dir, 'broken.parquet'), 'PAR1 this is not parquet at all');
    const err = await readError(join(dir, 'broken.parquet'));
    expect(err.code).toBe('SEEDS_UNREADABLE');
    expect(err.message).toContain('not a readable Parquet file');
    const run = await readPool(dir, { onMalformed: 'skip' });
    expect(run.seeds).toHaveLength(3);
    expect(run.skips).toEqual([{ path: 'broken.parquet:1', reason: 'unreadable' }]);
  });
});

describe('seed:pool directories', () => {
  function mixedPool(): string {
    const root = join(tmp, `case-${++n}`, 'pool');
    // Written out of order: the reading order must not depend on it.
    writeParquet(join(root, 'b', 'part-1.parquet'), [turns('conversations', SHAREGPT_ROWS.map((r) => r.conversations), ['from', 'value'])], { rowGroupSize: 1 });
    writeJsonl(join(root, 'a.jsonl'), MESSAGE_ROWS.slice(0, 2));
    writeJsonl(join(root, 'b', 'part-0.jsonl.gz'), ALPACA_ROWS);
    writeJsonl(join(root, '.cache', 'meta.jsonl'), MESSAGE_ROWS);
    writeFileSync(join(root, 'README.md'), '# a pool\n');
    writeFileSync(join(root, 'load.py'), 'import datasets\n');
    return root;
  }

  it('reads every pool file recursively in sorted path order, counting the files passed over', async () => {
    const root = mixedPool();
    const run = await readPool(root);
    expect(run.handled).toBe(true);
    expect(run.seeds.map((s) => `${s.source.path}:${s.source.line} ${s.meta.format}`)).toEqual([
      'a.jsonl:1 messages',
      'a.jsonl:2 messages',
      'b/part-0.jsonl.gz:1 alpaca',
      'b/part-0.jsonl.gz:2 alpaca',
      'b/part-1.parquet:1 sharegpt',
      'b/part-1.parquet:2 sharegpt',
    ]);
    expect(run.skips).toEqual([
      { path: '.cache/', reason: 'excluded' },
      { path: 'README.md', reason: 'not_pool_file' },
      { path: 'load.py', reason: 'not_pool_file' },
    ]);
    expect(run.log.filter((l) => l.includes('format'))).toHaveLength(3);
  });

  it('gives the same seeds, ids and order on every read', async () => {
    const root = mixedPool();
    const first = await readPool(root);
    const second = await readPool(root);
    expect(second.seeds).toEqual(first.seeds);
    expect(new Set(first.seeds.map((s) => s.id)).size).toBe(first.seeds.length);
  });
});

describe('seed:pool bad rows', () => {
  it('fails at a malformed JSON line before yielding any seed, naming file:line', async () => {
    const file = writeJsonl(fresh('bad.jsonl'), [MESSAGE_ROWS[0]!, MESSAGE_ROWS[1]!, '{"messages": [', MESSAGE_ROWS[2]!]);
    const harness = await createHarness([poolSeeds]);
    const source = await harness.hooks.seedSource.promise({ path: file, isDirectory: false, skip() {} });
    const got: Seed[] = [];
    const err = await (async () => {
      for await (const s of source!) got.push(s);
    })().catch((e: unknown) => e);
    expect(got).toEqual([]);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(`${file}:3: not valid JSON`);
    expect((err as InputError).hint).toContain('onMalformed: skip');
  });

  it('fails at a row with no recognisable conversation, listing its fields', async () => {
    const file = writeJsonl(fresh('nocon.jsonl'), [MESSAGE_ROWS[0]!, { prompt: 'x', answer: 'y' }]);
    const err = await readError(file);
    expect(err.code).toBe('SEEDS_MALFORMED');
    expect(err.line).toBe(2);
    expect(err.message).toContain('no conversation: expected "messages"');
    expect(err.message).toContain('fields: prompt (string), answer (string)');
  });

  it('fails at a turn with an unknown role, naming the role', async () => {
    const file = writeJsonl(fresh('role.jsonl'), [{ messages: [{ role: 'user', content: 'q' }, { role: 'tool', content: '{}' }] }]);
    const err = await readError(file);
    expect(err.message).toContain(`${file}:1: messages[1] has role "tool"`);
  });

  it('under onMalformed: skip counts bad rows with file:line and reads on', async () => {
    const file = writeJsonl(fresh('skip.jsonl'), [
      '{not json',
      { messages: [{ role: 'user', content: 42 }] },
      { prompt: 'x' },
      MESSAGE_ROWS[1]!,
      '[1, 2]',
    ]);
    const run = await readPool(file, { onMalformed: 'skip' });
    expect(run.seeds.map((s) => s.code)).toEqual(['What is 2 + 2?']);
    expect(run.skips).toEqual([
      { path: 'skip.jsonl:1', reason: 'malformed_json' },
      { path: 'skip.jsonl:2', reason: 'bad_turn' },
      { path: 'skip.jsonl:3', reason: 'no_conversation' },
      { path: 'skip.jsonl:5', reason: 'malformed_json' },
    ]);
  });

  it('skips empty or unusable conversations and over-long rows in both modes, each counted', async () => {
    const file = writeJsonl(fresh('empty.jsonl'), [
      MESSAGE_ROWS[1]!,
      { messages: [] },
      { messages: chat('q', '   ') },
      { messages: [{ role: 'system', content: 's' }, { role: 'assistant', content: 'a' }] },
      { messages: chat('long '.repeat(50), 'a') },
      { instruction: '', output: 'x' },
    ]);
    const run = await readPool(file, { maxRowBytes: 200 });
    expect(run.seeds).toHaveLength(1);
    expect(run.skips).toEqual([
      { path: 'empty.jsonl:2', reason: 'empty_conversation' },
      { path: 'empty.jsonl:3', reason: 'empty_turn' },
      { path: 'empty.jsonl:4', reason: 'no_user_turn' },
      { path: 'empty.jsonl:5', reason: 'too_large' },
      { path: 'empty.jsonl:6', reason: 'empty_turn' },
    ]);
  });

  it('fails with SEEDS_EMPTY when no row gives a seed, saying what was skipped', async () => {
    const file = writeJsonl(fresh('none.jsonl'), [{ messages: [] }, { messages: [] }]);
    const err = await readError(file);
    expect(err.code).toBe('SEEDS_EMPTY');
    expect(err.message).toContain('empty_conversation: 2');
  });
});

describe('seed:pool beside the other seed sources', () => {
  const all = [samplesSeeds, jsonlSeeds, directorySeeds];
  const HUMANEVAL = fileURLToPath(new URL('../../../../shared/data/humaneval/HumanEval.jsonl.gz', import.meta.url));

  it('takes conversation JSONL and Parquet, and leaves code datasets, code trees and run samples to the others', async () => {
    const conv = await readPool(writeJsonl(fresh('conv.jsonl'), MESSAGE_ROWS), {}, all);
    expect(conv.seeds.every((s) => s.messages !== undefined && s.meta.format === 'messages')).toBe(true);
    const parquet = await readPool(writeParquet(fresh('p.parquet'), [turns('messages', [chat('q', 'a')])]), {}, all);
    expect(parquet.seeds[0]!.messages).toEqual(chat('q', 'a'));

    const humaneval = await readPool(HUMANEVAL, {}, [[jsonlSeeds, { fields: { code: ['prompt', 'canonical_solution'] } }] as unknown as Plugin]);
    expect(humaneval.seeds).toHaveLength(164);
    expect(humaneval.seeds.every((s) => s.messages === undefined)).toBe(true);
    expect((await readPool(HUMANEVAL)).handled).toBe(false);

    const samples = writeJsonl(fresh('samples.jsonl'), [{ id: 's1', language: 'python', messages: chat('Write f.', 'def f(): pass'), lineage: { seedId: 'x' } }]);
    expect((await readPool(samples)).handled).toBe(false);
    const viaSamples = await readPool(samples, {}, all);
    expect(viaSamples.seeds[0]!.meta).toEqual({ sampleId: 's1' });
  });

  it('takes a directory only when its pool files outweigh its source files', async () => {
    const code = join(tmp, `case-${++n}`, 'repo');
    mkdirSync(join(code, 'src'), { recursive: true });
    writeFileSync(join(code, 'src', 'main.py'), Array.from({ length: 40 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join('\n'));
    writeJsonl(join(code, 'tests', 'fixture.jsonl'), [MESSAGE_ROWS[1]!]);
    expect((await readPool(code)).handled).toBe(false);
    const viaDirectory = await readPool(code, {}, all);
    expect(viaDirectory.seeds.length).toBeGreaterThan(0);
    expect(viaDirectory.seeds.every((s) => s.kind !== 'record')).toBe(true);

    const empty = join(tmp, `case-${++n}`, 'docs');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'README.md'), 'nothing here\n');
    expect((await readPool(empty)).handled).toBe(false);
  });
});
