import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { EvaluationError } from './types.js';

/** One line of `results.jsonl`: one sample of one item. */
export interface EvaluationResultLine {
  task_id: string;
  /** 0-based sample index (its sampling seed). */
  sample: number;
  /** The code taken from the model's reply. */
  completion: string;
  passed: boolean;
  error: EvaluationError | null;
  /** Wall-clock milliseconds of the sandboxed execution. */
  durationMs: number;
}

/**
 * `results.jsonl` of an evaluation directory, appended one whole line per finished sample (a single
 * write of the line and its newline), so a killed evaluation leaves at most one partial last line.
 */
export class ResultsFile {
  private fd: number;
  /** The lines already in the file when it was opened, in file order. */
  readonly previous: EvaluationResultLine[];

  /**
   * Open (create) `file` for appending. A partial last line (no newline: the write in flight at a
   * kill) is cut off; its sample is done again.
   * @throws InputError naming the file and line for a complete line that is not a result
   */
  constructor(readonly file: string) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const end = text.lastIndexOf('\n') + 1;
    this.previous = text
      .slice(0, end)
      .split('\n')
      .flatMap((l, i) => (l.trim() ? [parseLine(l, file, i + 1)] : []));
    this.fd = openSync(file, existsSync(file) ? 'r+' : 'w');
    // Cut the crash tail, then append after the last whole line.
    ftruncateSync(this.fd, Buffer.byteLength(text.slice(0, end)));
    closeSync(this.fd);
    this.fd = openSync(file, 'a');
  }

  /** Append one result as one line. */
  append(line: EvaluationResultLine): void {
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}

function parseLine(text: string, file: string, line: number): EvaluationResultLine {
  let v: Partial<EvaluationResultLine>;
  try {
    v = JSON.parse(text) as Partial<EvaluationResultLine>;
  } catch (err) {
    throw new InputError(file, line, `not valid JSON: ${(err as Error).message}`, { hint: 'results.jsonl is written by instructsmith evaluate; remove the damaged line (its sample is evaluated again) or use another --out' });
  }
  if (typeof v.task_id !== 'string' || !Number.isInteger(v.sample) || typeof v.passed !== 'boolean') {
    throw new InputError(file, line, 'not an evaluation result (expected task_id, sample, passed)', { hint: 'use another --out: this folder holds something else' });
  }
  return v as EvaluationResultLine;
}
