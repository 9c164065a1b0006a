import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import type { SampleRecord } from '../record.js';
import { readRecordEntries, readRecordsAt, RunStore, type FilePosition, type RecordEntry } from './store.js';

function record(i: number, dropped = false): SampleRecord {
  return {
    id: `r${i}`,
    messages: [{ role: 'user', content: `problem ${i} ${'x'.repeat(i * 7)}` }],
    language: 'python',
    lineage: {} as SampleRecord['lineage'],
    scores: [],
    checks: [],
    usage: [],
    meta: {},
    stage: 'verified',
    ...(dropped ? { dropped: { stage: 'judged', plugin: 'judge:quality', reason: 'low score' } } : {}),
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'instructsmith-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A store with `n` seeds written (every third record dropped), closed; returns the position then. */
function written(n: number): FilePosition {
  const store = new RunStore(dir);
  store.open();
  for (let i = 0; i < n; i++) store.append([record(i, i % 3 === 0)]);
  const at = store.position();
  store.close();
  return at;
}

const snapshot = () => ['samples.jsonl', 'rejected.jsonl'].map((f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f)).toString('base64') : null));

function refused(at: FilePosition | undefined): InputError {
  const before = snapshot();
  let caught: unknown;
  try {
    new RunStore(dir).open(at);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InputError);
  expect(snapshot()).toEqual(before); // a damaged directory is left exactly as it was
  return caught as InputError;
}

describe('RunStore', () => {
  it('records the byte length and sha256 of what it wrote', () => {
    const at = written(6);
    const samples = readFileSync(join(dir, 'samples.jsonl'));
    expect(at).toMatchObject({ kept: 4, rejected: 2, keptBytes: samples.length });
    expect(at.keptSha256).toBe(createHash('sha256').update(samples).digest('hex'));
    expect(at.rejectedSha256).toBe(createHash('sha256').update(readFileSync(join(dir, 'rejected.jsonl'))).digest('hex'));
  });

  it('cuts only the crash tail after the checkpoint (a torn last line included) and continues the hash', () => {
    const at = written(5);
    const keptPrefix = readFileSync(join(dir, 'samples.jsonl'));
    appendFileSync(join(dir, 'samples.jsonl'), `${JSON.stringify(record(90))}\n{"id":"r91","messages":[{"role":"us`);
    appendFileSync(join(dir, 'rejected.jsonl'), '{"id":"torn');
    const sizes = ['samples.jsonl', 'rejected.jsonl'].map((f) => readFileSync(join(dir, f)).length);
    const store = new RunStore(dir);
    expect(store.open(at).tail).toEqual({ samples: sizes[0]! - at.keptBytes, rejected: sizes[1]! - at.rejectedBytes });
    expect(sizes[1]! - at.rejectedBytes).toBe('{"id":"torn'.length);
    expect(readFileSync(join(dir, 'samples.jsonl'))).toEqual(keptPrefix);
    expect(readFileSync(join(dir, 'rejected.jsonl')).length).toBe(at.rejectedBytes);
    store.append([record(7)]);
    const after = store.position();
    store.close();
    expect(after.keptSha256).toBe(createHash('sha256').update(readFileSync(join(dir, 'samples.jsonl'))).digest('hex'));
  });

  it('refuses, unchanged, a line inside the checkpointed part that is no longer JSON, naming file and line', () => {
    const at = written(8);
    const lines = readFileSync(join(dir, 'samples.jsonl'), 'utf8').split('\n');
    lines[2] = lines[2]!.slice(0, 20);
    writeFileSync(join(dir, 'samples.jsonl'), lines.join('\n') + '{"id":"padding to keep the size above the checkpoint"}\n'.repeat(20));
    const err = refused(at);
    expect(err.code).toBe('RUN_DIR_CORRUPT');
    expect(err.message).toContain(`${join(dir, 'samples.jsonl')}:3: line 3 is not valid JSON`);
    expect(err.hint).toMatch(/another process/);
  });

  it('refuses, unchanged, a file cut below the checkpoint', () => {
    const at = written(8);
    truncateSync(join(dir, 'rejected.jsonl'), at.rejectedBytes - 5);
    const err = refused(at);
    expect(err.message).toContain(`rejected.jsonl: is ${at.rejectedBytes - 5} bytes, shorter than the ${at.rejectedBytes} bytes the checkpoint says`);
  });

  it('refuses, unchanged, checkpointed records changed into other valid JSON (the sha256 differs)', () => {
    const at = written(8);
    const text = readFileSync(join(dir, 'samples.jsonl'), 'utf8');
    writeFileSync(join(dir, 'samples.jsonl'), text.replace('"r1"', '"r9"'));
    expect(refused(at).message).toMatch(/samples\.jsonl: its first \d+ bytes .* are not what the run wrote/);
  });

  it('refuses, unchanged, data with no checkpoint at all', () => {
    written(3);
    expect(refused(undefined).message).toMatch(/samples\.jsonl: holds \d+ bytes but the run directory has no checkpoint/);
  });

  it('checks a checkpoint without hashes (older versions) line by line', () => {
    const full = written(6);
    const { keptSha256: _k, rejectedSha256: _r, ...old } = full;
    expect(new RunStore(dir).open(old).tail).toEqual({ samples: 0, rejected: 0 });
    const midLine = { ...old, keptBytes: old.keptBytes - 3 };
    expect(refused(midLine).message).toMatch(/samples\.jsonl:4: the checkpointed part ends inside line 4/);
  });
});

describe('readRecordEntries / readRecordsAt', () => {
  it('give each line its byte offset (multi-byte text, a line longer than one read), read back by offset in any order', async () => {
    const file = join(dir, 'samples.jsonl');
    const records = [record(1), { ...record(2), messages: [{ role: 'user' as const, content: 'ü€😀 '.repeat(3000) }] }, record(3), record(4)];
    writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const entries: RecordEntry[] = [];
    for await (const e of readRecordEntries(file)) entries.push(e);
    expect(entries.map((e) => e.record.id)).toEqual(['r1', 'r2', 'r3', 'r4']);
    const bytes = readFileSync(file);
    for (const e of entries) expect(e.position === 0 || bytes[e.position - 1] === 10).toBe(true);
    expect(readRecordsAt(file, [entries[3]!.position, entries[1]!.position, entries[0]!.position]).map((r) => r.id)).toEqual(['r4', 'r2', 'r1']);
    expect(readRecordsAt(file, [entries[1]!.position])[0]).toEqual(records[1]);
    // From a later start and up to an end: only the records in between.
    const tail: string[] = [];
    for await (const e of readRecordEntries(file, entries[1]!.position, entries[3]!.position)) tail.push(e.record.id);
    expect(tail).toEqual(['r2', 'r3']);
    expect(() => readRecordsAt(file, [entries[1]!.position + 3])).toThrow(/no record starts at byte/);
  });

  it('name the file and line of a damaged line', async () => {
    const file = join(dir, 'samples.jsonl');
    writeFileSync(file, `${JSON.stringify(record(1))}\n{"id": broken\n`);
    const read = async () => {
      for await (const _ of readRecordEntries(file)) void _;
    };
    await expect(read()).rejects.toThrow(`${file}:2: not valid JSON`);
  });
});
