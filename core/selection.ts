import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SelectContext } from './hooks.js';
import type { Seed } from './record.js';

/** One seed a selector left out, as `selection/rejected.jsonl` holds it (one JSON object per line). */
export interface SelectionDrop {
  plugin: string;
  reason: string;
  category: string;
  seed: Seed;
}

/** One selector's line of the selection table, in the order the selectors run. */
export interface SelectorCount {
  plugin: string;
  /** Seeds that reached the selector. */
  in: number;
  /** Seeds it let through. */
  out: number;
  /** Seeds it dropped, by category. */
  dropped: Record<string, number>;
  /** Seeds neither let through nor dropped (a selector bug: every left-out seed must be dropped); 0 when the stream was read to its end. */
  unaccounted: number;
  /** Figures the selector reported (`SelectContext.report`). */
  report: Record<string, unknown>;
}

/** The selection table of run.json's `funnel.selection` and of `selection.json`. */
export interface SelectionSummary {
  /** Seeds the seed source gave the first selector. */
  read: number;
  /** Seeds the last selector let through. */
  selected: number;
  /** False while the selection stream has not been read to its end (an interrupted run, `--limit`). */
  complete: boolean;
  selectors: SelectorCount[];
}

/** Flush the rejected file's buffer at this many characters: sync writes without a line-per-syscall cost (our choice). */
const FLUSH_CHARS = 1 << 16;

/**
 * The ledger of one selection pass (`hooks.select`): counts what flows in and out of each selector,
 * writes every drop to `<dir>/rejected.jsonl` (truncated when the pass starts: a resumed run redoes
 * the selection) and holds the selectors' reports. `core/context-hooks.ts` gives each selector its
 * own view of it ({@link SelectionLedger.bind}).
 */
export class SelectionLedger {
  private readonly counts = new Map<string, SelectorCount>();
  private fd: number | undefined;
  private buffer = '';
  private finished = false;

  /**
   * @param dir the selection folder (`<run dir>/selection`), or undefined to keep drops in memory
   *   only (dry runs, the test kit: see {@link SelectionLedger.drops})
   */
  constructor(
    private readonly dir: string | undefined,
    readonly signal: AbortSignal,
    readonly dryRun: boolean,
    private readonly keep = dir === undefined,
  ) {}

  /** Drops recorded so far, when the ledger keeps them in memory. */
  readonly drops: SelectionDrop[] = [];

  /** The view of one selector: its SelectContext, and counters for the stream it reads and the one it returns. */
  bind(plugin: string): { ctx: SelectContext; countIn(seeds: AsyncIterable<Seed>): AsyncIterable<Seed>; countOut(seeds: AsyncIterable<Seed>): AsyncIterable<Seed> } {
    const entry = this.entry(plugin);
    const ctx: SelectContext = {
      signal: this.signal,
      dryRun: this.dryRun,
      dir: () => {
        if (!this.dir) throw new Error(`${plugin}: no selection folder in this context`);
        const d = join(this.dir, plugin.replace(/[:/\\]/g, '-'));
        mkdirSync(d, { recursive: true });
        return d;
      },
      drop: (seed, reason, category = 'other') => {
        entry.dropped[category] = (entry.dropped[category] ?? 0) + 1;
        this.write({ plugin, reason, category, seed });
      },
      report: (values) => Object.assign(entry.report, structuredClone(values)),
    };
    return {
      ctx,
      countIn: (seeds) => counted(seeds, () => (entry.in += 1)),
      countOut: (seeds) => counted(seeds, () => (entry.out += 1)),
    };
  }

  /** The selection table so far. */
  summary(): SelectionSummary {
    const selectors = [...this.counts.values()].map((c) => {
      const dropped = Object.values(c.dropped).reduce((a, b) => a + b, 0);
      return { ...structuredClone(c), unaccounted: this.finished ? c.in - c.out - dropped : 0 };
    });
    return { read: selectors[0]?.in ?? 0, selected: selectors.at(-1)?.out ?? 0, complete: this.finished, selectors };
  }

  /** The last selector's stream ended: every count is final. */
  finish(): void {
    this.finished = true;
    this.flush();
  }

  /** Flush and close the rejected file. */
  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private entry(plugin: string): SelectorCount {
    let e = this.counts.get(plugin);
    if (!e) this.counts.set(plugin, (e = { plugin, in: 0, out: 0, dropped: {}, unaccounted: 0, report: {} }));
    return e;
  }

  private write(drop: SelectionDrop): void {
    if (this.keep) this.drops.push(structuredClone(drop));
    if (!this.dir) return;
    if (this.fd === undefined) {
      mkdirSync(this.dir, { recursive: true });
      this.fd = openSync(join(this.dir, 'rejected.jsonl'), 'w');
    }
    this.buffer += `${JSON.stringify(drop)}\n`;
    if (this.buffer.length >= FLUSH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.fd === undefined || !this.buffer) return;
    writeSync(this.fd, this.buffer);
    this.buffer = '';
  }
}

async function* counted(seeds: AsyncIterable<Seed>, tick: () => void): AsyncGenerator<Seed> {
  for await (const seed of seeds) {
    tick();
    yield seed;
  }
}

/**
 * Run the `select` waterfall over a seed stream: each selector's output feeds the next; the
 * ledger is finished when the last stream ends. With no selector tapped, `seeds` is returned as is.
 */
export async function selectSeeds(hook: { isUsed(): boolean; promise(seeds: AsyncIterable<Seed>, ctx: SelectContext): Promise<AsyncIterable<Seed>> }, seeds: AsyncIterable<Seed>, ledger: SelectionLedger): Promise<AsyncIterable<Seed>> {
  if (!hook.isUsed()) return seeds;
  const out = await hook.promise(seeds, ledgerContext(ledger));
  return (async function* () {
    yield* out;
    ledger.finish();
  })();
}

const LEDGER = Symbol.for('instructsmith.selection.ledger');

/** The context the runner fires `select` with: carries the ledger for the per-plugin binding. */
function ledgerContext(ledger: SelectionLedger): SelectContext {
  const unbound = (): never => {
    throw new Error('a select tap outside a plugin context has no drop/report/dir: tap through ctx.hooks.select');
  };
  return { signal: ledger.signal, dryRun: ledger.dryRun, dir: unbound, drop: unbound, report: unbound, [LEDGER]: ledger } as SelectContext;
}

/** The ledger behind a SelectContext the runner made, if it is one. */
export function ledgerOf(ctx: unknown): SelectionLedger | undefined {
  return (ctx as Record<symbol, SelectionLedger> | undefined)?.[LEDGER];
}
