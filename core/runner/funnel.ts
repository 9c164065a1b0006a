import type { SampleRecord, Stage } from '../record.js';
import type { SelectionSummary } from '../selection.js';

/** Stages a record is counted through, in order (after the seed stage). */
const RECORD_STAGES = ['synthesized', 'judged', 'responded', 'verified', 'filtered'] as const satisfies readonly Stage[];

export interface StageCount {
  /** Records that entered the stage. */
  in: number;
  /** Records that left it (in − dropped). */
  out: number;
  /** Drops by `plugin/category`. */
  dropped: Record<string, number>;
}

export interface FunnelCounts {
  /** Seeds read from the source(s), and items the sources passed over by reason. */
  seeds: { read: number; skipped: Record<string, number> };
  stages: Record<(typeof RECORD_STAGES)[number], StageCount>;
  /**
   * Per filter plugin, in the order they run: records it checked and records it dropped. A record that
   * reached the filter stage was checked by each filter in turn until one dropped it.
   */
  filters: Record<string, { checked: number; dropped: number }>;
  /** Static verification drops per language and per `language:rule`. */
  verification: { byLanguage: Record<string, { checked: number; dropped: number }>; byRule: Record<string, number> };
  kept: number;
  rejected: number;
  /** The selection table, when selectors ran (`hooks.select`): seeds in, out and dropped per selector. */
  selection?: SelectionSummary;
}

/**
 * Per-stage counts of a run, derived only from the records written (plus the sources' skip reports),
 * so the funnel always agrees with samples.jsonl and rejected.jsonl:
 * `stages.X.out == stages.next(X).in`, `stages.filtered.out == kept`, and `rejected == Σ dropped`
 * (a seed no strategy wrote an instruction from is a drop at `synthesized`, `runner/no_instruction`).
 */
export class Funnel {
  private counts: FunnelCounts;
  /** Seed counts of finished passes (a resumed run replays only the current pass's source). */
  private committedSeeds: { read: number; skipped: Record<string, number> } = { read: 0, skipped: {} };
  private phaseSeeds: { read: number; skipped: Record<string, number> } = { read: 0, skipped: {} };

  /** @param filterOrder the filter plugins in the order they run (the `filter` hook's taps). */
  constructor(restore?: unknown, private readonly filterOrder: readonly string[] = []) {
    const r = restore as { counts?: FunnelCounts; committedSeeds?: Funnel['committedSeeds'] } | undefined;
    this.counts = r?.counts ? structuredClone(r.counts) : emptyCounts();
    this.counts.filters ??= {};
    for (const f of filterOrder) this.counts.filters[f] ??= { checked: 0, dropped: 0 };
    if (r?.committedSeeds) this.committedSeeds = structuredClone(r.committedSeeds);
  }

  private selectionSource?: () => SelectionSummary;

  /** Take the selection table from `source` at every snapshot and checkpoint (a later pass keeps the last one). */
  attachSelection(source: () => SelectionSummary): void {
    this.selectionSource = source;
  }

  /** A seed was read from the current pass's source. */
  seedRead(): void {
    this.phaseSeeds.read += 1;
  }

  /** A source passed over an item. */
  skipped(reason: string): void {
    this.phaseSeeds.skipped[reason] = (this.phaseSeeds.skipped[reason] ?? 0) + 1;
  }

  /** The current pass ended: its seed counts become final. */
  endPhase(): void {
    this.committedSeeds = mergeSeeds(this.committedSeeds, this.phaseSeeds);
    this.phaseSeeds = { read: 0, skipped: {} };
  }

  /** Count the final state of records as they are written. */
  add(records: readonly SampleRecord[]): void {
    const c = this.counts;
    for (const record of records) {
      const dropAt = record.dropped ? RECORD_STAGES.indexOf(record.dropped.stage as (typeof RECORD_STAGES)[number]) : -1;
      const last = record.dropped ? (dropAt < 0 ? 0 : dropAt) : RECORD_STAGES.length - 1;
      for (let i = 0; i <= last; i++) {
        const stage = c.stages[RECORD_STAGES[i]!];
        stage.in += 1;
        if (record.dropped && i === last) {
          const key = `${record.dropped.plugin}/${record.dropped.category ?? 'other'}`;
          stage.dropped[key] = (stage.dropped[key] ?? 0) + 1;
        } else stage.out += 1;
      }
      if (last >= RECORD_STAGES.indexOf('filtered')) {
        for (const f of this.filterOrder) {
          const fc = c.filters[f]!;
          fc.checked += 1;
          if (record.dropped?.plugin === f) {
            fc.dropped += 1;
            break;
          }
        }
      }
      if (record.checks.length > 0 && last >= RECORD_STAGES.indexOf('verified')) {
        const lang = (c.verification.byLanguage[record.language] ??= { checked: 0, dropped: 0 });
        lang.checked += 1;
        if (record.dropped?.stage === 'verified') {
          lang.dropped += 1;
          for (const check of record.checks) {
            for (const d of check.diagnostics) {
              if (d.severity !== 'error') continue;
              const key = `${check.language}:${d.rule}`;
              c.verification.byRule[key] = (c.verification.byRule[key] ?? 0) + 1;
            }
          }
        }
      }
      if (record.dropped) c.rejected += 1;
      else c.kept += 1;
    }
  }

  /** The funnel as written to run.json. */
  snapshot(): FunnelCounts {
    if (this.selectionSource) this.counts.selection = this.selectionSource();
    return { ...structuredClone(this.counts), seeds: mergeSeeds(this.committedSeeds, this.phaseSeeds) };
  }

  /** What a checkpoint stores (stage counts and finished passes' seed counts; the current pass is replayed). */
  checkpointState(): unknown {
    if (this.selectionSource) this.counts.selection = this.selectionSource();
    return { counts: this.counts, committedSeeds: this.committedSeeds };
  }
}

function emptyCounts(): FunnelCounts {
  const stage = (): StageCount => ({ in: 0, out: 0, dropped: {} });
  return {
    seeds: { read: 0, skipped: {} },
    stages: { synthesized: stage(), judged: stage(), responded: stage(), verified: stage(), filtered: stage() },
    filters: {},
    verification: { byLanguage: {}, byRule: {} },
    kept: 0,
    rejected: 0,
  };
}

function mergeSeeds(a: Funnel['committedSeeds'], b: Funnel['committedSeeds']): Funnel['committedSeeds'] {
  const skipped = { ...a.skipped };
  for (const [k, v] of Object.entries(b.skipped)) skipped[k] = (skipped[k] ?? 0) + v;
  return { read: a.read + b.read, skipped };
}
