import { describe, expect, it } from 'vitest';
import { assignCommunities } from './communities.js';
import { addProblem, createKnowledgeGraph, languageSubgraph, normalizeProblem, relationFor } from './graph.js';
import { CombinationSampler, planQuotas } from './sampler.js';
import { graphStats } from './stats.js';
import { syntheticProblems } from './synthetic.js';

function buildSynthetic(problems: number, languages = ['python']) {
  const graph = createKnowledgeGraph();
  const gen = syntheticProblems({ keywords: 600, clusters: 12, perProblem: 4, noise: 0.05, languages, seed: 7 });
  for (let i = 0; i < problems; i++) addProblem(graph, gen.next().value!);
  assignCommunities(graph, 0);
  return graph;
}

describe('knowledge graph', () => {
  it('merges variants into one node with typed, weighted edges and provenance', () => {
    const graph = createKnowledgeGraph();
    const a = normalizeProblem('rec-a', { language: 'python', task: ['Implement an LRU cache'], instruction: ['O(1) operations'], knowledge: ['Hash Maps', 'doubly linked lists'] });
    const b = normalizeProblem('rec-b', { language: 'java', task: ['implement an lru cache'], instruction: [], knowledge: ['hashmap', 'HashTable', 'Doubly-Linked List'] });
    addProblem(graph, a.problem);
    addProblem(graph, b.problem);
    expect(graph.order).toBe(4);
    const hash = graph.getNodeAttributes('knowledge:hash map');
    expect(hash.count).toBe(2);
    expect(hash.languages).toEqual({ python: 1, java: 1 });
    expect(hash.variants).toEqual(['Hash Maps', 'hashmap']);
    const requires = graph.getEdgeAttributes(graph.edge('task:implement lru cache', 'knowledge:hash map')!);
    expect(requires).toMatchObject({ relation: 'requires', head: 'task:implement lru cache', tail: 'knowledge:hash map', weight: 2, languages: { python: 1, java: 1 }, provenance: ['rec-a', 'rec-b'] });
    expect(graph.getEdgeAttribute(graph.edge('instruction:o(1) operation', 'knowledge:doubly linked list')!, 'relation')).toBe('applies');
    expect(graph.getEdgeAttribute(graph.edge('knowledge:hash map', 'knowledge:doubly linked list')!, 'relation')).toBe('co-occurs');
    expect(relationFor('instruction:x', 'task:y')).toEqual({ relation: 'constrained-by', head: 'task:y', tail: 'instruction:x' });
    const java = languageSubgraph(graph, 'java');
    expect(java.order).toBe(3);
    expect(java.hasNode('instruction:o(1) operation')).toBe(false);
    expect(java.getNodeAttribute('knowledge:hash map', 'count')).toBe(1);
  });

  it('reports nodes per kind, degrees, components and communities', () => {
    const graph = buildSynthetic(400);
    const stats = graphStats(graph);
    expect(stats.nodes).toBe(graph.order);
    expect(stats.nodesPerKind.task + stats.nodesPerKind.instruction + stats.nodesPerKind.knowledge).toBe(graph.order);
    expect(Object.values(stats.edgesPerRelation).reduce((s, n) => s + n, 0)).toBe(graph.size);
    expect(stats.degree.histogram.reduce((s, h) => s + h.nodes, 0)).toBe(graph.order);
    expect(stats.degree.mean).toBeCloseTo((2 * graph.size) / graph.order, 2);
    expect(stats.communities!.count).toBeGreaterThan(1);
    expect(stats.communities!.modularity).toBeGreaterThan(0.3);
    expect(stats.hubs[0]!.degree).toBe(stats.degree.max);
  });
});

describe('CombinationSampler', () => {
  it('samples connected combinations of the configured size, never the same set twice', () => {
    const graph = buildSynthetic(400);
    const sampler = new CombinationSampler(graph, 'python', { minKeywords: 3, maxKeywords: 5, seed: 1 });
    const combos = sampler.sample(300);
    expect(combos).toHaveLength(300);
    const signatures = new Set(combos.map((c) => [...c.nodes].sort().join('|')));
    expect(signatures.size).toBe(combos.length);
    for (const c of combos) {
      expect(c.nodes.length).toBeGreaterThanOrEqual(3);
      expect(c.nodes.length).toBeLessThanOrEqual(5);
      // Connected: BFS over the graph's edges restricted to the combination reaches every member.
      const members = new Set(c.nodes);
      const reached = new Set([c.nodes[0]!]);
      const queue = [c.nodes[0]!];
      while (queue.length) for (const nb of graph.neighbors(queue.shift()!)) if (members.has(nb) && !reached.has(nb)) (reached.add(nb), queue.push(nb));
      expect(reached.size).toBe(members.size);
      expect(c.triples).toHaveLength(c.nodes.length - 1);
      expect(c.provenance.length).toBeGreaterThan(0);
    }
  });

  it('covers low-degree nodes instead of circling the hubs', () => {
    const graph = buildSynthetic(400);
    const sampler = new CombinationSampler(graph, 'python', { seed: 3 });
    const combos = sampler.sample(Math.ceil(sampler.coverableCount / 2));
    const used = new Set(combos.flatMap((c) => c.nodes));
    const lowDegree = graph.filterNodes((key) => graph.degree(key) > 0 && graph.degree(key) <= 4);
    expect(lowDegree.length).toBeGreaterThan(20);
    const coveredLow = lowDegree.filter((k) => used.has(k)).length / lowDegree.length;
    expect(coveredLow).toBeGreaterThan(0.9);
    // A plain random walk would spend most picks on hubs; no keyword should dominate.
    const counts = new Map<string, number>();
    for (const c of combos) for (const n of c.nodes) counts.set(n, (counts.get(n) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeLessThan(combos.length * 0.1);
  });

  it('holds the required kinds and stays mostly inside one community', () => {
    const graph = buildSynthetic(400);
    const combos = new CombinationSampler(graph, 'python', { seed: 5, crossCommunity: 0.1 }).sample(200);
    const withTaskAndKnowledge = combos.filter((c) => c.keywords.some((k) => k.kind === 'task') && c.keywords.some((k) => k.kind === 'knowledge'));
    expect(withTaskAndKnowledge.length / combos.length).toBeGreaterThan(0.95);
    expect(combos.filter((c) => c.crossCommunity).length / combos.length).toBeLessThan(0.5);
  });

  it('is deterministic for a seed and stops when the graph is exhausted', () => {
    const graph = buildSynthetic(200);
    const a = new CombinationSampler(graph, 'python', { seed: 9 }).sample(50).map((c) => c.nodes.join('|'));
    const b = new CombinationSampler(graph, 'python', { seed: 9 }).sample(50).map((c) => c.nodes.join('|'));
    expect(a).toEqual(b);
    const tiny = createKnowledgeGraph();
    addProblem(tiny, normalizeProblem('only', { language: 'python', task: ['sort'], instruction: [], knowledge: ['list', 'loop'] }).problem);
    const sampler = new CombinationSampler(tiny, 'python', { minKeywords: 3, maxKeywords: 3 });
    expect(sampler.sample(5)).toHaveLength(1);
    expect(sampler.next()).toBeUndefined();
  });

  it('keeps each language to its own subgraph', () => {
    const graph = buildSynthetic(600, ['python', 'java']);
    for (const c of new CombinationSampler(graph, 'java', { seed: 2 }).sample(100)) {
      expect(c.language).toBe('java');
      for (const t of c.triples) expect(graph.getEdgeAttributes(graph.edge(t.head, t.tail)!).languages.java).toBeGreaterThan(0);
    }
  });

  it('rejects impossible settings with the option name', () => {
    const graph = buildSynthetic(50);
    expect(() => new CombinationSampler(graph, 'python', { minKeywords: 1 })).toThrow(/keywordsPerProblem.min/);
    expect(() => new CombinationSampler(graph, 'python', { minKeywords: 4, maxKeywords: 3 })).toThrow(/keywordsPerProblem.max/);
  });
});

describe('planQuotas', () => {
  it('splits by largest remainder and sums to the total', () => {
    const q = planQuotas(10, [['python', 5], ['java', 3], ['sql', 1]]);
    expect([...q.values()].reduce((s, n) => s + n, 0)).toBe(10);
    expect(q.get('python')).toBe(6);
    expect(q.get('java')).toBe(3);
    expect(q.get('sql')).toBe(1);
  });
});
