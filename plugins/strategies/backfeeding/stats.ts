import type { KnowledgeGraph } from './graph.js';
import { KEYWORD_KINDS, type KeywordKind, RELATIONS, type Relation } from './types.js';

/** Statistics of a knowledge graph, as written to `graph/stats.json` and printed by `instructsmith graph`. */
export interface GraphStats {
  problems: number;
  nodes: number;
  edges: number;
  nodesPerKind: Record<KeywordKind, number>;
  edgesPerRelation: Record<Relation, number>;
  /** Per language: problems, nodes and edges of its subgraph. */
  languages: Record<string, { problems: number; nodes: number; edges: number }>;
  degree: {
    min: number;
    max: number;
    mean: number;
    median: number;
    p90: number;
    p99: number;
    /** Nodes with no edge (a problem with one keyword); no combination can contain them. */
    isolated: number;
    /** Nodes per degree bucket [from, to], buckets doubling in width: 0, 1, 2-3, 4-7, ... */
    histogram: Array<{ from: number; to: number; nodes: number }>;
  };
  components: { count: number; largest: number };
  communities: {
    count: number;
    modularity: number;
    /** The biggest communities (up to 10), each with its three highest-degree keywords. */
    largest: Array<{ id: number; size: number; top: string[] }>;
  } | null;
  /** The ten highest-degree keywords. */
  hubs: Array<{ key: string; degree: number; count: number }>;
}

/**
 * Compute {@link GraphStats} in O(nodes + edges): percentiles come from a counting sort of degrees,
 * components from union-find. Communities are reported when `assignCommunities` ran.
 */
export function graphStats(graph: KnowledgeGraph): GraphStats {
  const attrs = graph.getAttributes();
  const nodesPerKind = Object.fromEntries(KEYWORD_KINDS.map((k) => [k, 0])) as Record<KeywordKind, number>;
  const edgesPerRelation = Object.fromEntries(RELATIONS.map((r) => [r, 0])) as Record<Relation, number>;
  const languages: GraphStats['languages'] = {};
  for (const [lang, problems] of Object.entries(attrs.languages)) languages[lang] = { problems, nodes: 0, edges: 0 };
  const lang = (l: string) => (languages[l] ??= { problems: 0, nodes: 0, edges: 0 });

  const n = graph.order;
  const index = new Map<string, number>();
  const degrees = new Int32Array(n);
  const keys: string[] = [];
  let maxDegree = 0;
  graph.forEachNode((key, node) => {
    const i = keys.length;
    index.set(key, i);
    keys.push(key);
    nodesPerKind[node.kind]++;
    for (const l of Object.keys(node.languages)) lang(l).nodes++;
    const d = graph.degree(key);
    degrees[i] = d;
    if (d > maxDegree) maxDegree = d;
  });

  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x] as number] as number;
      x = parent[x] as number;
    }
    return x;
  };
  graph.forEachEdge((_e, edge, s, t) => {
    edgesPerRelation[edge.relation]++;
    for (const l of Object.keys(edge.languages)) lang(l).edges++;
    const a = find(index.get(s) as number);
    const b = find(index.get(t) as number);
    if (a !== b) parent[a] = b;
  });
  const componentSize = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    componentSize.set(r, (componentSize.get(r) ?? 0) + 1);
  }

  const byDegree = new Int32Array(maxDegree + 1);
  let sum = 0;
  for (const d of degrees) {
    byDegree[d]!++;
    sum += d;
  }
  const percentile = (p: number): number => {
    if (n === 0) return 0;
    const rank = Math.max(1, Math.ceil(p * n));
    let acc = 0;
    for (let d = 0; d <= maxDegree; d++) {
      acc += byDegree[d] as number;
      if (acc >= rank) return d;
    }
    return maxDegree;
  };
  const histogram: GraphStats['degree']['histogram'] = [];
  if (n > 0) {
    histogram.push({ from: 0, to: 0, nodes: byDegree[0] as number });
    for (let from = 1; from <= maxDegree; from *= 2) {
      const to = Math.min(maxDegree, from * 2 - 1);
      let count = 0;
      for (let d = from; d <= to; d++) count += byDegree[d] as number;
      histogram.push({ from, to, nodes: count });
    }
  }

  const hubs = topByDegree(keys, degrees, 10).map((i) => ({ key: keys[i] as string, degree: degrees[i] as number, count: graph.getNodeAttribute(keys[i] as string, 'count') }));

  let communities: GraphStats['communities'] = null;
  if (attrs.communities !== undefined) {
    const members = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const c = graph.getNodeAttribute(keys[i] as string, 'community') ?? -1;
      let list = members.get(c);
      if (!list) members.set(c, (list = []));
      list.push(i);
    }
    const largest = [...members.entries()]
      .sort((a, b) => b[1].length - a[1].length || a[0] - b[0])
      .slice(0, 10)
      .map(([id, list]) => ({ id, size: list.length, top: topByDegree(list.map((i) => keys[i] as string), Int32Array.from(list, (i) => degrees[i] as number), 3).map((j) => graph.getNodeAttribute(keys[list[j] as number] as string, 'label')) }));
    communities = { count: attrs.communities, modularity: round(attrs.modularity ?? 0), largest };
  }

  return {
    problems: attrs.problems,
    nodes: n,
    edges: graph.size,
    nodesPerKind,
    edgesPerRelation,
    languages,
    degree: {
      min: n ? percentile(0) : 0,
      max: maxDegree,
      mean: n ? round(sum / n) : 0,
      median: percentile(0.5),
      p90: percentile(0.9),
      p99: percentile(0.99),
      isolated: n ? (byDegree[0] as number) : 0,
      histogram,
    },
    components: { count: componentSize.size, largest: Math.max(0, ...componentSize.values()) },
    communities,
    hubs,
  };
}

// Indices of the k largest degrees, ties by key order; O(n·k) with k ≤ 10.
function topByDegree(keys: string[], degrees: Int32Array, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const d = degrees[i] as number;
    if (top.length === k && d <= (degrees[top[k - 1] as number] as number)) continue;
    let pos = top.length;
    while (pos > 0 && (degrees[top[pos - 1] as number] as number) < d) pos--;
    top.splice(pos, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Human-readable rendering of {@link GraphStats}, for the CLI. */
export function formatStats(stats: GraphStats): string {
  const lines: string[] = [];
  lines.push(`knowledge graph: ${stats.nodes} keywords, ${stats.edges} edges, from ${stats.problems} problems`);
  lines.push(`  nodes per kind: ${KEYWORD_KINDS.map((k) => `${k} ${stats.nodesPerKind[k]}`).join(', ')}`);
  lines.push(`  edges per relation: ${RELATIONS.map((r) => `${r} ${stats.edgesPerRelation[r]}`).join(', ')}`);
  for (const [lang, s] of Object.entries(stats.languages)) lines.push(`  ${lang}: ${s.problems} problems, ${s.nodes} keywords, ${s.edges} edges`);
  const d = stats.degree;
  lines.push(`  degree: min ${d.min}, median ${d.median}, mean ${d.mean}, p90 ${d.p90}, p99 ${d.p99}, max ${d.max}; isolated ${d.isolated}`);
  const peak = Math.max(1, ...d.histogram.map((h) => h.nodes));
  for (const h of d.histogram) {
    const label = h.from === h.to ? `${h.from}` : `${h.from}-${h.to}`;
    lines.push(`    ${label.padStart(11)} ${'#'.repeat(Math.ceil((40 * h.nodes) / peak)).padEnd(40)} ${h.nodes}`);
  }
  lines.push(`  components: ${stats.components.count} (largest ${stats.components.largest} keywords)`);
  if (stats.communities) {
    lines.push(`  communities (Louvain): ${stats.communities.count}, modularity ${stats.communities.modularity}`);
    for (const c of stats.communities.largest) lines.push(`    #${c.id}: ${c.size} keywords, e.g. ${c.top.join(', ')}`);
  }
  lines.push(`  hubs: ${stats.hubs.length ? stats.hubs.map((h) => `${h.key} (${h.degree})`).join(', ') : 'none (empty graph)'}`);
  return lines.join('\n');
}
