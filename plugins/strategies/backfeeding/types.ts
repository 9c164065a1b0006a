/**
 * Shapes shared by the backfeeding pieces (keyword extraction → normalisation → knowledge graph →
 * combination sampling → reconstruction), after Infinite-Instruct's backfeeding construction
 * (arXiv 2505.23177, "Backfeeding Construction": problem → keywords → knowledge graph → new problem).
 */

/**
 * The three keyword kinds of the paper: `task` (what the problem asks for, "implement an LRU
 * cache"), `instruction` (a requirement or constraint on the solution, "O(1) per operation"),
 * `knowledge` (a knowledge point the solution draws on, "doubly linked list").
 */
export const KEYWORD_KINDS = ['task', 'instruction', 'knowledge'] as const;
export type KeywordKind = (typeof KEYWORD_KINDS)[number];

/** Human labels, used in prompts, seeds and the picture legend. */
export const KIND_LABELS: Readonly<Record<KeywordKind, string>> = Object.freeze({
  task: 'task',
  instruction: 'instruction',
  knowledge: 'knowledge point',
});

/** Keywords the LLM extracted from one problem, before normalisation. */
export interface ExtractedKeywords {
  language: string;
  task: string[];
  instruction: string[];
  knowledge: string[];
}

/** One problem's keywords after normalisation: what the graph builder consumes. */
export interface ProblemKeywords {
  /** Id of the record the keywords came from (edge provenance). */
  problemId: string;
  language: string;
  /** Normalised keywords; duplicates within a problem are already merged. */
  keywords: Array<{ kind: KeywordKind; canonical: string; surface: string }>;
}

/**
 * Edge relations. Which one joins two keywords is fixed by their kinds (see `relationFor` in
 * graph.ts), so a pair of nodes carries at most one edge. The triple direction is kept on the edge
 * (`head` → `tail`) while the graph itself is undirected, because walks and Louvain communities
 * treat association symmetrically.
 */
export const RELATIONS = ['requires', 'applies', 'constrained-by', 'co-occurs'] as const;
export type Relation = (typeof RELATIONS)[number];

/** Node attributes. The node key is `${kind}:${canonical}`. */
export interface KeywordNode {
  kind: KeywordKind;
  /** The normalised keyword, also the label. */
  label: string;
  /** Problems the keyword occurred in. */
  count: number;
  /** Occurrences per language: the node belongs to each language's subgraph it has a count in. */
  languages: Record<string, number>;
  /** Distinct raw spellings merged into this node (first {@link MAX_VARIANTS}), to audit normalisation. */
  variants: string[];
  /** Louvain community id, set by `assignCommunities`. */
  community?: number;
}

/** Edge attributes: one typed, weighted triple with its provenance. */
export interface KeywordEdge {
  relation: Relation;
  /** Node key the triple starts from (`task:…` for `requires`); for `co-occurs` the smaller key. */
  head: string;
  tail: string;
  /** Number of problems in which both keywords occurred. */
  weight: number;
  /** Weight per language (per-language subgraphs are the edges with a weight in that language). */
  languages: Record<string, number>;
  /** Ids of every problem that produced this edge, in the order they were added. */
  provenance: string[];
}

/** Graph-level attributes saved with the graph. */
export interface KnowledgeGraphAttributes {
  format: 'instructsmith-backfeeding-graph';
  version: 1;
  /** Problems whose keywords were added. */
  problems: number;
  /** Problems per language. */
  languages: Record<string, number>;
  /** Louvain modularity of the community assignment, when computed. */
  modularity?: number;
  communities?: number;
}

/** Most raw spellings remembered per node; our choice, enough to audit merges without bloating the file. */
export const MAX_VARIANTS = 8;

/** A sampled keyword combination: connected in its language's subgraph. */
export interface KeywordCombination {
  language: string;
  /** Node keys in the order they were sampled (the first is the start node). */
  nodes: string[];
  keywords: Array<{ kind: KeywordKind; keyword: string }>;
  /** The edges that connected the combination when it was sampled, as triples. */
  triples: Array<{ head: string; relation: Relation; tail: string; weight: number }>;
  /** Problem ids that produced those edges (deduplicated, in first-seen order). */
  provenance: string[];
  /** Community of the start node; `crossCommunity` tells whether a member came from another. */
  community: number | null;
  crossCommunity: boolean;
}
