import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';

/**
 * The record that flows from seed to exported sample (DESIGN.md, "The record").
 * Every field is plain JSON so a record is one JSONL line in the run directory.
 */

/** One chat turn in OpenAI chat format. `weight` is only set by exporters (0 = not trained, 1 = trained). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  weight?: 0 | 1;
}

/** Where a seed came from: a file path and, when known, its 1-based line span. */
export interface SeedSourceRef {
  path: string;
  line?: number;
  endLine?: number;
}

/**
 * A piece of real code the pipeline starts from.
 * `id` is content-addressed (see {@link contentId}) so the same snippet read twice gets the same id.
 */
export interface Seed {
  id: string;
  /** Lower-case language id: `python`, `javascript`, `typescript`, `java`, `c`, `cpp`, `go`, `rust`, `sql`, `shell`, `php`, ... */
  language: string;
  code: string;
  source: SeedSourceRef;
  /**
   * How the snippet was cut: a whole function or class, a 5-20 line window, a whole file, one dataset
   * record, or `derived` for seeds a plugin made from earlier records (`hooks.derivedSeeds`).
   */
  kind: 'function' | 'class' | 'window' | 'file' | 'record' | 'derived';
  /** Source-specific fields, e.g. HumanEval's `task_id`. */
  meta: Record<string, unknown>;
  /**
   * For a seed that is a whole conversation of an instruction dataset (a pool row: OpenAI `messages`,
   * ShareGPT `conversations`, Alpaca `instruction/input/output`), the conversation in chat format;
   * `code` then holds its first user instruction.
   */
  messages?: ChatMessage[];
  /** Tags a selector gave the seed (see {@link Label}); strategies copy them to the records they write. */
  label?: Label;
}

/**
 * Tags of a seed or sample, each key a list of tags. Infinity Instruct's two-level ability tags
 * (arXiv 2506.11116) come as its released records carry them:
 * `{ ability_en: ['arithmetic calculation', ...], cate_ability_en: ['Mathematical Ability', ...] }`
 * (level 1: fine-grained abilities and knowledge; level 2: macro categories). Exporters write it
 * beside the conversation as `label`.
 */
export type Label = Record<string, string[]>;

/** How a sample came to be. */
export interface Lineage {
  seedId: string;
  /** Human-readable origin of the seed: `path:line` or `file.jsonl#L12`. */
  source: string;
  /** Plugin name of the strategy that wrote the instruction, e.g. `strategy:reverse`. */
  strategy: string;
  /** Ids of the records this one was derived from (empty for first-generation samples). */
  parentIds: string[];
  /** 0 for samples written directly from a seed; +1 per evolution/mutation step. */
  generation: number;
  /** Strategy-specific provenance, e.g. the rewrite direction of Infinite-Instruct's reverse construction. */
  details?: Record<string, unknown>;
}

/** One judge's verdict on a record. `score` and `dimensions` are on the judge's scale (documented by the judge). */
export interface JudgeVerdict {
  judge: string;
  model: string;
  /** Aggregate score (e.g. mean over dimensions and judgments). */
  score: number;
  threshold: number;
  passed: boolean;
  /** Per-dimension values averaged over judgments. */
  dimensions: Record<string, number>;
  /** How many independent judgments were averaged. */
  judgments: number;
  rationale?: string[];
}

/** One finding of a static analyzer or executor. Lines are 1-based, relative to the checked code block. */
export interface Diagnostic {
  tool: string;
  rule: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  line?: number;
  column?: number;
}

/** One analyzer's or executor's result on one record. */
export interface CheckResult {
  plugin: string;
  tool: string;
  language: string;
  passed: boolean;
  diagnostics: Diagnostic[];
  /** Set when the check did not run (e.g. tool missing and the run is configured to skip); says why. */
  skipped?: string;
}

/** Tokens spent by one LLM call made for this record. */
export interface UsageEntry {
  plugin: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** True when the reply came from the request cache (no tokens were spent this run). */
  cached: boolean;
}

/**
 * Stages a record reaches, in order (the lifecycle table in ARCHITECTURE.md): `record.stage` is the
 * last one it reached; `dropped.stage` the one it was being taken to when it was dropped.
 */
export const STAGES = ['seeded', 'synthesized', 'judged', 'responded', 'verified', 'filtered', 'kept'] as const;
export type Stage = (typeof STAGES)[number];

/** The stage after `stage` (a record at `kept` stays there). */
export function nextStage(stage: Stage): Stage {
  return STAGES[Math.min(STAGES.indexOf(stage) + 1, STAGES.length - 1)]!;
}

/** Why a record was dropped. A dropped record is written to `rejected.jsonl`, never discarded. */
export interface Dropped {
  stage: Stage;
  plugin: string;
  /** Human-readable, specific: `mean score 5.2 < 6 (complexity 3, creativity 4)`. */
  reason: string;
  /** Short stable key the funnel aggregates by (`below_threshold`, `invalid_output`, `E0602`); defaults to `other`. */
  category?: string;
}

/** A sample under construction or finished. */
export interface SampleRecord {
  /** Content-addressed id of `language` + `messages`, recomputed when messages change. */
  id: string;
  messages: ChatMessage[];
  language: string;
  lineage: Lineage;
  scores: JudgeVerdict[];
  checks: CheckResult[];
  usage: UsageEntry[];
  /** Free-form, plugin-owned data (test cases, keywords, ...). Keys are namespaced by plugin. */
  meta: Record<string, unknown>;
  /** The last stage this record completed. */
  stage: Stage;
  dropped?: Dropped;
  /** Tags (see {@link Label}), e.g. copied from the seed by the strategy; exported as `label`. */
  label?: Label;
}

/**
 * Stable content address: the first 16 hex chars of SHA-256 over a canonical JSON encoding
 * (sorted keys) of `value`. Same content, same id, on any machine.
 */
export function contentId(value: unknown): string {
  return createHash('sha256').update(stringify(value) ?? 'null').digest('hex').slice(0, 16);
}

/** The id of a record: content address of its language and messages (weights excluded). */
export function recordId(language: string, messages: readonly ChatMessage[]): string {
  return contentId({ language, messages: messages.map((m) => ({ role: m.role, content: m.content })) });
}

/**
 * Make a new record from a seed, for a strategy to return from `synthesize` (its stage is `seeded`
 * until the synthesize stage completes). `messages` are the prompt turns the strategy wrote (usually
 * one user instruction; a strategy that also wrote the response, as Semi-Instruct does, appends it).
 */
export function createRecord(init: {
  seed: Seed;
  strategy: string;
  messages: ChatMessage[];
  language?: string;
  parentIds?: string[];
  generation?: number;
  details?: Record<string, unknown>;
  meta?: Record<string, unknown>;
}): SampleRecord {
  const language = init.language ?? init.seed.language;
  const src = init.seed.source;
  return {
    id: recordId(language, init.messages),
    messages: init.messages,
    language,
    lineage: {
      seedId: init.seed.id,
      source: src.line ? `${src.path}:${src.line}` : src.path,
      strategy: init.strategy,
      parentIds: init.parentIds ?? [],
      generation: init.generation ?? 0,
      ...(init.details ? { details: init.details } : {}),
    },
    scores: [],
    checks: [],
    usage: [],
    meta: init.meta ?? {},
    stage: 'seeded',
  };
}

/**
 * Mark a record dropped (it goes to `rejected.jsonl` with this reason). `category` is the short
 * stable key the funnel counts by. Returns the record. Plugins use `ctx.drop`, which fills in the
 * stage and the plugin; this is for the runner.
 */
export function dropRecord(record: SampleRecord, stage: Stage, plugin: string, reason: string, category?: string): SampleRecord {
  record.dropped = { stage, plugin, reason, ...(category ? { category } : {}) };
  return record;
}
