import type { DerivedSeedQuery, RecordEntry } from '../hooks.js';
import type { SampleRecord } from '../record.js';
import { readRecordEntries, readRecordsAt, type FilePosition } from './store.js';

/**
 * The `hooks.derivedSeeds` query over a run directory's files, cut at `end` (the file positions at
 * the end of the previous pass): positions are byte offsets into samples.jsonl / rejected.jsonl.
 */
export function fileDerivedQuery(phase: number, runDir: string, files: { samples: string; rejected: string }, end: FilePosition): DerivedSeedQuery {
  const within = (from: number | undefined, limit: number, what: string) => {
    const at = from ?? 0;
    if (!Number.isInteger(at) || at < 0 || at > limit) throw new RangeError(`derivedSeeds query: ${what} from ${String(from)} is not a mark of this run (0..${limit})`);
    return at;
  };
  return {
    phase,
    runDir,
    kept: (from) => records(readRecordEntries(files.samples, within(from, end.keptBytes, 'kept'), end.keptBytes)),
    rejected: (from) => records(readRecordEntries(files.rejected, within(from, end.rejectedBytes, 'rejected'), end.rejectedBytes)),
    keptEntries: (from) => readRecordEntries(files.samples, within(from, end.keptBytes, 'kept'), end.keptBytes),
    readKept: async (positions) => {
      for (const p of positions) within(p, end.keptBytes - 1, 'position');
      return readRecordsAt(files.samples, positions);
    },
    marks: { kept: end.keptBytes, rejected: end.rejectedBytes },
    counts: { kept: end.kept, rejected: end.rejected },
  };
}

/**
 * The same query over records held in arrays (dry runs, plugin tests): positions are array indices.
 * The arrays are copied, so later pushes do not show through.
 */
export function memoryDerivedQuery(phase: number, runDir: string, kept: readonly SampleRecord[], rejected: readonly SampleRecord[]): DerivedSeedQuery {
  const k = [...kept];
  const r = [...rejected];
  const entries = async function* (from = 0): AsyncGenerator<RecordEntry> {
    for (let i = from; i < k.length; i++) yield { record: k[i]!, position: i };
  };
  return {
    phase,
    runDir,
    kept: (from) => records(entries(from)),
    rejected: async function* (from = 0) {
      yield* r.slice(from);
    },
    keptEntries: entries,
    readKept: async (positions) =>
      positions.map((p) => {
        const rec = k[p];
        if (!rec) throw new RangeError(`derivedSeeds query: no kept sample at position ${p} (0..${k.length - 1})`);
        return rec;
      }),
    marks: { kept: k.length, rejected: r.length },
    counts: { kept: k.length, rejected: r.length },
  };
}

async function* records(entries: AsyncIterable<RecordEntry>): AsyncGenerator<SampleRecord> {
  for await (const e of entries) yield e.record;
}
