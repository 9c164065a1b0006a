import type { Hooks, StageContext } from '../hooks.js';
import { InstructsmithError } from '../errors.js';
import { LlmError } from '../llm/types.js';
import { createRecord, dropRecord, recordId, type SampleRecord, type Seed, type Stage } from '../record.js';

/** What the verification stage needs; core/verify's gate provides it. */
export interface RecordVerifier {
  verify(record: SampleRecord, ctx: StageContext): Promise<{ checks: SampleRecord['checks']; passed: boolean; reason?: string; category?: string }>;
}

export interface PipelineDeps {
  hooks: Hooks;
  signal: AbortSignal;
  dryRun: boolean;
  /** Undefined when no analyzer is configured: the verification stage is then skipped. */
  verifier?: RecordVerifier;
}

/**
 * Take one seed through every stage (DESIGN.md: seed → problem → judged → answered → verified → kept)
 * and return its records in their final state, kept or dropped. Records of one seed are processed
 * concurrently; the caller writes them in the returned order.
 *
 * Failures: a fatal error (unreachable endpoint, rejected key, missing tool, bad config) is re-thrown
 * and stops the run; any other error drops only the record it happened to, with the plugin that
 * threw it and the message as reason.
 */
export async function processSeed(seed: Seed, deps: PipelineDeps): Promise<SampleRecord[]> {
  let records: SampleRecord[];
  try {
    records = await deps.hooks.synthesize.promise([], seed, ctx(deps, 'problem'));
  } catch (err) {
    rethrowIfFatal(err);
    return [dropRecord(seedRecord(seed), 'problem', pluginOf(err), messageOf(err), categoryOf(err))];
  }
  if (records.length === 0) {
    return [dropRecord(seedRecord(seed), 'seed', 'runner', 'no strategy produced a problem from this seed', 'no_problem')];
  }
  return Promise.all(records.map((r) => (r.dropped ? r : processRecord(r, deps))));
}

async function processRecord(record: SampleRecord, deps: PipelineDeps): Promise<SampleRecord> {
  const { hooks } = deps;
  let stage: Stage = 'judged';
  try {
    if (hooks.judge.isUsed()) {
      await hooks.judge.promise(record, ctx(deps, stage));
      if (record.dropped) return record;
      const failed = record.scores.filter((s) => !s.passed);
      if (failed.length > 0) {
        const f = failed[0]!;
        const dims = Object.entries(f.dimensions)
          .map(([k, v]) => `${k} ${round(v)}`)
          .join(', ');
        return dropRecord(record, stage, f.judge, `score ${round(f.score)} < ${f.threshold}${dims ? ` (${dims})` : ''}`, 'below_threshold');
      }
    }
    record.stage = 'judged';

    stage = 'answered';
    if (record.messages.at(-1)?.role !== 'assistant') {
      const reply = await hooks.respond.promise(record, ctx(deps, stage));
      if (record.dropped) return record;
      if (!reply || reply.length === 0) {
        return dropRecord(record, stage, 'runner', hooks.respond.isUsed() ? 'no responder answered this record' : 'no responder plugin is configured', 'no_response');
      }
      record.messages = [...record.messages, ...reply];
      record.id = recordId(record.language, record.messages);
    }
    record.stage = 'answered';

    stage = 'verified';
    if (deps.verifier && !deps.dryRun) {
      const result = await deps.verifier.verify(record, ctx(deps, stage));
      record.checks = [...record.checks, ...result.checks];
      if (!result.passed) return dropRecord(record, stage, 'verify', result.reason ?? 'static verification failed', result.category ?? firstErrorRule(record));
    }
    record.stage = 'kept';
    return record;
  } catch (err) {
    rethrowIfFatal(err);
    return dropRecord(record, stage, pluginOf(err), messageOf(err), categoryOf(err));
  }
}

function ctx(deps: PipelineDeps, stage: Stage): StageContext {
  return { stage, signal: deps.signal, dryRun: deps.dryRun };
}

/** A placeholder record for a seed that yielded no problem, so the drop is written, not lost. */
function seedRecord(seed: Seed): SampleRecord {
  const r = createRecord({ seed, strategy: 'none', messages: [], meta: { seed: { code: seed.code, source: seed.source, kind: seed.kind, meta: seed.meta } } });
  r.stage = 'seed';
  return r;
}

function rethrowIfFatal(err: unknown): void {
  if (err instanceof LlmError && err.fatal) throw err;
  if (err instanceof InstructsmithError && err.fatal) throw err;
  if ((err as { name?: string })?.name === 'AbortError') throw err;
}

/** Plugin name attached to errors by the runner's tap interceptor (see annotateTapErrors). */
function pluginOf(err: unknown): string {
  return (err as { plugin?: string })?.plugin ?? 'unknown';
}

function messageOf(err: unknown): string {
  if (err instanceof LlmError) return `${err.kind}: ${err.message}`;
  return (err as Error)?.message ?? String(err);
}

function categoryOf(err: unknown): string {
  if (err instanceof LlmError) return err.kind;
  return 'error';
}

function firstErrorRule(record: SampleRecord): string {
  for (const c of record.checks) for (const d of c.diagnostics) if (d.severity === 'error') return d.rule;
  return 'error';
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * Make every tap's thrown error carry the name of the plugin that tapped, so a dropped record names
 * its culprit. Uses tapable's `register` interceptor, which sees each tap as it is added.
 */
export function annotateTapErrors(hooks: Hooks): void {
  const tagged = [hooks.synthesize, hooks.judge, hooks.respond] as const;
  for (const hook of tagged) {
    (hook as unknown as { intercept(i: { register(t: { name: string; type: string; fn: (...a: unknown[]) => unknown }): unknown }): void }).intercept({
      register(tap) {
        const fn = tap.fn;
        if (tap.type === 'promise') {
          tap.fn = (...args: unknown[]) =>
            (fn(...args) as Promise<unknown>).catch((err: unknown) => {
              throw tagError(err, tap.name);
            });
        } else if (tap.type === 'sync') {
          tap.fn = (...args: unknown[]) => {
            try {
              return fn(...args);
            } catch (err) {
              throw tagError(err, tap.name);
            }
          };
        }
        return tap;
      },
    });
  }
}

function tagError(err: unknown, plugin: string): unknown {
  if (err && typeof err === 'object' && !('plugin' in err)) {
    try {
      Object.defineProperty(err, 'plugin', { value: plugin, enumerable: false });
    } catch {
      /* frozen error object: keep it as is */
    }
  }
  return err;
}
