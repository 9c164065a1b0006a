import { hostname } from 'node:os';
import { InstructsmithError, PluginError, redactSecrets, rootCause } from '../../core/errors.js';
import { LlmError, type LlmErrorKind, type UsageTotals } from '../../core/llm/types.js';
import { contentId, type SampleRecord, type Seed } from '../../core/record.js';
import type { SeedPosition } from '../../core/runner/seed-processor.js';

/** A job's data: one seed of one run. */
export interface SeedJob {
  runId: string;
  seed: Seed;
}

/** A fatal error on a worker, as plain data for the coordinator to stop the run with (secrets removed). */
export interface FatalPayload {
  message: string;
  /** The LlmError kind when the root cause was one (the CLI then exits 75, resumable). */
  llmKind?: LlmErrorKind;
  code?: string;
  hint?: string;
}

/**
 * A job's return value: the seed's records as processSeed returned them, or the fatal error that
 * stopped the seed (returned, not thrown, so BullMQ does not retry it and the coordinator decides),
 * with `usage`: the LLM usage per model id of this attempt at the seed (calls sent, cache hits,
 * replies shared with an identical call in flight, tokens), which the coordinator adds to the run's.
 * It travels with the records, so a seed's usage is counted exactly when its records are collected.
 */
export type SeedJobResult = ({ records: SampleRecord[] } | { fatal: FatalPayload }) & { usage?: Record<string, UsageTotals> };

/**
 * The run's id on the queue: a content address of the config hash and the run directory, so a
 * resumed coordinator gets the same id (and so the same job ids) and two runs of one config into two
 * directories do not share jobs.
 */
export function runIdOf(configHash: string, runDir: string): string {
  return contentId({ configHash, runDir });
}

/**
 * The job id of a seed: run id, pass and index. Adding a job whose id exists is a no-op in BullMQ,
 * so re-enqueueing (a resumed coordinator) never makes a second job for a seed. BullMQ forbids `:` in ids.
 */
export function jobIdOf(runId: string, at: SeedPosition): string {
  return `${runId}-${at.phase}-${at.index}`;
}

/** The payload of a fatal error raised on this worker; the message names the worker. */
export function fatalPayload(err: unknown): FatalPayload {
  const cause = rootCause(err);
  const where = `worker ${hostname()}:${process.pid}`;
  const message = redactSecrets(err instanceof PluginError ? err.message : String((cause as Error)?.message ?? cause));
  const out: FatalPayload = { message: `${where}: ${message}` };
  if (cause instanceof LlmError) {
    out.llmKind = cause.kind;
    if (cause.hint) out.hint = redactSecrets(cause.hint);
  } else if (err instanceof InstructsmithError || cause instanceof InstructsmithError) {
    const e = (err instanceof InstructsmithError ? err : cause) as InstructsmithError;
    out.code = e.code;
    if (e.hint) out.hint = redactSecrets(e.hint);
  }
  return out;
}

/** The error a coordinator stops the run with for a worker's fatal payload (an LlmError keeps exit code 75). */
export function errorOf(fatal: FatalPayload): Error {
  if (fatal.llmKind) return new LlmError(fatal.llmKind, fatal.message, fatal.hint ? { hint: fatal.hint } : {});
  return new InstructsmithError(fatal.code ?? 'WORKER_FAILED', fatal.message, { hint: fatal.hint, fatal: true });
}
