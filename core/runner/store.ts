import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.js';
import type { SampleRecord } from '../record.js';

/**
 * The run directory (DESIGN.md, "Runs"):
 * - `samples.jsonl`  kept samples, one SampleRecord a line, in seed order
 * - `rejected.jsonl` dropped samples with `dropped: {stage, plugin, reason}`
 * - `run.json`       resolved config, funnel, usage, status
 * - `state/checkpoint.json` what a resumed run needs: seeds fully written, and the byte length and sha256 of both files then
 * - `state/lock`     who is writing the directory (lock.ts); one run at a time
 * - `cache/`         the LLM request cache (unless `cache.dir` points elsewhere)
 *
 * Crash safety: records are appended with plain writes, a whole line per record (they reach the page
 * cache, so they survive the process being killed, SIGKILL included); the checkpoint is written to a
 * temp file and renamed. On resume the part of each file the checkpoint covers is verified (length and
 * sha256) before anything is touched: damage there is refused, never "repaired". Only the bytes after
 * it, records of seeds not fully written and maybe a torn last line, are cut, and those seeds are
 * processed again (their LLM calls come from cache).
 */
export const RUN_FILES = {
  samples: 'samples.jsonl',
  rejected: 'rejected.jsonl',
  run: 'run.json',
  checkpoint: join('state', 'checkpoint.json'),
  lock: join('state', 'lock'),
} as const;

/** Position in the output files. */
export interface FilePosition {
  keptBytes: number;
  rejectedBytes: number;
  kept: number;
  rejected: number;
  /** sha256 (hex) of samples.jsonl's first keptBytes bytes; absent in checkpoints of older versions. */
  keptSha256?: string;
  /** sha256 (hex) of rejected.jsonl's first rejectedBytes bytes. */
  rejectedSha256?: string;
}

export interface Checkpoint extends FilePosition {
  version: 1;
  /** Hash of the configuration that shapes the data; a resume with another config is refused. */
  configHash: string;
  /** 1-based pass number (1 = the --seeds input, 2+ = derived passes). */
  phase: number;
  /** Seeds of the current phase whose records are all written. */
  seedsDone: number;
  /** File positions at the end of each finished phase. */
  phaseEnds: FilePosition[];
  /** Funnel counters as of this checkpoint (opaque to the store). */
  funnel: unknown;
}

export class RunStore {
  readonly dir: string;
  private samplesFd = -1;
  private rejectedFd = -1;
  private pos: FilePosition = { keptBytes: 0, rejectedBytes: 0, kept: 0, rejected: 0 };
  /** Running sha256 of each data file's bytes so far; checkpointed so a rerun can prove the files are what the run wrote. */
  private hashes: Record<DataFile, Hash> = { samples: createHash('sha256'), rejected: createHash('sha256') };
  private checked?: { at: FilePosition | undefined; check: DataCheck };

  constructor(dir: string) {
    this.dir = dir;
  }

  path(file: keyof typeof RUN_FILES): string {
    return join(this.dir, RUN_FILES[file]);
  }

  /** The last checkpoint, or undefined for a new run. A corrupt checkpoint is an error naming the file. */
  readCheckpoint(): Checkpoint | undefined {
    const file = this.path('checkpoint');
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
    } catch (err) {
      throw new InputError(file, undefined, `checkpoint is not valid JSON: ${(err as Error).message}`, {
        code: 'RUN_DIR_CORRUPT',
        hint: 'to start this run over, delete state/, samples.jsonl and rejected.jsonl (the LLM cache keeps finished calls)',
      });
    }
  }

  /**
   * Check both data files against `at` (a checkpoint; undefined for a new run) without changing anything.
   * The part the checkpoint covers must be there byte for byte (its sha256, when the checkpoint has one,
   * else whole JSON lines); bytes after it are the tail of a crash, reported in `tail` (bytes) and cut by open().
   * @throws InputError `RUN_DIR_CORRUPT` naming the file (and line where known): file shorter than the
   *   checkpoint, content changed, a bad line, or data with no checkpoint at all
   */
  check(at?: FilePosition): DataCheck {
    if (this.checked && this.checked.at === at) return this.checked.check;
    const check: DataCheck = { tail: { samples: 0, rejected: 0 } };
    const hashes = { samples: createHash('sha256'), rejected: createHash('sha256') };
    for (const name of ['samples', 'rejected'] as const) {
      const bytes = at ? (name === 'samples' ? at.keptBytes : at.rejectedBytes) : 0;
      const sha = name === 'samples' ? at?.keptSha256 : at?.rejectedSha256;
      check.tail[name] = checkDataFile(this.path(name), at !== undefined, bytes, sha, hashes[name]);
    }
    this.hashes = hashes;
    this.checked = { at, check };
    return check;
  }

  /**
   * Open the data files for appending at `at` (a checkpoint) or empty for a new run, after check():
   * only the crash tail after the checkpoint is cut (those seeds are redone); returns the bytes cut per file.
   * @throws InputError `RUN_DIR_CORRUPT` as check(), with nothing changed
   */
  open(at?: FilePosition): DataCheck {
    const check = this.check(at);
    mkdirSync(join(this.dir, 'state'), { recursive: true });
    this.pos = at ? { kept: at.kept, rejected: at.rejected, keptBytes: at.keptBytes, rejectedBytes: at.rejectedBytes } : { keptBytes: 0, rejectedBytes: 0, kept: 0, rejected: 0 };
    for (const [name, bytes] of [['samples', this.pos.keptBytes], ['rejected', this.pos.rejectedBytes]] as const) {
      const file = this.path(name);
      if (!existsSync(file)) writeFileSync(file, '');
      else if (check.tail[name] > 0) truncateSync(file, bytes);
    }
    this.samplesFd = openSync(this.path('samples'), 'a');
    this.rejectedFd = openSync(this.path('rejected'), 'a');
    return check;
  }

  /** Append records: dropped ones to rejected.jsonl, the rest to samples.jsonl; each line whole (write() repeated until done). */
  append(records: readonly SampleRecord[]): void {
    for (const record of records) {
      const line = Buffer.from(`${JSON.stringify(record)}\n`);
      if (record.dropped) {
        writeAll(this.rejectedFd, line);
        this.hashes.rejected.update(line);
        this.pos.rejectedBytes += line.length;
        this.pos.rejected += 1;
      } else {
        writeAll(this.samplesFd, line);
        this.hashes.samples.update(line);
        this.pos.keptBytes += line.length;
        this.pos.kept += 1;
      }
    }
  }

  /** Where the files end now, with the sha256 of each file's content up to there. */
  position(): FilePosition {
    return { ...this.pos, keptSha256: this.hashes.samples.copy().digest('hex'), rejectedSha256: this.hashes.rejected.copy().digest('hex') };
  }

  /** Write the checkpoint atomically (temp file, fsync, rename). */
  writeCheckpoint(cp: Checkpoint): void {
    writeAtomic(this.path('checkpoint'), `${JSON.stringify(cp)}\n`);
  }

  writeRunJson(value: unknown): void {
    writeAtomic(this.path('run'), `${JSON.stringify(value, null, 2)}\n`);
  }

  close(): void {
    for (const fd of [this.samplesFd, this.rejectedFd]) if (fd >= 0) closeSync(fd);
    this.samplesFd = this.rejectedFd = -1;
  }
}

type DataFile = 'samples' | 'rejected';

/** What check() found: bytes after the checkpoint in each data file (a crash tail, cut by open()). */
export interface DataCheck {
  tail: Record<DataFile, number>;
}

/** Read size for checking data files (our choice: large enough for sequential speed, small enough to not matter). */
const CHUNK = 1 << 20;

/**
 * Check one data file's first `bytes` bytes (see RunStore.check); feeds them to `hash`; returns the bytes after them.
 * `hasCheckpoint` false: the file must be absent or empty (data no checkpoint covers is not this run's).
 */
function checkDataFile(file: string, hasCheckpoint: boolean, bytes: number, sha: string | undefined, hash: Hash): number {
  const size = existsSync(file) ? statSync(file).size : undefined;
  if (!hasCheckpoint) {
    if (!size) return 0;
    throw corrupt(file, undefined, `holds ${size} bytes but the run directory has no checkpoint (${RUN_FILES.checkpoint}), so none of it is known to be this run's`, 'it was not written by a run of this version, or state/ was deleted; use another --out, or move the data files away to start over');
  }
  if (size === undefined) {
    if (bytes === 0) return 0;
    throw corrupt(file, undefined, `is missing, but the checkpoint says ${bytes} bytes were written`);
  }
  if (size < bytes) throw corrupt(file, undefined, `is ${size} bytes, shorter than the ${bytes} bytes the checkpoint says were written: it was cut or replaced after the run wrote it`);
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
    for (let off = 0; off < bytes; ) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, bytes - off), off);
      if (n === 0) throw corrupt(file, undefined, `ended at byte ${off} while reading the ${bytes} checkpointed bytes`);
      hash.update(buf.subarray(0, n));
      off += n;
    }
    if (sha !== undefined && hash.copy().digest('hex') === sha) return size - bytes;
    // No hash (an older checkpoint) or a mismatch: find what is wrong line by line.
    const bad = firstBadLine(fd, bytes);
    if (bad) throw corrupt(file, bad.line, bad.what);
    if (sha !== undefined) throw corrupt(file, undefined, `its first ${bytes} bytes (what the checkpoint covers) are not what the run wrote (sha256 differs; every line is still JSON, so records were changed, reordered or replaced)`);
    return size - bytes;
  } finally {
    closeSync(fd);
  }
}

/** The first line in `fd`'s first `bytes` bytes that is not one JSON value, or a prefix not ending at a line end. */
function firstBadLine(fd: number, bytes: number): { line: number; what: string } | undefined {
  const buf = Buffer.alloc(CHUNK);
  let pending: Buffer[] = [];
  let line = 0;
  for (let off = 0; off < bytes; ) {
    const n = readSync(fd, buf, 0, Math.min(CHUNK, bytes - off), off);
    if (n === 0) break;
    let start = 0;
    for (let i = buf.indexOf(10, 0); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) {
      line += 1;
      const text = Buffer.concat([...pending, buf.subarray(start, i)]).toString('utf8');
      pending = [];
      start = i + 1;
      try {
        JSON.parse(text);
      } catch (err) {
        return { line, what: `line ${line} is not valid JSON (${(err as Error).message}), inside the part the checkpoint covers` };
      }
    }
    if (start < n) pending.push(Buffer.from(buf.subarray(start, n)));
    off += n;
  }
  if (pending.length) return { line: line + 1, what: `the checkpointed part ends inside line ${line + 1}, not at a line end` };
  return undefined;
}

function corrupt(file: string, line: number | undefined, what: string, hint?: string): InputError {
  return new InputError(file, line, what, {
    code: 'RUN_DIR_CORRUPT',
    hint: hint ?? `the run directory was changed after the run wrote it (another process writing to it at the same time, an edit, or a partial restore); nothing was changed. Rerun into another --out (--cache-dir ${join(dirname(file), 'cache')} keeps finished LLM calls)`,
  });
}

/** write() until every byte is written: one write() call may write less than asked. */
export function writeAll(fd: number, data: string | Buffer): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
}

/** Write a file so that readers see the old or the new content, never a torn one. */
export function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * Stream SampleRecords from a JSONL file, one at a time, optionally only its first `maxBytes` bytes.
 * @throws InputError naming the file and line for a line that is not JSON
 */
export async function* readRecords(file: string, maxBytes?: number): AsyncGenerator<SampleRecord> {
  for await (const entry of readRecordEntries(file, 0, maxBytes)) yield entry.record;
}

/** A record read from a JSONL file with the byte offset its line starts at. */
export interface RecordEntry {
  record: SampleRecord;
  /** Byte offset of the record's line in the file. */
  position: number;
}

const CORRUPT_HINT =
  'runs write whole lines and a rerun verifies the checkpointed part, so this line was damaged from outside (another process writing to the directory, an edit, a partial copy); rerun into another --out rather than editing the file';

/**
 * Stream the records of a JSONL file between byte offsets `start` (a line start) and `end`
 * (exclusive; default: the file's end), each with the offset of its line, for readers that index
 * a file rather than hold it (strategy:genetic's population).
 * @throws InputError naming the file and line (or, from a `start` past 0, the byte offset) of a line that is not JSON
 */
export async function* readRecordEntries(file: string, start = 0, end?: number): AsyncGenerator<RecordEntry> {
  if (!existsSync(file) || (end !== undefined && end <= start)) return;
  const stream = createReadStream(file, { start, ...(end === undefined ? {} : { end: end - 1 }) });
  let carry: Buffer = Buffer.alloc(0);
  let offset = start; // file offset of carry[0]
  let line = 0;
  const parse = (buf: Buffer, at: number): RecordEntry | undefined => {
    line += 1;
    const text = buf.toString('utf8');
    if (!text.trim()) return undefined;
    try {
      return { record: JSON.parse(text) as SampleRecord, position: at };
    } catch (err) {
      const where = start === 0 ? line : undefined;
      throw new InputError(file, where, `${where ? '' : `line at byte ${at}: `}not valid JSON: ${(err as Error).message}`, { code: 'RUN_DIR_CORRUPT', hint: CORRUPT_HINT });
    }
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let from = 0;
    for (let nl = buf.indexOf(10, from); nl !== -1; nl = buf.indexOf(10, from)) {
      const entry = parse(buf.subarray(from, nl), offset + from);
      if (entry) yield entry;
      from = nl + 1;
    }
    carry = Buffer.from(buf.subarray(from));
    offset += from;
  }
  if (carry.length) {
    const entry = parse(carry, offset);
    if (entry) yield entry;
  }
}

/**
 * Read the records whose lines start at `positions` (offsets from {@link readRecordEntries}), in
 * the order asked. One read per record (a line is read in 16 KiB steps until its newline).
 * @throws InputError when a position does not start a JSON line of `file`
 */
export function readRecordsAt(file: string, positions: readonly number[]): SampleRecord[] {
  if (positions.length === 0) return [];
  const fd = openSync(file, 'r');
  try {
    return positions.map((at) => {
      let buf = Buffer.alloc(16 * 1024);
      let got = 0;
      for (;;) {
        const n = readSync(fd, buf, got, buf.length - got, at + got);
        const nl = buf.subarray(got, got + n).indexOf(10);
        got += n;
        if (nl !== -1 || n === 0) {
          const text = buf.toString('utf8', 0, nl === -1 ? got : got - n + nl);
          try {
            return JSON.parse(text) as SampleRecord;
          } catch (err) {
            throw new InputError(file, undefined, `no record starts at byte ${at}: ${(err as Error).message}`, { code: 'RUN_DIR_CORRUPT', hint: CORRUPT_HINT });
          }
        }
        if (got === buf.length) {
          const bigger = Buffer.alloc(buf.length * 2);
          buf.copy(bigger);
          buf = bigger;
        }
      }
    });
  } finally {
    closeSync(fd);
  }
}
