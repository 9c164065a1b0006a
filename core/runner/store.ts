import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InputError } from '../errors.js';
import type { SampleRecord } from '../record.js';

/**
 * The run directory (DESIGN.md, "Runs"):
 * - `samples.jsonl`  kept samples, one SampleRecord a line, in seed order
 * - `rejected.jsonl` dropped samples with `dropped: {stage, plugin, reason}`
 * - `run.json`       resolved config, funnel, usage, status
 * - `state/checkpoint.json` what a resumed run needs: seeds fully written and the byte length of both files then
 * - `cache/`         the LLM request cache (unless `cache.dir` points elsewhere)
 *
 * Crash safety: records are appended with plain writes (they reach the page cache, so they survive
 * the process being killed, SIGKILL included); the checkpoint is written to a temp file and renamed.
 * On resume both data files are cut back to the checkpoint's byte lengths, which drops any record of
 * a seed that was not fully written, and that seed is processed again (its LLM calls come from cache).
 */
export const RUN_FILES = {
  samples: 'samples.jsonl',
  rejected: 'rejected.jsonl',
  run: 'run.json',
  checkpoint: join('state', 'checkpoint.json'),
} as const;

/** Position in the output files. */
export interface FilePosition {
  keptBytes: number;
  rejectedBytes: number;
  kept: number;
  rejected: number;
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
        hint: 'delete the state/ folder to start the run over (the LLM cache keeps finished calls)',
      });
    }
  }

  /** Open the data files for appending, cut back to `at` (a checkpoint) or empty for a new run. */
  open(at?: FilePosition): void {
    mkdirSync(join(this.dir, 'state'), { recursive: true });
    this.pos = at ? { ...at } : { keptBytes: 0, rejectedBytes: 0, kept: 0, rejected: 0 };
    for (const [name, bytes] of [['samples', this.pos.keptBytes], ['rejected', this.pos.rejectedBytes]] as const) {
      const file = this.path(name);
      if (!existsSync(file)) writeFileSync(file, '');
      else if (statSync(file).size !== bytes) truncateSync(file, bytes);
    }
    this.samplesFd = openSync(this.path('samples'), 'a');
    this.rejectedFd = openSync(this.path('rejected'), 'a');
  }

  /** Append records: dropped ones to rejected.jsonl, the rest to samples.jsonl. */
  append(records: readonly SampleRecord[]): void {
    for (const record of records) {
      const line = `${JSON.stringify(record)}\n`;
      const bytes = Buffer.byteLength(line);
      if (record.dropped) {
        writeSync(this.rejectedFd, line);
        this.pos.rejectedBytes += bytes;
        this.pos.rejected += 1;
      } else {
        writeSync(this.samplesFd, line);
        this.pos.keptBytes += bytes;
        this.pos.kept += 1;
      }
    }
  }

  position(): FilePosition {
    return { ...this.pos };
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

/** Write a file so that readers see the old or the new content, never a torn one. */
export function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, content);
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
  if (!existsSync(file)) return;
  if (maxBytes === 0) return;
  const stream = createReadStream(file, maxBytes === undefined ? {} : { start: 0, end: maxBytes - 1 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n += 1;
    if (!line.trim()) continue;
    try {
      yield JSON.parse(line) as SampleRecord;
    } catch (err) {
      throw new InputError(file, n, `not valid JSON: ${(err as Error).message}`, { hint: 'the run directory was edited or damaged; restore or remove that line' });
    }
  }
}
