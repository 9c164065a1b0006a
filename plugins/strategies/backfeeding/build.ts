import type { PluginLlmClient, PluginContext, SampleRecord } from '../../../core/index.js';
import { type ExtractionOutcome, extractKeywords } from './extract.js';
import { addProblem, createKnowledgeGraph, type KnowledgeGraph, normalizeProblem } from './graph.js';
import type { AliasTable } from './normalize.js';

/** What building the graph from records reports (saved in stats.json under `extraction`). */
export interface ExtractionReport {
  /** Records read from the source stream. */
  records: number;
  /** Records whose keywords went into the graph. */
  added: number;
  /** Records that gave no keywords, each with the reason (never passed over silently). */
  failed: Array<{ id: string; reason: string }>;
  /** Raw keywords skipped because they held no letter or digit. */
  emptyKeywords: number;
  /** LLM tokens spent on extraction (cached replies count 0). */
  promptTokens: number;
  completionTokens: number;
}

export interface BuildOptions {
  plugin: string;
  aliases?: AliasTable;
  maxPerKind: number;
  maxTokens: number;
  /** Extraction calls in flight at once; records are added in stream order whatever the timing. */
  concurrency: number;
  signal?: AbortSignal;
  onRecord?: (done: number) => void;
}

/**
 * The knowledge graph as records are added to it, in the order they come: the same records in the
 * same order give the same graph (node and edge order included, which Louvain and the sampler
 * follow), whatever the order in which their extractions finished.
 */
export class GraphBuilder {
  readonly graph: KnowledgeGraph = createKnowledgeGraph();
  readonly report: ExtractionReport = { records: 0, added: 0, failed: [], emptyKeywords: 0, promptTokens: 0, completionTokens: 0 };

  constructor(private readonly opts: Pick<BuildOptions, 'aliases' | 'maxPerKind'>) {}

  /** Add the next record with its extraction outcome (a failure is recorded in the report, with its reason). */
  add(record: SampleRecord, o: ExtractionOutcome): void {
    this.report.records++;
    if (!o.ok) {
      this.report.failed.push({ id: record.id, reason: o.reason });
      return;
    }
    for (const u of o.usage) {
      if (u.cached) continue;
      this.report.promptTokens += u.promptTokens;
      this.report.completionTokens += u.completionTokens;
    }
    const { problem, empty } = normalizeProblem(record.id, o.keywords, this.opts.aliases, this.opts.maxPerKind);
    this.report.emptyKeywords += empty.length;
    if (problem.keywords.length === 0) {
      this.report.failed.push({ id: record.id, reason: 'no usable keyword after normalisation' });
      return;
    }
    addProblem(this.graph, problem);
    this.report.added++;
  }
}

/**
 * Build the knowledge graph from a stream of records: extract each problem's keywords (one cached
 * structured LLM call per record, `concurrency` at a time), normalise them, and add them in stream
 * order, so the graph is the same whatever the call timing. Memory holds the graph plus the window.
 * `into`: a builder already holding earlier records, which these follow.
 * @throws LlmError of a fatal kind; the caller lets it stop the run.
 */
export async function buildGraphFromRecords(
  records: AsyncIterable<SampleRecord>,
  ctx: Pick<PluginContext, 'templates' | 'drop'>,
  llm: PluginLlmClient,
  opts: BuildOptions,
  into: GraphBuilder = new GraphBuilder(opts),
): Promise<{ graph: KnowledgeGraph; report: ExtractionReport }> {
  // A sliding window, not batches: a new call starts as soon as the oldest is added, so the LLM
  // limiter (which decides what is actually in flight) never waits for a batch's slowest call.
  const window: Array<{ record: SampleRecord; outcome: Promise<ExtractionOutcome> }> = [];
  let added = 0;
  const takeOldest = async () => {
    const { record, outcome } = window.shift()!;
    into.add(record, await outcome);
    if (++added % opts.concurrency === 0 || window.length === 0) opts.onRecord?.(added);
  };
  for await (const record of records) {
    if (opts.signal?.aborted) break;
    const outcome = extractKeywords(ctx, llm, record, opts);
    // A fatal failure is re-thrown when its turn comes; until then it must not count as unhandled.
    outcome.catch(() => undefined);
    window.push({ record, outcome });
    if (window.length >= opts.concurrency) await takeOldest();
  }
  while (window.length) await takeOldest();
  return { graph: into.graph, report: into.report };
}
