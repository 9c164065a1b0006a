import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UndirectedGraph } from 'graphology';
import forceAtlas2Module from 'graphology-layout-forceatlas2';
import type { SerializedGraph } from 'graphology-types';
import { InputError } from '../../../core/index.js';

/**
 * A part of the report that only some runs have. The page renders each by `kind`:
 * - `graph`: an interactive keyword graph (sigma.js), nodes with positions and the problems they occur in;
 * - `bars`: a bar chart, one dataset per series (a genetic run's population per generation and colony,
 *   a selection's seeds per selector and its tag distribution against the evaluation set's).
 */
export type ReportSection = GraphSection | BarsSection;

export interface GraphSection {
  kind: 'graph';
  id: string;
  title: string;
  /** One line under the title: what the drawing shows. */
  note: string;
  nodes: Array<{ key: string; label: string; kind: string; count: number; community: number; x: number; y: number; size: number; problems: string[] }>;
  edges: Array<{ source: string; target: string; weight: number; relation: string }>;
  /** Instruction first lines of the problems the nodes name (id -> text), for the hover panel. */
  titles: Record<string, string>;
  /** Nodes left out of the drawing (the lowest-degree ones) and why. */
  omitted: number;
}

export interface BarsSection {
  kind: 'bars';
  id: string;
  title: string;
  note: string;
  labels: string[];
  series: Array<{ name: string; values: number[] }>;
}

/** What a provider gets: the run directory, its run.json, and the instruction titles of the records it asked for. */
export interface SectionInput {
  runDir: string;
  run: Record<string, unknown>;
  titleOf(id: string): string | undefined;
}

/**
 * Looks at a run directory and returns its sections, or nothing when the run is not of its kind.
 * `wants` names the records whose instruction titles `build` needs (read in the same pass over the
 * JSONL files as the charts, so a run of millions keeps only those in memory).
 */
export interface SectionProvider {
  wants?(runDir: string): Set<string> | undefined;
  build(input: SectionInput): Promise<ReportSection[] | undefined> | ReportSection[] | undefined;
}

/**
 * The section providers, in page order. A run kind with its own data adds a provider here reading
 * the files its strategy writes or the figures in run.json.
 */
export const sectionProviders: SectionProvider[] = [{ build: selectionSections }, { wants: graphProblemIds, build: knowledgeGraphSection }, { build: geneticSections }];

/** run.json's `funnel.selection` (core's SelectionSummary; only the fields the report draws). */
interface SelectionTable {
  read: number;
  selected: number;
  selectors: Array<{ plugin: string; in: number; out: number; dropped: Record<string, number>; report?: { divergence?: { before: number; after: number }; level?: number; table?: Array<{ tag: string; eval: number; candidates: number; selected: number }> } }>;
}

/**
 * A run that selected its seeds from a pool (`hooks.select`, e.g. infinity-instruct): seeds in and
 * out of each selector, and, when distribution matching ran, each category's share of the
 * evaluation set, of the candidates and of the selection (Infinity Instruct, Phase 1).
 */
export function selectionSections({ run }: SectionInput): BarsSection[] | undefined {
  const sel = (run.funnel as { selection?: SelectionTable } | undefined)?.selection;
  if (!sel?.selectors?.length) return undefined;
  const sections: BarsSection[] = [
    {
      kind: 'bars',
      id: 'selection-funnel',
      title: 'Selection: seeds into and out of each selector',
      note: `${sel.read} pool rows read, ${sel.selected} selected; every row left out is in selection/rejected.jsonl with its reason.`,
      labels: sel.selectors.map((s) => s.plugin),
      series: [
        { name: 'in', values: sel.selectors.map((s) => s.in) },
        { name: 'out', values: sel.selectors.map((s) => s.out) },
      ],
    },
  ];
  const match = sel.selectors.find((s) => s.report?.table?.length && s.report.divergence);
  if (match) {
    const { table, divergence, level } = match.report!;
    const rows = [...table!].sort((a, b) => b.eval - a.eval);
    sections.push({
      kind: 'bars',
      id: 'selection-distribution',
      title: `Distribution matching (${match.plugin}): share of each level-${level ?? 2} tag`,
      note: `Jensen-Shannon divergence to the evaluation set: ${divergence!.before.toFixed(4)} for the candidates, ${divergence!.after.toFixed(4)} for the selection.`,
      labels: rows.map((r) => r.tag),
      series: (['eval', 'candidates', 'selected'] as const).map((k) => ({ name: k === 'eval' ? 'evaluation set' : k, values: rows.map((r) => r[k]) })),
    });
  }
  return sections;
}

/** A row of `genetic/generations.json` as strategy:genetic writes it (only the fields the report draws). */
interface GenerationRow {
  generation: number;
  colony: number | null;
  made: number;
  judgedOut: number;
  verifiedOut: number;
  duplicatesOut: number;
  kept: number;
  population: number;
}

/**
 * A genetic run's population per generation and colony, and what each generation made and lost,
 * from `genetic/generations.json` (rebuilt by strategy:genetic from the run's files after every pass).
 * @throws InputError naming the file when it is not the table's JSON
 */
export function geneticSections({ runDir }: SectionInput): BarsSection[] | undefined {
  const path = join(runDir, 'genetic', 'generations.json');
  if (!existsSync(path)) return undefined;
  let rows: GenerationRow[];
  try {
    rows = (JSON.parse(readFileSync(path, 'utf8')) as { rows: GenerationRow[] }).rows;
    if (!Array.isArray(rows)) throw new Error('no "rows" array');
  } catch (err) {
    throw new InputError(path, undefined, `not the generation table (${(err as Error).message})`, { hint: 'rerun the run to rewrite it' });
  }
  const generations = [...new Set(rows.map((r) => r.generation))].sort((a, b) => a - b);
  const colonies = [...new Set(rows.filter((r) => r.colony !== null).map((r) => r.colony!))].sort((a, b) => a - b);
  const at = (g: number, c: number | null) => rows.find((r) => r.generation === g && r.colony === c);
  const seed = at(0, null)?.population ?? 0;
  const population: BarsSection = {
    kind: 'bars',
    id: 'genetic-population',
    title: 'Population per generation and colony (genetic)',
    note: `Each colony starts from the seed population (${seed}) and grows by its kept children; from genetic/generations.json.`,
    labels: generations.map(String),
    series: colonies.map((c) => ({ name: `colony ${c}`, values: generations.map((g) => (g === 0 ? seed : (at(g, c)?.population ?? 0))) })),
  };
  const sum = (g: number, key: keyof GenerationRow) => rows.filter((r) => r.generation === g).reduce((a, r) => a + Number(r[key] ?? 0), 0);
  const funnel: BarsSection = {
    kind: 'bars',
    id: 'genetic-generations',
    title: 'Per generation: made, judged out, verified out, duplicates out, kept (genetic)',
    note: 'Summed over colonies.',
    labels: generations.map(String),
    series: (['made', 'judgedOut', 'verifiedOut', 'duplicatesOut', 'kept'] as const).map((k) => ({ name: k, values: generations.map((g) => sum(g, k)) })),
  };
  return [population, funnel];
}

/** Keywords drawn at most: the highest-degree ones; a browser lays out more, but nobody reads them. Our choice. */
export const MAX_GRAPH_NODES = 2000;
/** Problems listed per keyword in the hover panel; our choice. */
const MAX_PROBLEMS_PER_NODE = 50;
// ForceAtlas2 iterations; enough to settle a few thousand nodes (our choice).
const LAYOUT_ITERATIONS = 300;

// graphology's companions are CommonJS with `export default` typings: Node hands over the function itself, tsc expects `.default`.
const forceAtlas2 = ((forceAtlas2Module as unknown as { default?: unknown }).default ?? forceAtlas2Module) as unknown as typeof forceAtlas2Module.default;

function readGraph(runDir: string): SerializedGraph | undefined {
  const path = join(runDir, 'graph', 'graph.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SerializedGraph;
  } catch (err) {
    throw new InputError(path, undefined, `not valid JSON (${(err as Error).message})`, { hint: 'rerun `instructsmith graph` or the run to rewrite it' });
  }
}

/** Record ids in the graph's edge provenance: the problems the hover panel lists. */
function graphProblemIds(runDir: string): Set<string> | undefined {
  const data = readGraph(runDir);
  if (!data) return undefined;
  return new Set((data.edges ?? []).flatMap((e) => ((e.attributes as { provenance?: string[] } | undefined)?.provenance ?? [])));
}

/**
 * The backfeeding knowledge graph (`graph/graph.json`, graphology's serialisation written by
 * strategy:backfeeding): positions by ForceAtlas2 (deterministic start on a circle by node order), size
 * by problems, and per keyword the record ids of the problems it occurs in (union of its edges' provenance).
 */
export function knowledgeGraphSection(input: SectionInput): ReportSection[] | undefined {
  const data = readGraph(input.runDir);
  if (!data) return undefined;
  const full = new UndirectedGraph({ multi: false, allowSelfLoops: false });
  full.import(data as never);
  const keep = full
    .nodes()
    .sort((a, b) => full.degree(b) - full.degree(a) || a.localeCompare(b))
    .slice(0, MAX_GRAPH_NODES);
  const g = full.copy();
  const kept = new Set(keep);
  for (const n of full.nodes()) if (!kept.has(n)) g.dropNode(n);
  const order = g.nodes();
  order.forEach((n, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, order.length);
    g.setNodeAttribute(n, 'x', Math.cos(angle) * 100);
    g.setNodeAttribute(n, 'y', Math.sin(angle) * 100);
  });
  if (g.order > 1) forceAtlas2.assign(g, { iterations: LAYOUT_ITERATIONS, settings: { ...forceAtlas2.inferSettings(g), linLogMode: true, barnesHutOptimize: g.order > 500 }, getEdgeWeight: 'weight' });

  const problems = new Map<string, Set<string>>(order.map((n) => [n, new Set()]));
  g.forEachEdge((_e, a, s, t) => {
    for (const id of (a.provenance as string[] | undefined) ?? []) {
      problems.get(s)!.add(id);
      problems.get(t)!.add(id);
    }
  });
  const titles: Record<string, string> = {};
  const maxCount = Math.max(1, ...order.map((n) => Number(g.getNodeAttribute(n, 'count') ?? 1)));
  const nodes = order.map((n) => {
    const a = g.getNodeAttributes(n);
    const ids = [...problems.get(n)!].slice(0, MAX_PROBLEMS_PER_NODE);
    for (const id of ids) {
      const t = input.titleOf(id);
      if (t) titles[id] = t;
    }
    const count = Number(a.count ?? 1);
    return { key: n, label: String(a.label ?? n), kind: String(a.kind ?? ''), count, community: Number(a.community ?? -1), x: a.x as number, y: a.y as number, size: 4 + 14 * Math.sqrt(count / maxCount), problems: ids };
  });
  const edges: GraphSection['edges'] = [];
  g.forEachEdge((_e, a, s, t) => edges.push({ source: s, target: t, weight: Number(a.weight ?? 1), relation: String(a.relation ?? '') }));
  return [
    {
      kind: 'graph',
      id: 'knowledge-graph',
      title: 'Knowledge graph (backfeeding)',
      note: `${full.order} keywords, ${full.size} edges; colour = Louvain community, size = problems the keyword occurs in. Scroll to zoom, drag to pan, hover a keyword for its problems.`,
      nodes,
      edges,
      titles,
      omitted: full.order - g.order,
    },
  ];
}
