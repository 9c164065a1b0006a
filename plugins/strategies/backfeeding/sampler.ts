import type { KnowledgeGraph } from './graph.js';
import { type Rng, createRng, randomInt, shuffle } from './rng.js';
import { type KeywordCombination, type KeywordKind } from './types.js';

/** How combinations are drawn. Every number is our choice; the paper does not give them. */
export interface SamplerOptions {
  /** Fewest and most keywords per combination (inclusive); the size is uniform in between. */
  minKeywords: number;
  maxKeywords: number;
  /** Kinds every combination must contain when its neighbourhood offers them (a problem needs a task). */
  requireKinds: KeywordKind[];
  /** Chance per growth step to accept a neighbour outside the start node's Louvain community. */
  crossCommunity: number;
  /** Neighbours examined per growth step: bounds the cost at hubs. */
  candidates: number;
  /** Starts tried for one combination before the sampler reports it is exhausted. */
  maxAttempts: number;
  /** Most provenance ids kept per combination (the first ones met). */
  maxProvenance: number;
  seed: number;
}

export const DEFAULT_SAMPLER_OPTIONS: Readonly<SamplerOptions> = Object.freeze({
  minKeywords: 3,
  maxKeywords: 5,
  requireKinds: ['task', 'knowledge'] as KeywordKind[],
  crossCommunity: 0.15,
  candidates: 16,
  maxAttempts: 64,
  maxProvenance: 20,
  seed: 0,
});

const KIND_INDEX: Readonly<Record<KeywordKind, number>> = { task: 0, instruction: 1, knowledge: 2 };

/**
 * Connected, never-repeated keyword combinations from one language's subgraph.
 *
 * Construction is O(nodes + edges) into compressed adjacency arrays (CSR); each combination then
 * costs O(maxKeywords × candidates), independent of graph size. The policy (our choice, after the
 * paper's "sample connected keyword combinations" in its backfeeding construction):
 * - **Coverage first.** Start nodes come from a seeded permutation of all nodes; a node already in an
 *   earlier combination is passed over until every node with an edge has been in one, then a new
 *   round starts. So the long tail is reached before hubs repeat.
 * - **Connected growth.** Each new keyword is a neighbour of a keyword already chosen, picked among
 *   sampled neighbours with probability ∝ √weight / ((1 + uses) · √degree): the √degree divisor
 *   cancels the pull of hubs that uniform neighbour picks have; `uses` favours unused keywords.
 * - **Community-aware.** A neighbour outside the start node's Louvain community is only taken with
 *   probability `crossCommunity` per step (or when nothing inside is reachable), keeping combinations
 *   coherent while allowing bridges.
 * - **Kinds.** Slots are reserved for `requireKinds` missing so far, if the neighbourhood has them.
 * - **No repeats.** A combination whose node set was drawn before is discarded and drawn again.
 */
export class CombinationSampler {
  readonly language: string;
  private readonly graph: KnowledgeGraph;
  private readonly opts: SamplerOptions;
  private readonly rng: Rng;
  private readonly keys: string[];
  private readonly offsets: Int32Array;
  private readonly neighbors: Int32Array;
  private readonly weights: Float32Array;
  private readonly kinds: Uint8Array;
  private readonly communities: Int32Array;
  private readonly usage: Uint32Array;
  private readonly seen = new Set<string>();
  private order: Int32Array;
  private cursor = 0;
  private round = 0;
  private coveredCount = 0;
  private readonly connectedNodes: number;

  /**
   * @param graph the full knowledge graph (communities assigned or not)
   * @param language only nodes and edges with an occurrence in this language are used
   * @throws Error when `minKeywords` < 2, `maxKeywords` < `minKeywords`, or `crossCommunity` ∉ [0, 1]
   */
  constructor(graph: KnowledgeGraph, language: string, options: Partial<SamplerOptions> = {}) {
    const opts = { ...DEFAULT_SAMPLER_OPTIONS, ...options };
    if (!Number.isInteger(opts.minKeywords) || opts.minKeywords < 2) throw new Error(`keywordsPerProblem.min must be an integer ≥ 2, got ${opts.minKeywords}`);
    if (!Number.isInteger(opts.maxKeywords) || opts.maxKeywords < opts.minKeywords) {
      throw new Error(`keywordsPerProblem.max must be an integer ≥ min (${opts.minKeywords}), got ${opts.maxKeywords}`);
    }
    if (!(opts.crossCommunity >= 0 && opts.crossCommunity <= 1)) throw new Error(`crossCommunity must be in [0, 1], got ${opts.crossCommunity}`);
    this.graph = graph;
    this.language = language;
    this.opts = opts;
    this.rng = createRng(opts.seed);

    const index = new Map<string, number>();
    this.keys = [];
    graph.forEachNode((key, attrs) => {
      if (!attrs.languages[language]) return;
      index.set(key, this.keys.length);
      this.keys.push(key);
    });
    const n = this.keys.length;
    this.kinds = new Uint8Array(n);
    this.communities = new Int32Array(n);
    this.usage = new Uint32Array(n);
    const degree = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const attrs = graph.getNodeAttributes(this.keys[i] as string);
      this.kinds[i] = KIND_INDEX[attrs.kind];
      this.communities[i] = attrs.community ?? -1;
    }
    graph.forEachEdge((_e, attrs, s, t) => {
      if (!attrs.languages[language]) return;
      degree[index.get(s) as number]!++;
      degree[index.get(t) as number]!++;
    });
    this.offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) this.offsets[i + 1] = (this.offsets[i] as number) + (degree[i] as number);
    const total = this.offsets[n] as number;
    this.neighbors = new Int32Array(total);
    this.weights = new Float32Array(total);
    const fill = this.offsets.slice(0, n);
    graph.forEachEdge((_e, attrs, s, t) => {
      const w = attrs.languages[language];
      if (!w) return;
      const a = index.get(s) as number;
      const b = index.get(t) as number;
      const pa = fill[a]!++;
      const pb = fill[b]!++;
      this.neighbors[pa] = b;
      this.weights[pa] = w;
      this.neighbors[pb] = a;
      this.weights[pb] = w;
    });
    let connected = 0;
    for (let i = 0; i < n; i++) if (this.degree(i) > 0) connected++;
    this.connectedNodes = connected;
    this.order = shuffle(this.rng, Int32Array.from({ length: n }, (_, i) => i));
  }

  /** Nodes of this language; nodes with at least one edge (the ones a combination can contain). */
  get nodeCount(): number {
    return this.keys.length;
  }
  get coverableCount(): number {
    return this.connectedNodes;
  }
  /** Distinct nodes that appeared in at least one combination so far. */
  get covered(): number {
    return this.coveredCount;
  }
  /** Combinations returned so far. */
  get drawn(): number {
    return this.seen.size;
  }
  /** Times each node key was used, for inspection and tests. */
  usageOf(key: string): number {
    const i = this.keys.indexOf(key);
    return i < 0 ? 0 : (this.usage[i] as number);
  }

  /**
   * The next combination, or `undefined` when `maxAttempts` starts in a row gave only repeats or
   * combinations smaller than `minKeywords` (the graph is exhausted for these settings).
   */
  next(): KeywordCombination | undefined {
    if (this.connectedNodes === 0) return undefined;
    for (let attempt = 0; attempt < this.opts.maxAttempts; attempt++) {
      const start = this.nextStart();
      const size = this.opts.minKeywords + randomInt(this.rng, this.opts.maxKeywords - this.opts.minKeywords + 1);
      const grown = this.grow(start, size);
      if (!grown) continue;
      const signature = [...grown.members].sort((a, b) => a - b).join(',');
      if (this.seen.has(signature)) continue;
      this.seen.add(signature);
      for (const m of grown.members) {
        if (this.usage[m] === 0) this.coveredCount++;
        this.usage[m]!++;
      }
      return this.describe(grown.members, grown.parents);
    }
    return undefined;
  }

  /** Up to `count` combinations (fewer only when the sampler is exhausted; see {@link next}). */
  sample(count: number): KeywordCombination[] {
    const out: KeywordCombination[] = [];
    while (out.length < count) {
      const c = this.next();
      if (!c) break;
      out.push(c);
    }
    return out;
  }

  private degree(i: number): number {
    return (this.offsets[i + 1] as number) - (this.offsets[i] as number);
  }

  // Coverage first: walk a permutation, passing over nodes used more often than the current round allows.
  private nextStart(): number {
    const n = this.keys.length;
    for (;;) {
      while (this.cursor < n) {
        const i = this.order[this.cursor++] as number;
        if (this.degree(i) > 0 && (this.usage[i] as number) <= this.round) return i;
      }
      this.round++;
      this.cursor = 0;
      shuffle(this.rng, this.order);
    }
  }

  private grow(start: number, size: number): { members: number[]; parents: number[] } | undefined {
    const members = [start];
    const parents = [-1];
    const inSet = new Set(members);
    const community = this.communities[start] as number;
    const required = this.opts.requireKinds.map((k) => KIND_INDEX[k]);
    while (members.length < size) {
      const missing = required.filter((k) => !members.some((m) => this.kinds[m] === k));
      const onlyKinds = missing.length >= size - members.length && missing.length > 0 ? missing : undefined;
      const allowCross = this.rng() < this.opts.crossCommunity;
      // Preference order: required kinds inside the community, then across it, then any kind.
      let pick: { node: number; parent: number } | undefined;
      for (const [cross, kinds] of [[allowCross, onlyKinds], [true, onlyKinds], [allowCross, undefined], [true, undefined]] as const) {
        pick = this.pickNeighbor(members, inSet, community, cross, kinds);
        if (pick) break;
      }
      if (!pick) break;
      members.push(pick.node);
      parents.push(pick.parent);
      inSet.add(pick.node);
    }
    return members.length >= this.opts.minKeywords ? { members, parents } : undefined;
  }

  // Weighted choice among sampled neighbours of the current members; falls back to a bounded scan.
  private pickNeighbor(
    members: number[],
    inSet: Set<number>,
    community: number,
    allowCross: boolean,
    onlyKinds: number[] | undefined,
  ): { node: number; parent: number } | undefined {
    const cand: number[] = [];
    const par: number[] = [];
    const score: number[] = [];
    const consider = (m: number, p: number) => {
      const v = this.neighbors[p] as number;
      if (inSet.has(v) || cand.includes(v)) return;
      if (!allowCross && community >= 0 && this.communities[v] !== community) return;
      if (onlyKinds && !onlyKinds.includes(this.kinds[v] as number)) return;
      cand.push(v);
      par.push(m);
      score.push(Math.sqrt(this.weights[p] as number) / ((1 + (this.usage[v] as number)) * Math.sqrt(this.degree(v))));
    };
    for (let t = 0; t < this.opts.candidates; t++) {
      const m = members[randomInt(this.rng, members.length)] as number;
      const d = this.degree(m);
      if (d > 0) consider(m, (this.offsets[m] as number) + randomInt(this.rng, d));
    }
    if (cand.length === 0) {
      // Random probes can miss rare admissible neighbours of a hub; scan a bounded prefix instead.
      let budget = 4096;
      for (const m of members) {
        for (let p = this.offsets[m] as number; p < (this.offsets[m + 1] as number) && budget > 0; p++, budget--) consider(m, p);
        if (cand.length >= this.opts.candidates) break;
      }
    }
    if (cand.length === 0) return undefined;
    let total = 0;
    for (const s of score) total += s;
    let r = this.rng() * total;
    for (let i = 0; i < cand.length; i++) {
      r -= score[i] as number;
      if (r <= 0) return { node: cand[i] as number, parent: par[i] as number };
    }
    return { node: cand[cand.length - 1] as number, parent: par[par.length - 1] as number };
  }

  private describe(members: number[], parents: number[]): KeywordCombination {
    const nodes = members.map((m) => this.keys[m] as string);
    const startCommunity = this.communities[members[0] as number] as number;
    const triples: KeywordCombination['triples'] = [];
    const provenance: string[] = [];
    const seenProv = new Set<string>();
    for (let i = 1; i < members.length; i++) {
      const a = this.keys[parents[i] as number] as string;
      const b = nodes[i] as string;
      const attrs = this.graph.getEdgeAttributes(this.graph.edge(a, b) as string);
      triples.push({ head: attrs.head, relation: attrs.relation, tail: attrs.tail, weight: attrs.languages[this.language] ?? attrs.weight });
      for (const id of attrs.provenance) {
        if (provenance.length >= this.opts.maxProvenance) break;
        if (!seenProv.has(id)) {
          seenProv.add(id);
          provenance.push(id);
        }
      }
    }
    return {
      language: this.language,
      nodes,
      keywords: nodes.map((key) => {
        const attrs = this.graph.getNodeAttributes(key);
        return { kind: attrs.kind, keyword: attrs.label };
      }),
      triples,
      provenance,
      community: startCommunity >= 0 ? startCommunity : null,
      crossCommunity: members.some((m) => this.communities[m] !== startCommunity),
    };
  }
}

/**
 * Split `total` combinations over languages in proportion to `weights` (largest remainder, ties by
 * the order given). Languages with weight 0 get none.
 */
export function planQuotas(total: number, weights: ReadonlyArray<readonly [string, number]>): Map<string, number> {
  const sum = weights.reduce((s, [, w]) => s + w, 0);
  const out = new Map<string, number>();
  if (sum <= 0 || total <= 0) return out;
  const rows = weights.map(([lang, w], i) => ({ lang, i, exact: (total * w) / sum }));
  let given = 0;
  for (const r of rows) {
    const q = Math.floor(r.exact);
    out.set(r.lang, q);
    given += q;
  }
  rows.sort((a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)) || a.i - b.i);
  for (const r of rows) {
    if (given >= total) break;
    if (r.exact === 0) continue;
    out.set(r.lang, (out.get(r.lang) ?? 0) + 1);
    given++;
  }
  return out;
}

