import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../../errors.js';

/**
 * The run's record of its provider batches, `<runDir>/state/batches.jsonl`: one JSON object a line,
 * appended as batches are submitted and settled, so a killed run that is resumed polls the batches it
 * left open instead of submitting their requests again. Lines hold batch ids, custom ids and request
 * cache keys only: no request text, no endpoint URL, no secret.
 *
 * - `{"type":"submitted","batchId","modelId","lines":[{"customId","key"}],"at"}`: a batch was created.
 * - `{"type":"settled","batchId","at"}`: every line of it was handed to its call (or failed, or went
 *   into a later batch); a resumed run no longer polls it.
 */
export type BatchStateRecord =
  | { type: 'submitted'; batchId: string; modelId: string; lines: Array<{ customId: string; key: string }>; at: string }
  | { type: 'settled'; batchId: string; at: string };

/** A batch submitted and not settled: what a resumed run polls. */
export interface OpenBatch {
  batchId: string;
  modelId: string;
  lines: Array<{ customId: string; key: string }>;
}

export class BatchState {
  /** @param file the JSONL file; undefined keeps the state in memory only (no resume: test harnesses). */
  constructor(readonly file?: string) {}

  /**
   * The batches of `modelId` submitted and not settled, in submission order.
   * A last line cut short by a kill mid-append is ignored (its batch is lost to the resume, and its
   * requests are submitted again).
   * @throws InputError naming the file and line for any other line that is not a state record.
   */
  open(modelId: string): OpenBatch[] {
    if (!this.file || !existsSync(this.file)) return [];
    const lines = readFileSync(this.file, 'utf8').split('\n');
    const open = new Map<string, OpenBatch>();
    lines.forEach((text, i) => {
      if (!text.trim()) return;
      let rec: BatchStateRecord;
      try {
        rec = JSON.parse(text) as BatchStateRecord;
      } catch {
        if (i === lines.length - 1) return; // the unterminated tail of a killed append
        throw new InputError(this.file!, i + 1, 'not a JSON batch state record', { hint: 'the file is written by instructsmith only; delete it to submit the open batches again' });
      }
      if (rec.type === 'submitted' && typeof rec.batchId === 'string' && Array.isArray(rec.lines)) {
        if (rec.modelId === modelId) open.set(rec.batchId, { batchId: rec.batchId, modelId: rec.modelId, lines: rec.lines });
      } else if (rec.type === 'settled' && typeof rec.batchId === 'string') {
        open.delete(rec.batchId);
      } else {
        throw new InputError(this.file!, i + 1, `unknown batch state record ${JSON.stringify(text.slice(0, 80))}`, { hint: 'the file is written by instructsmith only; delete it to submit the open batches again' });
      }
    });
    return [...open.values()];
  }

  /** Append one record as a whole line (synchronously: it must be on disk before the batch is polled). */
  append(record: BatchStateRecord): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    appendFileSync(this.file, `${JSON.stringify(record)}\n`, 'utf8');
  }
}
