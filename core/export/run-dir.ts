import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { InputError } from '../errors.js';
import type { ExportContext } from '../hooks.js';
import type { SampleRecord } from '../record.js';

/**
 * Read a finished run directory for export: `run.json` (parsed, required) and a streaming reader of
 * `samples.jsonl` (one SampleRecord per line; blank lines skipped; never loaded whole).
 * @throws InputError when the directory, `run.json` or `samples.jsonl` is missing, `run.json` is not
 *   a JSON object, or (while streaming) a line of `samples.jsonl` is not a record with `id` and
 *   `messages`; the error names the file and the 1-based line
 */
export function openRunDir(runDir: string): { runDir: string; run: Record<string, unknown>; samples: () => AsyncIterable<SampleRecord> } {
  const dir = resolve(runDir);
  const runPath = join(dir, 'run.json');
  const samplesPath = join(dir, 'samples.jsonl');
  if (!existsSync(dir)) throw new InputError(dir, undefined, 'run directory not found', { hint: 'pass the --out directory of a finished `instructsmith run`', code: 'INPUT_NOT_FOUND' });
  for (const f of [runPath, samplesPath]) {
    if (!existsSync(f)) {
      throw new InputError(f, undefined, 'not found; a finished run directory holds run.json and samples.jsonl', {
        hint: 'wait for the run to finish (or resume it with `instructsmith run` and the same --out), then export',
        code: 'INPUT_NOT_FOUND',
      });
    }
  }
  let run: unknown;
  try {
    run = JSON.parse(readFileSync(runPath, 'utf8'));
  } catch (err) {
    throw new InputError(runPath, undefined, `is not valid JSON: ${(err as Error).message}`, { hint: 'the run was interrupted while writing it; resume the run to rewrite it' });
  }
  if (!run || typeof run !== 'object' || Array.isArray(run)) throw new InputError(runPath, undefined, 'must hold a JSON object ({ preset, config, models, funnel, ... })');
  return { runDir: dir, run: run as Record<string, unknown>, samples: () => readSamples(samplesPath) };
}

/** Stream the records of a JSONL file, validating the fields export needs. */
export async function* readSamples(path: string): AsyncGenerator<SampleRecord> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (err) {
      throw new InputError(path, n, `is not valid JSON: ${(err as Error).message}`, { hint: 'each line must be one SampleRecord; a truncated last line means the run was interrupted: resume it' });
    }
    const r = rec as Partial<SampleRecord>;
    if (!r || typeof r !== 'object' || typeof r.id !== 'string' || !Array.isArray(r.messages)) {
      throw new InputError(path, n, 'is not a SampleRecord: expected an object with string `id` and array `messages`', { hint: 'samples.jsonl is written by `instructsmith run`; do not edit it by hand' });
    }
    yield r as SampleRecord;
  }
}

/** An ExportContext over a run directory, for `instructsmith export` and tests. `outDir` must exist. */
export function exportContextFor(runDir: string, outDir: string, tokenizer: ExportContext['tokenizer']): ExportContext {
  const rd = openRunDir(runDir);
  return { runDir: rd.runDir, outDir: resolve(outDir), samples: rd.samples, run: rd.run, written: [], tokenizer };
}
