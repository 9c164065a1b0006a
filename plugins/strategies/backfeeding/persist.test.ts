import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UndirectedGraph } from 'graphology';
import gexf from 'graphology-gexf';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../core/index.js';
import { assignCommunities } from './communities.js';
import { addProblem, createKnowledgeGraph, normalizeProblem } from './graph.js';
import { cjsDefault } from './interop.js';
import { loadGraph, saveGraph } from './persist.js';
import { renderGraphSvg } from './picture.js';
import { formatStats, graphStats } from './stats.js';
import { syntheticProblems } from './synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'backfeeding-persist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sample() {
  const graph = createKnowledgeGraph();
  const gen = syntheticProblems({ keywords: 300, clusters: 6, perProblem: 4, noise: 0.05, languages: ['python', 'java'], seed: 2 });
  for (let i = 0; i < 150; i++) addProblem(graph, gen.next().value!);
  addProblem(graph, normalizeProblem('odd', { language: 'python', task: ['escape <tags> & "quotes"'], instruction: [], knowledge: ['x & y'] }).problem);
  assignCommunities(graph, 0);
  return graph;
}

describe('saveGraph / loadGraph', () => {
  it('round-trips the graph with every attribute, and writes GEXF and stats', () => {
    const graph = sample();
    const out = join(dir, 'run', 'graph');
    const written = saveGraph(graph, out, graphStats(graph));
    expect(written.map((p) => p.slice(out.length + 1))).toEqual(['graph.json', 'graph.gexf', 'stats.json']);
    const back = loadGraph(join(dir, 'run'));
    expect(back.order).toBe(graph.order);
    expect(back.size).toBe(graph.size);
    expect(back.getAttributes()).toEqual(graph.getAttributes());
    graph.forEachEdge((e, a, s, t) => expect(back.getEdgeAttributes(back.edge(s, t)!)).toEqual(a));
    graph.forEachNode((k, a) => expect(back.getNodeAttributes(k)).toEqual(a));
    // The GEXF parses back (Gephi's format) with the same nodes, edges and weights.
    const parsed = cjsDefault(gexf as never as { default: typeof gexf }).parse(UndirectedGraph, readFileSync(join(out, 'graph.gexf'), 'utf8'));
    expect(parsed.order).toBe(graph.order);
    expect(parsed.size).toBe(graph.size);
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
    expect(stats.nodes).toBe(graph.order);
  });

  it('says which file is wrong and what to do', () => {
    expect(() => loadGraph(join(dir, 'nowhere'))).toThrow(InputError);
    expect(() => loadGraph(join(dir, 'nowhere'))).toThrow(/holds no knowledge graph/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"nodes": [');
    expect(() => loadGraph(bad)).toThrow(/bad.json: is not valid JSON/);
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ attributes: {}, nodes: [], edges: [] }));
    expect(() => loadGraph(other)).toThrow(/not a backfeeding knowledge graph/);
  });
});

describe('renderGraphSvg and formatStats', () => {
  it('draws the highest-degree keywords with one shape per kind and escaped labels', () => {
    const graph = sample();
    const svg = renderGraphSvg(graph, { maxNodes: 60, maxLabels: 500 });
    expect(svg.startsWith('<svg')).toBe(true);
    const nodes = svg.slice(svg.indexOf('<g class="nodes"'), svg.indexOf('</g>', svg.indexOf('<g class="nodes"')));
    expect((nodes.match(/<(circle|rect|polygon)/g) ?? []).length).toBe(60);
    for (const kind of ['<circle', '<rect', '<polygon']) expect(nodes).toContain(kind);
    // The legend names communities by a keyword.
    expect((svg.match(/<circle cx="[\d.]+" cy="78"/g) ?? []).length).toBeGreaterThan(1);
    expect(svg).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
    expect(svg).not.toContain('NaN');
    expect(renderGraphSvg(graph, { maxNodes: 60 })).toBe(renderGraphSvg(graph, { maxNodes: 60 }));
  });

  it('prints counts that agree with the graph', () => {
    const graph = sample();
    const text = formatStats(graphStats(graph));
    expect(text).toContain(`${graph.order} keywords, ${graph.size} edges`);
    expect(text).toMatch(/communities \(Louvain\): \d+, modularity/);
    expect(text).toMatch(/python: \d+ problems/);
  });
});
