import { UndirectedGraph } from 'graphology';
import {
  type ExtractedKeywords,
  KEYWORD_KINDS,
  type KeywordEdge,
  type KeywordKind,
  type KeywordNode,
  type KnowledgeGraphAttributes,
  MAX_VARIANTS,
  type ProblemKeywords,
  type Relation,
} from './types.js';
import { type AliasTable, normalizeKeyword } from './normalize.js';

/** The keyword knowledge graph: undirected, simple (one edge per node pair), typed and weighted. */
export type KnowledgeGraph = UndirectedGraph<KeywordNode, KeywordEdge, KnowledgeGraphAttributes>;

/** Node key of a keyword: `${kind}:${canonical}` (a concept of another kind is another node). */
export function nodeKey(kind: KeywordKind, canonical: string): string {
  return `${kind}:${canonical}`;
}

/** The kind of a node key. @throws Error for a key that is not `kind:keyword`. */
export function kindOf(key: string): KeywordKind {
  const kind = key.slice(0, key.indexOf(':'));
  if (kind !== 'task' && kind !== 'instruction' && kind !== 'knowledge') throw new Error(`"${key}" is not a keyword node key (kind:keyword)`);
  return kind;
}

/**
 * The relation between two keywords of one problem and its direction (our reading of the paper's
 * triples): a task `requires` a knowledge point, an instruction `applies` a knowledge point, a task
 * is `constrained-by` an instruction, and keywords of the same kind `co-occur`.
 */
export function relationFor(a: string, b: string): { relation: Relation; head: string; tail: string } {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === kb) return a < b ? { relation: 'co-occurs', head: a, tail: b } : { relation: 'co-occurs', head: b, tail: a };
  // Order the pair as (task, instruction, knowledge) so each relation has one direction.
  const [head, tail, kh, kt] = KIND_RANK[ka] < KIND_RANK[kb] ? [a, b, ka, kb] : [b, a, kb, ka];
  if (kt === 'knowledge') return { relation: kh === 'task' ? 'requires' : 'applies', head, tail };
  return { relation: 'constrained-by', head, tail };
}

const KIND_RANK: Readonly<Record<KeywordKind, number>> = { task: 0, instruction: 1, knowledge: 2 };

/** An empty knowledge graph. */
export function createKnowledgeGraph(): KnowledgeGraph {
  const graph: KnowledgeGraph = new UndirectedGraph({ allowSelfLoops: false });
  graph.replaceAttributes({ format: 'instructsmith-backfeeding-graph', version: 1, problems: 0, languages: {} });
  return graph;
}

/** What `normalizeProblem` reports beside the keywords: raw keywords that normalised to nothing. */
export interface NormalizeOutcome {
  problem: ProblemKeywords;
  /** Raw keywords with no letters or digits, skipped (reported in stats, never silently lost). */
  empty: string[];
}

/**
 * Normalise one problem's extracted keywords and merge duplicates (same kind and canonical form).
 * `maxPerKind` caps keywords per kind in the order the model listed them (our choice, default 8:
 * a problem with 30 "keywords" adds 435 edges of noise).
 */
export function normalizeProblem(problemId: string, extracted: ExtractedKeywords, aliases?: AliasTable, maxPerKind = 8): NormalizeOutcome {
  const seen = new Set<string>();
  const keywords: ProblemKeywords['keywords'] = [];
  const empty: string[] = [];
  for (const kind of KEYWORD_KINDS) {
    let taken = 0;
    for (const surface of extracted[kind]) {
      const canonical = normalizeKeyword(surface, aliases);
      if (!canonical) {
        empty.push(surface);
        continue;
      }
      const key = nodeKey(kind, canonical);
      if (seen.has(key) || taken >= maxPerKind) continue;
      seen.add(key);
      taken++;
      keywords.push({ kind, canonical, surface: surface.trim() });
    }
  }
  return { problem: { problemId, language: extracted.language, keywords }, empty };
}

/**
 * Add one problem's keywords: a node per keyword (count +1, language count +1) and an edge per
 * keyword pair (weight +1, language weight +1, problem id appended to provenance). Cost is
 * O(k²) for k keywords, so building is linear in the number of edge occurrences.
 */
export function addProblem(graph: KnowledgeGraph, problem: ProblemKeywords): void {
  const lang = problem.language;
  const keys: string[] = [];
  for (const kw of problem.keywords) {
    const key = nodeKey(kw.kind, kw.canonical);
    keys.push(key);
    if (!graph.hasNode(key)) {
      graph.addNode(key, { kind: kw.kind, label: kw.canonical, count: 1, languages: { [lang]: 1 }, variants: [kw.surface] });
      continue;
    }
    const node = graph.getNodeAttributes(key);
    node.count++;
    node.languages[lang] = (node.languages[lang] ?? 0) + 1;
    if (node.variants.length < MAX_VARIANTS && !node.variants.includes(kw.surface)) node.variants.push(kw.surface);
  }
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const a = keys[i] as string;
      const b = keys[j] as string;
      const edge = graph.edge(a, b);
      if (edge === undefined) {
        const { relation, head, tail } = relationFor(a, b);
        // Keyed by insertion order: graphology's generated keys number graph instances in the process,
        // so the saved graph would depend on how many graphs the process had made before this one.
        graph.addEdgeWithKey(`e${graph.size}`, head, tail, { relation, head, tail, weight: 1, languages: { [lang]: 1 }, provenance: [problem.problemId] });
        continue;
      }
      const attrs = graph.getEdgeAttributes(edge);
      attrs.weight++;
      attrs.languages[lang] = (attrs.languages[lang] ?? 0) + 1;
      attrs.provenance.push(problem.problemId);
    }
  }
  const meta = graph.getAttributes();
  meta.problems++;
  meta.languages[lang] = (meta.languages[lang] ?? 0) + 1;
}

/**
 * The subgraph of one language: nodes with an occurrence in it and edges with a weight in it (edge
 * weight becomes that language's weight). A copy; the full graph is untouched. Edge provenance is
 * copied whole: it lists the problems of every language that produced the edge.
 */
export function languageSubgraph(graph: KnowledgeGraph, language: string): KnowledgeGraph {
  const sub = createKnowledgeGraph();
  sub.mergeAttributes({ problems: graph.getAttribute('languages')[language] ?? 0, languages: { [language]: graph.getAttribute('languages')[language] ?? 0 } });
  graph.forEachNode((key, attrs) => {
    const n = attrs.languages[language];
    if (n) sub.addNode(key, { ...attrs, count: n, languages: { [language]: n } });
  });
  graph.forEachEdge((edge, attrs, source, target) => {
    const w = attrs.languages[language];
    if (w) sub.addEdgeWithKey(edge, source, target, { ...attrs, weight: w, languages: { [language]: w } });
  });
  return sub;
}

/** Languages of the graph, most problems first, ties by name. */
export function graphLanguages(graph: KnowledgeGraph): string[] {
  const langs = graph.getAttribute('languages');
  return Object.keys(langs).sort((a, b) => (langs[b] ?? 0) - (langs[a] ?? 0) || a.localeCompare(b));
}
