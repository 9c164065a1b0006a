import type { FilterContext, Hooks, StageContext } from '../hooks.js';
import { InstructsmithError, PluginError, rootCause } from '../errors.js';
import { LlmError } from '../llm/types.js';
import { createRecord, dropRecord, nextStage, recordId, type CheckResult, type SampleRecord, type Seed, type Stage } from '../record.js';

/** What the verification stage needs; core/verify's gate provides it. */
export interface RecordVerifier {
  verify(record: SampleRecord, ctx: StageContext): Promise<{ checks: SampleRecord['checks']; passed: boolean; reason?: string; category?: string }>;
}

export interface PipelineDeps {
  hooks: Hooks;
  signal: AbortSignal;
  dryRun: boolean;
  /** Undefined when no analyzer is configured: static verification is then skipped. */
  verifier?: RecordVerifier;
}

/**
 * Take one seed through the stages that can run concurrently with other seeds (the lifecycle table
 * in ARCHITECTURE.md): synthesize → judge (instruction) → respond → analyze, judge (response). Returns
 * the seed's records, dropped or at stage `verified`; the runner then filters them in seed order
 * ({@link filterRecord}) and writes them. Records of one seed are processed concurrently.
 *
 * Failures: a fatal error (unreachable endpoint, rejected key, missing tool, bad config), possibly
 * wrapped in a PluginError, is re-thrown and stops the run, the seed unwritten so a rerun redoes it;
 * any other error drops only the record it happened to, naming the plugin that threw it.
 */
export async function processSeed(seed: Seed, deps: PipelineDeps): Promise<SampleRecord[]> {
  let records: SampleRecord[];
  try {
    records = await deps.hooks.synthesize.promise([], seed, ctx(deps, 'synthesized'));
  } catch (err) {
    rethrowIfFatal(err);
    return [dropRecord(seedRecord(seed), 'synthesized', pluginOf(err), messageOf(err), categoryOf(err))];
  }
  if (records.length === 0) {
    return [dropRecord(seedRecord(seed), 'synthesized', 'runner', 'no strategy wrote an instruction from this seed', 'no_instruction')];
  }
  return Promise.all(
    records.map((r) => {
      if (r.dropped) return r;
      r.stage = 'synthesized';
      return processRecord(r, deps);
    }),
  );
}

async function processRecord(record: SampleRecord, deps: PipelineDeps): Promise<SampleRecord> {
  const { hooks } = deps;
  try {
    await judge(record, 'instruction', deps);
    if (record.dropped) return record;
    record.stage = 'judged';

    if (record.messages.at(-1)?.role !== 'assistant') {
      const reply = await hooks.respond.promise(record, ctx(deps, 'responded'));
      if (record.dropped) return record;
      if (!reply || reply.length === 0) {
        return dropRecord(record, 'responded', 'runner', hooks.respond.isUsed() ? 'no responder answered this record' : 'no responder plugin is configured', 'no_response');
      }
      record.messages = [...record.messages, ...reply];
      record.id = recordId(record.language, record.messages);
    }
    record.stage = 'responded';

    if (deps.verifier && !deps.dryRun) {
      const result = await deps.verifier.verify(record, ctx(deps, 'verified'));
      record.checks = [...record.checks, ...result.checks];
      if (!result.passed) {
        return dropRecord(record, 'verified', failingPlugin(result.checks), result.reason ?? 'static verification failed', result.category ?? firstErrorRule(record));
      }
    }
    await judge(record, 'response', deps);
    if (record.dropped) return record;
    record.stage = 'verified';
    return record;
  } catch (err) {
    rethrowIfFatal(err);
    return dropRecord(record, nextStage(record.stage), pluginOf(err), messageOf(err), categoryOf(err));
  }
}

async function judge(record: SampleRecord, subject: 'instruction' | 'response', deps: PipelineDeps): Promise<void> {
  const hook = deps.hooks.judge.get(subject);
  if (hook?.isUsed()) await hook.promise(record, ctx(deps, subject === 'instruction' ? 'judged' : 'verified'));
}

/**
 * The filter stage of one record that reached `verified`, in seed order (dedup and decontamination
 * need one order to be deterministic). On return the record is dropped or at stage `kept`.
 * @throws what processSeed re-throws (fatal errors)
 */
export async function filterRecord(record: SampleRecord, hooks: Hooks, filterCtx: FilterContext): Promise<SampleRecord> {
  if (record.dropped) return record;
  try {
    if (hooks.filter.isUsed()) await hooks.filter.promise(record, filterCtx);
  } catch (err) {
    rethrowIfFatal(err);
    return dropRecord(record, 'filtered', pluginOf(err), messageOf(err), categoryOf(err));
  }
  if (record.dropped) return record;
  record.stage = 'kept';
  return record;
}

function ctx(deps: PipelineDeps, stage: Stage): StageContext {
  return { stage, signal: deps.signal, dryRun: deps.dryRun };
}

/** A placeholder record for a seed that yielded no instruction, so the drop is written, not lost. */
function seedRecord(seed: Seed): SampleRecord {
  return createRecord({ seed, strategy: 'none', messages: [], meta: { seed: { code: seed.code, source: seed.source, kind: seed.kind, meta: seed.meta } } });
}

function rethrowIfFatal(err: unknown): void {
  const cause = rootCause(err);
  if (cause instanceof LlmError && cause.fatal) throw err;
  if (err instanceof InstructsmithError && err.fatal) throw err;
  if ((cause as { name?: string })?.name === 'AbortError') throw err;
}

function pluginOf(err: unknown): string {
  return err instanceof PluginError ? err.plugin : 'unknown';
}

function messageOf(err: unknown): string {
  const cause = rootCause(err);
  if (cause instanceof LlmError) return `${cause.kind}: ${cause.message}`;
  return (cause as Error)?.message ?? String(cause);
}

function categoryOf(err: unknown): string {
  const cause = rootCause(err);
  if (cause instanceof LlmError) return cause.kind;
  return 'error';
}

function failingPlugin(checks: readonly CheckResult[]): string {
  return checks.find((c) => !c.passed)?.plugin ?? 'verify';
}

function firstErrorRule(record: SampleRecord): string {
  for (const c of record.checks) for (const d of c.diagnostics) if (d.severity === 'error') return d.rule;
  return 'error';
}
