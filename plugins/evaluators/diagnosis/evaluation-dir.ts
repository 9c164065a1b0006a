import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, InputError, type EvaluationError } from '../../../core/index.js';

/** One line of an evaluation directory's `results.jsonl` (as `instructsmith evaluate` writes it). */
export interface ResultLine {
  task_id: string;
  sample: number;
  completion: string;
  passed: boolean;
  error: EvaluationError | null;
}

/** What `instructsmith diagnose` reads from an evaluation directory. */
export interface EvaluationDir {
  dir: string;
  /** `evaluation.json`: the benchmark name and file, the evaluated model. */
  benchmark: string;
  file: string;
  model: string;
  /** Samples per item (summary.json's n). */
  samples: number;
  /** Result lines by item id (each item's first `samples` distinct samples), in file order of first appearance. */
  results: Map<string, ResultLine[]>;
}

/**
 * Read `EVAL_DIR/evaluation.json`, `summary.json` and `results.jsonl`.
 * @throws ConfigError when the directory holds no finished evaluation (no evaluation.json or
 *   summary.json, or summary.json says `partial`: run the same `instructsmith evaluate` again);
 *   InputError naming the file and line of a damaged line
 */
export function readEvaluationDir(dir: string): EvaluationDir {
  const need = (name: string) => {
    const file = join(dir, name);
    if (!existsSync(file)) throw new ConfigError(`${dir} holds no finished evaluation (no ${name})`, { code: 'USAGE', hint: 'run instructsmith evaluate --out DIR first, then diagnose DIR' });
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new InputError(file, undefined, `not valid JSON: ${(err as Error).message}`, { hint: 'run the evaluation again into a fresh --out' });
    }
  };
  const identity = need('evaluation.json');
  const summary = need('summary.json');
  if (summary.status !== 'complete') {
    throw new ConfigError(`the evaluation in ${dir} is not finished (summary.json status "${String(summary.status)}")`, { code: 'USAGE', hint: 'run the same instructsmith evaluate command again to finish it (it resumes)' });
  }
  const samples = Number(summary.samples);
  const file = join(dir, 'results.jsonl');
  const results = new Map<string, ResultLine[]>();
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let v: Partial<ResultLine>;
    try {
      v = JSON.parse(raw) as Partial<ResultLine>;
    } catch (err) {
      throw new InputError(file, i + 1, `not valid JSON: ${(err as Error).message}`, { hint: 'run the same instructsmith evaluate command again: it cuts a damaged tail and redoes that sample' });
    }
    if (typeof v.task_id !== 'string' || !Number.isInteger(v.sample) || typeof v.passed !== 'boolean') {
      throw new InputError(file, i + 1, 'not an evaluation result (expected task_id, sample, passed)', { hint: 'diagnose reads a directory written by instructsmith evaluate' });
    }
    const lines = results.get(v.task_id) ?? [];
    if (v.sample! < samples && !lines.some((l) => l.sample === v.sample)) lines.push({ task_id: v.task_id, sample: v.sample!, completion: v.completion ?? '', passed: v.passed, error: v.error ?? null });
    results.set(v.task_id, lines);
  });
  if (results.size === 0) throw new ConfigError(`${file} holds no results`, { code: 'USAGE', hint: 'run instructsmith evaluate --out DIR first' });
  return { dir, benchmark: String(identity.benchmark), file: String(identity.file), model: String(identity.model), samples, results };
}
