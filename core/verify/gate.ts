import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ConfigError, InstructsmithError, ToolMissingError } from '../errors.js';
import { handledLanguages, type CodeSample, type Hooks, type StageContext } from '../hooks.js';
import type { CheckResult, SampleRecord } from '../record.js';
import { createDispatcher } from './dispatch.js';
import { extractCodeBlocks } from './extract.js';

/**
 * The static-verification gate (Infinite-Instruct, arXiv 2505.23177, "cross-lingual static
 * verification": samples whose code has error-level analyzer findings are discarded, never
 * repaired). The runner and `instructsmith verify` both call {@link createVerifier}.
 */

/** Gate policy. Defaults are our choices unless noted. */
export const verifyPolicySchema = z
  .object({
    /** A block in a language no analyzer handles: `error` stops the run (listing the handled languages); `skip` records a skipped check and keeps the sample. */
    unhandled: z.enum(['error', 'skip']).default('error'),
    /** An analyzer whose tool is not installed: `error` stops the run; `skip` records skipped checks for that language (counted in stats). */
    missingTool: z.enum(['error', 'skip']).default('error'),
    /**
     * A response with no code block: `reject` drops it with reason `no code block` (the default: a
     * code-instruction sample without code cannot be verified, and the paper keeps only verified
     * samples); `pass` keeps it unchecked.
     */
    noCode: z.enum(['reject', 'pass']).default('reject'),
    /**
     * When a batch leaves for a free analyzer slot: `fill`, `slot` or `timer` (see DispatchMode in
     * core/verify/dispatch.ts and the policy note on {@link createVerifier}).
     */
    dispatch: z.enum(['fill', 'slot', 'timer']).default('fill'),
    /**
     * Most samples per analyzer call (one tool process). 128 (our choice): pylint's start-up (0.85 s
     * of CPU here) then costs 7 ms per file against 4 ms of checking, and a crash bisects in ≤ 14 reruns.
     */
    batchSize: z.number().int().positive().max(10_000).default(128),
    /** `fill`: the longest a sample waits for company while a slot is free (`timer`: the seal delay), ms. 10 s: our choice, see createVerifier. */
    maxWaitMs: z.number().int().nonnegative().max(600_000).default(10_000),
    /** `fill`: a language's queue with no new sample for this long leaves partly filled, ms. 500: our choice, see createVerifier. */
    quietMs: z.number().int().nonnegative().max(600_000).default(500),
    /** Analyzer calls (tool processes) running at once, across languages. Default: `os.availableParallelism()`. */
    cpuBudget: z.number().int().positive().optional(),
  })
  .strict();

export type VerifyPolicy = z.output<typeof verifyPolicySchema>;
export type VerifyPolicyInput = z.input<typeof verifyPolicySchema>;

/** What {@link Verifier.verify} returns for one record. */
export interface VerifyOutcome {
  /** One check per code block, in the order the blocks appear in the assistant turns. */
  checks: CheckResult[];
  passed: boolean;
  /** Why the record fails, e.g. `python: E0602 undefined-variable (line 3)`; set when `passed` is false. */
  reason?: string;
  /** The funnel's bucket for the drop: the first failing `language: rule`, or `no code block`. */
  category?: string;
}

/** Counts for the funnel. */
export interface VerifyStats {
  records: number;
  passed: number;
  dropped: number;
  /** Records dropped because they had no code block. */
  noCode: number;
  byLanguage: Record<string, { blocks: number; passed: number; failed: number; skipped: number; droppedRecords: number }>;
  /** Dropped records per `language: rule` (a record counts once per distinct rule that failed it). */
  byRule: Record<string, number>;
  /** Analyzer calls per language in this process (a resumed run counts its own). */
  analyzers: Record<string, AnalyzerCallStats>;
}

/** How one language's samples reached its analyzer. */
export interface AnalyzerCallStats {
  /** Analyzer calls (batches; one tool process each unless the tool crashed and the batch was bisected, or the analyzer keeps a server). */
  calls: number;
  /** Samples checked over all calls. */
  samples: number;
  meanBatch: number;
  maxBatch: number;
  /** Wall time inside the analyzer, summed over calls (calls overlap up to cpuBudget), ms. */
  wallMs: number;
  /** Mean time a sample waited in the queue before its batch left, ms. */
  meanWaitMs: number;
}

export interface Verifier {
  /** Check every code block of the record's assistant turns. Does not modify the record. */
  verify(record: SampleRecord, ctx: StageContext): Promise<VerifyOutcome>;
  /** Send every waiting sample to its analyzer as slots free, without the `fill` wait: call when no more records will come until these are verified. */
  flush(): void;
  /** The input ended (`true`: samples still to come leave as slots free, without the `fill` wait) or starts again (`false`). */
  drain(on: boolean): void;
  stats(): VerifyStats;
}

interface Pending {
  sample: CodeSample;
  ctx: StageContext;
  /** performance.now() when queued. */
  queuedAt: number;
  resolve(check: CheckResult): void;
  reject(err: unknown): void;
}

/**
 * Build the gate over the analyzers tapped on `hooks.analyze`.
 *
 * Blocks from concurrent `verify` calls queue per language; a batch is formed when a slot (at most
 * `cpuBudget` analyzer calls at once, across languages) takes it, and goes to
 * `hooks.analyze.get(language).promise(samples, ctx)`. Each record's results are mapped back by
 * sample key `${record.id}#${block}`.
 *
 * Policy (`dispatch: fill`, issue #15): a free slot takes everything waiting for the language whose
 * oldest sample waited longest (up to `batchSize`) once the queue is full, or quiet for `quietMs`,
 * or its oldest sample waited `maxWaitMs`. Why wait at all: a tool process costs its start-up
 * whatever its size (pylint: 0.85 s of CPU for 1 file, 1.7 s for 164 HumanEval files on this
 * machine), and records reach the gate one by one from the LLM. Under the former policy (a batch
 * sealed 25 ms after its first sample, then queued for a slot) a 164-seed run spawned 65 pylint
 * processes of 3.9 files each: 59 s of CPU in a 33 s run on 2 cores, 37x the bench's batched cost
 * per file. Sending whatever waits the moment a slot frees (`dispatch: slot`) keeps every slot
 * busy with small batches, as many files per batch as arrived during the previous one, so the
 * analyzers still take all the cores. Waiting while the flow lasts and leaving when it pauses
 * makes batches as large as the flow (one or a few per pass of a run) and costs a sample at most
 * `maxWaitMs` in a steady trickle and `quietMs` at the end of a pass. test/bench/scale/analyzers.ts
 * prints the three policies side by side; on 2 cores at load ~11 (164 seeds, 175 samples checked),
 * two runs: timer 9-11 pylint processes, 34-36 ms of pylint CPU per sample (3.1-4.1x pylint once
 * over the same files); slot 7, 27 ms (2.5-3.2x); fill 3, 13 ms (1.2-1.5x), wall 0.4-0.7x timer's.
 * (Measured with one pylint process per batch. pylint, ESLint and tsc now run as long-lived servers
 * by default, which leaves them a small per-batch cost; the other analyzers' tools still start per
 * batch, and fewer, larger batches still cost less per file.)
 *
 * The record passes when every check passed (a skipped check counts as passed). Its `reason`
 * names the first failing languages and rules with their lines, at most three findings.
 *
 * @throws ConfigError when `policy` is invalid (names the key).
 * `verify` rejects with a fatal InstructsmithError (`ANALYZER_UNHANDLED`) listing the handled
 * languages under `unhandled: error`, with the analyzer's ToolMissingError under
 * `missingTool: error`, and with any other error an analyzer throws.
 */
export function createVerifier(init: { hooks: Hooks; policy?: VerifyPolicyInput }): Verifier {
  const parsed = verifyPolicySchema.safeParse(init.policy ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`verify policy: ${['verify', ...issue.path.map(String)].join('.')}: ${issue.message}`, {
      hint: 'keys: unhandled (error|skip), missingTool (error|skip), noCode (reject|pass), dispatch (fill|slot|timer), batchSize, maxWaitMs, quietMs, cpuBudget',
    });
  }
  const policy = parsed.data;
  const { hooks } = init;
  // analyze.for(language) is a bail hook: a second analyzer of a language would never run. Say so at start.
  for (const language of handledLanguages(hooks)) {
    const names = hooks.analyze.get(language)!.taps.map((t) => t.name);
    if (names.length > 1) {
      throw new ConfigError(`${names.length} analyzers check ${language} (${names.join(', ')}), but one language has one analyzer: only ${names[0]} would run`, {
        code: 'CONFIG_ANALYZER_CLASH',
        hint: `keep one of them under plugins (set the other to false), or give the second its own language`,
      });
    }
  }
  const missing = new Map<string, string>();
  const stats: Omit<VerifyStats, 'analyzers'> = { records: 0, passed: 0, dropped: 0, noCode: 0, byLanguage: {}, byRule: {} };
  const calls = new Map<string, { calls: number; samples: number; maxBatch: number; wallMs: number; waitMs: number }>();
  const dispatcher = createDispatcher<Pending>(
    { mode: policy.dispatch, batchSize: policy.batchSize, maxWaitMs: policy.maxWaitMs, quietMs: policy.quietMs, slots: policy.cpuBudget ?? availableParallelism() },
    (language, batch) => runAnalyzer(language, batch),
  );
  const listening = new Map<AbortSignal, { waiting: number; onAbort(): void }>();

  const lang = (l: string) => (stats.byLanguage[l] ??= { blocks: 0, passed: 0, failed: 0, skipped: 0, droppedRecords: 0 });

  async function runAnalyzer(language: string, queued: Pending[]): Promise<void> {
    const skipReason = missing.get(language);
    for (const p of queued) unwatch(p.ctx.signal);
    if (skipReason) return settleSkipped(queued, language, skipReason);
    // A sample whose run was aborted after it left the queue does not reach the tool.
    const batch = queued.filter((p) => !p.ctx.signal.aborted);
    for (const p of queued) if (p.ctx.signal.aborted) p.reject(p.ctx.signal.reason);
    if (batch.length === 0) return;
    const started = performance.now();
    const c = calls.get(language) ?? { calls: 0, samples: 0, maxBatch: 0, wallMs: 0, waitMs: 0 };
    calls.set(language, c);
    c.calls++;
    c.samples += batch.length;
    c.maxBatch = Math.max(c.maxBatch, batch.length);
    for (const p of batch) c.waitMs += started - p.queuedAt;
    try {
      const hook = hooks.analyze.get(language);
      const results = await hook!.promise(
        batch.map((p) => p.sample),
        batch[0]!.ctx,
      ).finally(() => (c.wallMs += performance.now() - started));
      if (!Array.isArray(results) || results.length !== batch.length) {
        throw new InstructsmithError(
          'ANALYZER_CONTRACT',
          `the ${language} analyzer returned ${Array.isArray(results) ? results.length : 'no'} results for ${batch.length} samples`,
          { hint: 'an analyzer must return one CheckResult per sample, in order' },
        );
      }
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      if (err instanceof ToolMissingError && policy.missingTool === 'skip') {
        const why = `${err.describe().replace(/\n\s*/g, '; ')} (verify.missingTool: skip)`;
        missing.set(language, why);
        const waiting = dispatcher.remove((q) => q.sample.language === language);
        for (const p of waiting) unwatch(p.ctx.signal);
        return settleSkipped([...batch, ...waiting], language, why);
      }
      for (const p of batch) p.reject(err);
    }
  }

  function settleSkipped(batch: Pending[], language: string, why: string): void {
    for (const p of batch) p.resolve({ plugin: 'verify', tool: 'none', language, passed: true, diagnostics: [], skipped: why });
  }

  function enqueue(sample: CodeSample, ctx: StageContext): Promise<CheckResult> {
    return new Promise<CheckResult>((resolve, reject) => {
      const skipReason = missing.get(sample.language);
      if (skipReason) return settleSkipped([{ sample, ctx, queuedAt: 0, resolve, reject }], sample.language, skipReason);
      if (ctx.signal.aborted) return reject(ctx.signal.reason);
      watch(ctx.signal);
      dispatcher.add(sample.language, { sample, ctx, queuedAt: performance.now(), resolve, reject });
    });
  }

  /**
   * On abort, the samples of that run still waiting for a batch settle at once (rejected with the
   * abort reason). One listener per signal while it has samples waiting, so a long-lived run signal
   * does not collect listeners.
   */
  function watch(signal: AbortSignal): void {
    let w = listening.get(signal);
    if (!w) {
      const onAbort = () => {
        listening.delete(signal);
        for (const p of dispatcher.remove((q) => q.ctx.signal === signal)) p.reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      listening.set(signal, (w = { waiting: 0, onAbort }));
    }
    w.waiting++;
  }

  function unwatch(signal: AbortSignal): void {
    const w = listening.get(signal);
    if (!w || --w.waiting > 0) return;
    signal.removeEventListener('abort', w.onAbort);
    listening.delete(signal);
  }

  async function verify(record: SampleRecord, ctx: StageContext): Promise<VerifyOutcome> {
    const samples = codeSamples(record);
    const handled = handledLanguages(hooks);
    const list = handled.length ? handled.join(', ') : 'none (no analyzer plugin is configured)';
    const unhandled = samples.find((s) => !handled.includes(s.language));
    // Refuse before queueing anything, so no batch is left holding this record's samples.
    if (unhandled && policy.unhandled === 'error') {
      throw new InstructsmithError('ANALYZER_UNHANDLED', `record ${record.id}: no analyzer handles ${unhandled.language}; languages handled: ${list}`, {
        hint: `add an analyzer plugin for ${unhandled.language}, or set verify.unhandled: skip to keep such samples unchecked`,
      });
    }
    const pending: Array<Promise<CheckResult>> = [];
    for (const sample of samples) {
      if (handled.includes(sample.language)) {
        pending.push(enqueue(sample, ctx));
        continue;
      }
      pending.push(
        Promise.resolve({ plugin: 'verify', tool: 'none', language: sample.language, passed: true, diagnostics: [], skipped: `no analyzer handles ${sample.language} (languages handled: ${list}; verify.unhandled: skip)` }),
      );
    }
    const checks = await Promise.all(pending);
    return account(checks);
  }

  function account(checks: CheckResult[]): VerifyOutcome {
    stats.records++;
    for (const c of checks) {
      const s = lang(c.language);
      s.blocks++;
      if (c.skipped) s.skipped++;
      else if (c.passed) s.passed++;
      else s.failed++;
    }
    if (checks.length === 0) {
      if (policy.noCode === 'pass') {
        stats.passed++;
        return { checks, passed: true };
      }
      stats.dropped++;
      stats.noCode++;
      return { checks, passed: false, reason: 'no code block', category: 'no code block' };
    }
    const failed = checks.filter((c) => !c.passed);
    if (failed.length === 0) {
      stats.passed++;
      return { checks, passed: true };
    }
    stats.dropped++;
    for (const l of new Set(failed.map((c) => c.language))) lang(l).droppedRecords++;
    const rules = new Set<string>();
    for (const c of failed) for (const d of c.diagnostics) if (d.severity === 'error') rules.add(`${c.language}: ${d.rule}`);
    for (const r of rules) stats.byRule[r] = (stats.byRule[r] ?? 0) + 1;
    const first = failed[0]!;
    const category = [...rules][0] ?? `${first.language}: ${first.tool} failed`;
    return { checks, passed: false, reason: dropReason(failed), category };
  }

  return {
    verify,
    flush: () => dispatcher.flush(),
    drain: (on) => dispatcher.drain(on),
    stats: () => ({ ...structuredClone(stats), analyzers: analyzerStats() }),
  };

  function analyzerStats(): Record<string, AnalyzerCallStats> {
    const out: Record<string, AnalyzerCallStats> = {};
    for (const [l, c] of [...calls].sort(([a], [b]) => a.localeCompare(b))) {
      const mean = (x: number) => Number((x / Math.max(c.samples, 1)).toFixed(1));
      out[l] = { calls: c.calls, samples: c.samples, meanBatch: Number((c.samples / c.calls).toFixed(2)), maxBatch: c.maxBatch, wallMs: Math.round(c.wallMs), meanWaitMs: mean(c.waitMs) };
    }
    return out;
  }
}

/**
 * The code blocks of a record's assistant turns as analyzer samples, keys `${record.id}#${n}`
 * numbered across turns, language from the fence or the record (see extractCodeBlocks).
 */
export function codeSamples(record: SampleRecord): CodeSample[] {
  const out: CodeSample[] = [];
  for (const m of record.messages) {
    if (m.role !== 'assistant') continue;
    for (const b of extractCodeBlocks(m.content, record.language)) {
      out.push({ key: `${record.id}#${out.length}`, language: b.language, code: b.code, ...(b.dialect ? { dialect: b.dialect } : {}) });
    }
  }
  return out;
}

/** `python: E0602 undefined-variable (line 3); java: tool-crash` — at most three findings, then `(+N more)`. */
export function dropReason(failed: readonly CheckResult[]): string {
  const parts: string[] = [];
  let total = 0;
  for (const c of failed) {
    const errors = c.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length === 0) {
      total++;
      if (parts.length < 3) parts.push(`${c.language}: failed without an error diagnostic (${c.tool})`);
    }
    for (const d of errors) {
      total++;
      if (parts.length < 3) parts.push(`${c.language}: ${d.rule}${d.line ? ` (line ${d.line})` : ''}`);
    }
  }
  return total > parts.length ? `${parts.join('; ')} (+${total - parts.length} more)` : parts.join('; ');
}
