import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/schema.js';
import type { FunnelCounts } from './funnel.js';
import { configHash } from './runner.js';
import { readRecords } from './store.js';

/** The record stages a dry run can thin, in pipeline order. */
export const RATE_STAGES = ['synthesized', 'judged', 'responded', 'verified', 'filtered'] as const;
export type RateStage = (typeof RATE_STAGES)[number];
/** Share of the records entering a stage that leave it, 0..1. */
export type PassRates = Record<RateStage, number>;

/** Where a dry run's pass rates come from, for the report. */
export interface PassRateSource {
  rates: PassRates;
  /**
   * `measured`: out/in per stage of an earlier run of the same configuration (its run.json);
   * `given`: passed by the caller; `assumed`: none known, every record passes (an upper bound).
   */
  from: 'measured' | 'given' | 'assumed';
  /** For `measured`: the run.json read, and how many records entered its first stage. */
  file?: string;
  records?: number;
  /**
   * For `measured`: mean completion tokens per call of each plugin, from the usage on the earlier
   * run's records (calls whose usage no record carries, e.g. a derived pass's preparatory calls, are
   * not in it). The dry run makes its synthetic replies this long.
   */
  replyTokens?: Record<string, number>;
  /** Why no measured rates were used, when a run.json was there but did not fit. */
  note?: string;
}

export const ALL_PASS: PassRates = { synthesized: 1, judged: 1, responded: 1, verified: 1, filtered: 1 };

/**
 * The pass rates a dry run assumes: `given` (merged over all-pass) when set, else those measured by an
 * earlier run of the same configuration in `config.out` (a `--limit N` pilot, an interrupted run, or
 * a finished one; throughput keys such as `limit` do not change the configuration hash), else
 * all-pass. A run.json of another configuration, or one that counted no record, is passed over
 * with a note.
 * @throws RangeError when a given rate is outside 0..1.
 */
export function choosePassRates(config: ResolvedConfig, given?: Partial<PassRates>): PassRateSource {
  if (given && Object.keys(given).length > 0) {
    for (const [stage, rate] of Object.entries(given)) {
      if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new RangeError(`dry run: pass rate of stage "${stage}" must be a number in 0..1, got ${String(rate)}`);
    }
    return { rates: { ...ALL_PASS, ...given }, from: 'given' };
  }
  if (!config.out) return { rates: ALL_PASS, from: 'assumed' };
  const file = join(resolve(config.out), 'run.json');
  if (!existsSync(file)) return { rates: ALL_PASS, from: 'assumed' };
  let run: { configHash?: string; funnel?: FunnelCounts };
  try {
    run = JSON.parse(readFileSync(file, 'utf8')) as typeof run;
  } catch (err) {
    return { rates: ALL_PASS, from: 'assumed', note: `${file} is not JSON (${(err as Error).message})` };
  }
  if (run.configHash !== configHash(config)) return { rates: ALL_PASS, from: 'assumed', note: `${file} is a run of another configuration` };
  const stages = run.funnel?.stages;
  if (!stages || !(stages.synthesized?.in > 0)) return { rates: ALL_PASS, from: 'assumed', note: `${file} counted no record yet` };
  const rates = { ...ALL_PASS };
  for (const s of RATE_STAGES) if (stages[s]?.in > 0) rates[s] = stages[s].out / stages[s].in;
  return { rates, from: 'measured', file, records: stages.synthesized.in };
}

/**
 * Lets through exactly round(k × rate) of the first k records asked about, for every k (error
 * diffusion), so a dry run's drops match the rate without randomness and reruns agree.
 */
export class PassQuota {
  private asked = 0;
  private passed = 0;

  constructor(readonly rate: number) {}

  /** Whether the next record passes. */
  next(): boolean {
    this.asked += 1;
    if (Math.round(this.asked * this.rate) <= this.passed) return false;
    this.passed += 1;
    return true;
  }
}

/** Records read per file for reply lengths; our choice (enough for a stable mean, quick to read). */
const REPLY_SAMPLE_RECORDS = 10_000;

/**
 * Mean completion tokens per call of each plugin, over the usage entries of the first records of
 * `runDir`'s samples.jsonl and rejected.jsonl (cached replies included: their tokens are the model's).
 * Empty when the files are missing.
 */
export async function measuredReplyTokens(runDir: string): Promise<Record<string, number>> {
  const sum: Record<string, { calls: number; tokens: number }> = {};
  for (const file of ['samples.jsonl', 'rejected.jsonl']) {
    let n = 0;
    for await (const r of readRecords(join(runDir, file))) {
      for (const u of r.usage ?? []) {
        const s = (sum[u.plugin] ??= { calls: 0, tokens: 0 });
        s.calls += 1;
        s.tokens += u.completionTokens;
      }
      if (++n >= REPLY_SAMPLE_RECORDS) break;
    }
  }
  return Object.fromEntries(Object.entries(sum).map(([p, s]) => [p, Math.round(s.tokens / s.calls)]));
}
