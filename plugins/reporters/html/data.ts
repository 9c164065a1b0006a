import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InputError, type SampleRecord } from '../../../core/index.js';
import { sectionProviders, type ReportSection } from './sections.js';

/** Price of a model in US dollars per million tokens (the user's figures; we ship none). */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

/** Options that shape the report data. */
export interface ReportDataOptions {
  /**
   * Records embedded in the page for the sample browser. Above it the page loads samples.jsonl and
   * rejected.jsonl itself (fetch over http, a file picker over file://). Every chart is computed here
   * over all records, whatever the cap.
   */
  embedCap: number;
  /** Prices per model id (`openai:gpt-4o-mini`); a model without one shows tokens and no cost. */
  prices: Record<string, ModelPrice>;
}

/** Records embedded by default: about 2 000 typical records keep the page under ~10 MB; our choice. */
export const DEFAULT_EMBED_CAP = 2000;

/** Counts in bins [0,1), [1,2), ... [9,10] of a judge's 0-10 scale (the last bin closed). */
export type Histogram = number[];

/** Token usage of one (plugin, model) pair, from the records' `usage` entries. */
export interface UsageRow {
  plugin: string;
  /** The stage the plugin's calls serve, from its kind (`judge:` calls at `judged` or `verified`). */
  stage: string;
  model: string;
  calls: number;
  cachedCalls: number;
  promptTokens: number;
  completionTokens: number;
  /** US dollars; absent when no price was given for the model. */
  cost?: number;
}

/** Everything the page shows; serialised into it as JSON. */
export interface ReportData {
  version: 1;
  generatedAt: string;
  runDir: string;
  run: { name?: string; preset?: string; paper?: string; status?: string; startedAt?: string; finishedAt?: string; durationMs?: number; resumed?: boolean };
  /** run.json's funnel, unchanged: the numbers the page shows are the run's own. */
  funnel: RunFunnel;
  /** Score histograms per judge, per dimension (plus `score`, the aggregate). */
  scores: Record<string, Record<string, Histogram>>;
  languages: Record<string, { kept: number; rejected: number }>;
  /** Diagnostics per `tool rule`, by severity, over every check of every record. */
  diagnostics: Record<string, { error: number; warning: number; info: number }>;
  /** Checks other than static analysis (execution: sandbox runs, test cases), per plugin/tool. */
  executions: Record<string, { passed: number; failed: number; skipped: number }>;
  usage: { byModel: Record<string, { calls: number; cachedCalls: number; promptTokens: number; completionTokens: number; cost?: number }>; rows: UsageRow[] };
  /** Sections contributed by run-kind providers (knowledge graph; see sections.ts for adding more). */
  sections: ReportSection[];
  /** Filter values over all records, so the browser's menus are complete before lazy loading. */
  facets: { stages: string[]; reasons: string[]; languages: string[]; strategies: string[] };
  samples: { total: number; kept: number; rejected: number; embedded: SampleRecord[]; embedCap: number; complete: boolean };
}

/** The funnel as run.json stores it (core/runner/funnel.ts). */
export interface RunFunnel {
  seeds: { read: number; skipped: Record<string, number> };
  stages: Record<string, { in: number; out: number; dropped: Record<string, number> }>;
  verification?: unknown;
  kept: number;
  rejected: number;
}

/** Run-directory file names (core/runner/store.ts RUN_FILES; plugins see only the public entry). */
export const RUN_FILES = { samples: 'samples.jsonl', rejected: 'rejected.jsonl', run: 'run.json' } as const;

/** The key a drop is counted under in the funnel: `plugin/category` (core/runner/funnel.ts). */
export function dropKey(record: Pick<SampleRecord, 'dropped'>): string | undefined {
  return record.dropped ? `${record.dropped.plugin}/${record.dropped.category ?? 'other'}` : undefined;
}

/**
 * Read a run directory (run.json, samples.jsonl, rejected.jsonl, and whatever the section providers
 * read, e.g. graph/graph.json) and compute what the report shows. Streams the JSONL files, so memory
 * grows with the embed cap and the number of distinct keys, not with the run.
 * @throws InputError naming the file (and line) when run.json is missing or a line is not JSON.
 */
export async function buildReportData(runDir: string, options: ReportDataOptions): Promise<ReportData> {
  const runPath = join(runDir, RUN_FILES.run);
  if (!existsSync(runPath)) throw new InputError(runPath, undefined, 'not found: not a run directory', { hint: 'give the --out directory of an `instructsmith run`' });
  let run: Record<string, unknown>;
  try {
    run = JSON.parse(readFileSync(runPath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new InputError(runPath, undefined, `not valid JSON (${(err as Error).message})`, { hint: 'a run still being written is fine; a damaged one: rerun the same command' });
  }
  const funnel = (run.funnel ?? { seeds: { read: 0, skipped: {} }, stages: {}, kept: 0, rejected: 0 }) as RunFunnel;

  const wanted = new Set<string>();
  for (const provider of sectionProviders) for (const id of provider.wants?.(runDir) ?? []) wanted.add(id);
  const acc = new Accumulator(options, wanted);
  const kept = await acc.readFile(join(runDir, RUN_FILES.samples), Math.ceil(options.embedCap * share(funnel.kept, funnel.rejected)));
  const rejected = await acc.readFile(join(runDir, RUN_FILES.rejected), options.embedCap - acc.embedded.length);
  const sections: ReportSection[] = [];
  for (const provider of sectionProviders) {
    const s = await provider.build({ runDir, run, titleOf: (id) => acc.titles.get(id) });
    if (s) sections.push(...s);
  }
  return {
    version: 1,
    generatedAt: new Date().toISOString(),
    runDir,
    run: pick(run, ['name', 'preset', 'paper', 'status', 'startedAt', 'finishedAt', 'durationMs', 'resumed']),
    funnel,
    scores: acc.scores,
    languages: acc.languages,
    diagnostics: acc.diagnostics,
    executions: acc.executions,
    usage: acc.usage((run.usage ?? {}) as ReportData['usage']['byModel']),
    sections,
    facets: {
      stages: [...acc.stages].sort(),
      reasons: [...acc.reasons].sort(),
      languages: [...acc.languageSet].sort(),
      strategies: [...acc.strategies].sort(),
    },
    samples: { total: kept + rejected, kept, rejected, embedded: acc.embedded, embedCap: options.embedCap, complete: acc.embedded.length === kept + rejected },
  };
}

function share(kept: number, rejected: number): number {
  return kept + rejected === 0 ? 1 : kept / (kept + rejected);
}

function pick(o: Record<string, unknown>, keys: string[]): ReportData['run'] {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as ReportData['run'];
}

/** Stage a plugin's LLM calls serve, from its kind; judges are told apart by the record's drop stage elsewhere. */
function stageOfPlugin(plugin: string): string {
  const kind = plugin.split(':')[0];
  return { strategy: 'synthesized', judge: 'judged', responder: 'responded', analyzer: 'verified', filter: 'filtered' }[kind ?? ''] ?? kind ?? 'other';
}

// Instruction titles kept for graph hover panels: the first line, clipped; our choice of length.
const TITLE_CHARS = 140;

class Accumulator {
  readonly embedded: SampleRecord[] = [];
  readonly scores: ReportData['scores'] = {};
  readonly languages: ReportData['languages'] = {};
  readonly diagnostics: ReportData['diagnostics'] = {};
  readonly executions: ReportData['executions'] = {};
  readonly stages = new Set<string>();
  readonly reasons = new Set<string>();
  readonly languageSet = new Set<string>();
  readonly strategies = new Set<string>();
  readonly titles = new Map<string, string>();
  private readonly rows = new Map<string, UsageRow>();

  constructor(
    private readonly options: ReportDataOptions,
    /** Records whose titles section providers asked for. */
    private readonly wantedTitles: ReadonlySet<string>,
  ) {}

  /** Stream one JSONL file; embed up to `room` records. Returns the number of records read (0 when absent). */
  async readFile(path: string, room: number): Promise<number> {
    if (!existsSync(path)) return 0;
    let n = 0;
    let lineNo = 0;
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      lineNo += 1;
      if (!line.trim()) continue;
      let record: SampleRecord;
      try {
        record = JSON.parse(line) as SampleRecord;
      } catch {
        // The last line of a run killed mid-write may be partial; the run's resume cuts it. Anything else is damage.
        throw new InputError(path, lineNo, 'not a JSON record', { hint: 'a killed run: rerun the same `instructsmith run` command to repair it, then report again' });
      }
      n += 1;
      this.add(record);
      if (this.embedded.length < this.options.embedCap && room > 0) {
        this.embedded.push(record);
        room -= 1;
      }
    }
    return n;
  }

  private add(r: SampleRecord): void {
    const stage = r.dropped ? r.dropped.stage : 'kept';
    this.stages.add(stage);
    const key = dropKey(r);
    if (key) this.reasons.add(key);
    this.languageSet.add(r.language);
    this.strategies.add(r.lineage?.strategy ?? 'unknown');
    const lang = (this.languages[r.language] ??= { kept: 0, rejected: 0 });
    if (r.dropped) lang.rejected += 1;
    else lang.kept += 1;
    const first = this.wantedTitles.has(r.id) ? r.messages?.find((m) => m.role === 'user')?.content : undefined;
    if (first) this.titles.set(r.id, first.split('\n')[0]!.slice(0, TITLE_CHARS));

    for (const v of r.scores ?? []) {
      const judge = (this.scores[v.judge] ??= {});
      bin((judge.score ??= emptyHistogram()), v.score);
      for (const [dim, value] of Object.entries(v.dimensions ?? {})) bin((judge[dim] ??= emptyHistogram()), value);
    }
    for (const c of r.checks ?? []) {
      if (c.plugin.startsWith('analyzer:')) {
        for (const d of c.diagnostics) {
          const code = `${d.tool} ${d.rule}`;
          const row = (this.diagnostics[code] ??= { error: 0, warning: 0, info: 0 });
          row[d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'info'] += 1;
        }
      } else {
        const row = (this.executions[`${c.plugin} ${c.tool}`] ??= { passed: 0, failed: 0, skipped: 0 });
        row[c.skipped ? 'skipped' : c.passed ? 'passed' : 'failed'] += 1;
      }
    }
    for (const u of r.usage ?? []) {
      const id = `${u.plugin}\u0000${u.model}`;
      const row = this.rows.get(id) ?? { plugin: u.plugin, stage: stageOfPlugin(u.plugin), model: u.model, calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0 };
      if (u.cached) row.cachedCalls += 1;
      else row.calls += 1;
      row.promptTokens += u.promptTokens;
      row.completionTokens += u.completionTokens;
      this.rows.set(id, row);
    }
  }

  /** Usage per model (run.json's totals, which include calls of no record, e.g. keyword extraction) and per plugin. */
  usage(byModel: ReportData['usage']['byModel']): ReportData['usage'] {
    const cost = (model: string, prompt: number, completion: number) => {
      const p = this.options.prices[model];
      return p ? (prompt * p.inputPerMTok + completion * p.outputPerMTok) / 1e6 : undefined;
    };
    const models = Object.fromEntries(
      Object.entries(byModel).map(([m, u]) => [m, { ...u, ...(cost(m, u.promptTokens, u.completionTokens) !== undefined ? { cost: cost(m, u.promptTokens, u.completionTokens) } : {}) }]),
    );
    const rows = [...this.rows.values()].map((r) => {
      const c = cost(r.model, r.promptTokens, r.completionTokens);
      return c === undefined ? r : { ...r, cost: c };
    });
    return { byModel: models, rows: rows.sort((a, b) => a.stage.localeCompare(b.stage) || a.plugin.localeCompare(b.plugin) || a.model.localeCompare(b.model)) };
  }
}

function emptyHistogram(): Histogram {
  return Array.from({ length: 10 }, () => 0);
}

function bin(h: Histogram, value: number): void {
  if (!Number.isFinite(value)) return;
  h[Math.min(9, Math.max(0, Math.floor(value)))]! += 1;
}
