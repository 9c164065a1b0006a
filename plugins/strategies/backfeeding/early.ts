import type { PluginContext, PluginLlmClient, SampleRecord } from '../../../core/index.js';
import { type BuildOptions, GraphBuilder } from './build.js';
import { type ExtractionOutcome, extractKeywords } from './extract.js';

/**
 * Extractions of this many first-pass records may wait at background priority at once; later ones
 * go at normal priority until the backlog shrinks. Our choice: the last seeds of a pass run about
 * six calls deep (~1.2 s at 200 ms), which at 64 slots leaves ~400 slots to fill; each waiting
 * extraction holds its record (a few KB), so a million-seed pass stays within a few MB.
 */
export const MAX_BACKGROUND_EXTRACTIONS = 1024;

/**
 * The knowledge graph built while the first pass runs (issue #15's pipelining): each record kept in
 * the first pass has its keywords extracted at once, at background priority (the call takes only
 * slots the pass leaves idle, above all those its last seeds leave at its end), and is added to the
 * graph in kept order, which is the order `DerivedSeedQuery.kept()` reads them back. So at the pass
 * barrier the graph is there, or nearly, instead of every extraction starting then.
 *
 * It covers the pass only if it saw every kept record from the first one: a run resumed inside the
 * first pass did not, and {@link covers} then says to build the graph from the run directory (the
 * calls already made answer from the cache).
 */
export class FirstPassGraph {
  private readonly builder: GraphBuilder;
  /** Records seen, in kept order. */
  private seen = 0;
  /** Extractions started and not yet added to the graph. */
  private waiting = 0;
  /** Records kept and not yet started (they start on the next turn of the event loop; see `push`). */
  private queued: SampleRecord[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private closed = false;

  constructor(
    private readonly ctx: Pick<PluginContext, 'templates' | 'drop'>,
    private readonly llm: () => PluginLlmClient,
    private readonly opts: Pick<BuildOptions, 'plugin' | 'aliases' | 'maxPerKind' | 'maxTokens'> & { onRecord?: (done: number) => void },
  ) {
    this.builder = new GraphBuilder(opts);
  }

  /**
   * A record was kept in the first pass. Its call starts on the next turn of the event loop: the
   * runner checkpoints right after the `kept` hook, and a call counted there but killed before it was
   * sent would be counted again by the resumed run (core's `kept` hook docstring).
   */
  push(record: SampleRecord): void {
    if (this.closed) return;
    this.seen++;
    if (this.queued.push(record) === 1) setImmediate(() => this.start());
  }

  /** True when the graph holds the first `kept` records of the run, i.e. every one the barrier would read. */
  covers(kept: number): boolean {
    return this.seen === kept;
  }

  /**
   * Stop taking records and wait for every extraction to be added.
   * @throws the first fatal LlmError an extraction met (the run cannot go on)
   */
  async finish(): Promise<GraphBuilder> {
    this.start();
    this.closed = true;
    await this.chain;
    if (this.failure) throw this.failure.error;
    return this.builder;
  }

  private start(): void {
    for (const record of this.queued.splice(0)) {
      const priority = this.waiting < MAX_BACKGROUND_EXTRACTIONS ? 'background' : 'normal';
      this.waiting++;
      const outcome: Promise<ExtractionOutcome> = extractKeywords(this.ctx, this.llm(), record, { ...this.opts, priority });
      // A fatal failure is re-thrown by `finish`; until then it must not count as unhandled.
      outcome.catch(() => undefined);
      this.chain = this.chain.then(async () => {
        try {
          this.builder.add(record, await outcome);
          this.opts.onRecord?.(this.builder.report.records);
        } catch (error) {
          this.failure ??= { error };
        } finally {
          this.waiting--;
        }
      });
    }
  }
}
