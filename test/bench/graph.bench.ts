/**
 * Backfeeding knowledge graph (issue #5): build time and memory for a graph of ~100,000 keywords and
 * ~1,000,000 edges, Louvain and stats time, and keyword combinations sampled per second. Graphs of
 * 250k, 500k and 1M edges are built to show that build cost grows linearly with the number of edges
 * (µs per edge occurrence stays flat). The corpus is synthetic (plugins/strategies/backfeeding/synthetic.ts):
 * clustered, Zipf-popular keywords, 6 per problem. Measures only; never fails on a threshold.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { assignCommunities } from '../../plugins/strategies/backfeeding/communities.js';
import { addProblem, createKnowledgeGraph, type KnowledgeGraph } from '../../plugins/strategies/backfeeding/graph.js';
import { CombinationSampler } from '../../plugins/strategies/backfeeding/sampler.js';
import { graphStats } from '../../plugins/strategies/backfeeding/stats.js';
import { syntheticProblems } from '../../plugins/strategies/backfeeding/synthetic.js';
import type { ProblemKeywords } from '../../plugins/strategies/backfeeding/types.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1024 * 1024;

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / MB;
}

function corpus(targetEdges: number): ProblemKeywords[] {
  // Generate until a trial graph reaches the target, then replay the same problems for timing.
  const gen = syntheticProblems({ keywords: 110_000, clusters: 1_100, perProblem: 6, noise: 0.1, languages: ['python', 'java', 'cpp'], seed: 1 });
  const trial = createKnowledgeGraph();
  const problems: ProblemKeywords[] = [];
  while (trial.size < targetEdges) {
    const p = gen.next().value!;
    problems.push(p);
    addProblem(trial, p);
  }
  return problems;
}

function build(problems: ProblemKeywords[]): { graph: KnowledgeGraph; ms: number; heap: number } {
  const before = heapMb();
  const t0 = performance.now();
  const graph = createKnowledgeGraph();
  for (const p of problems) addProblem(graph, p);
  const ms = performance.now() - t0;
  return { graph, ms, heap: heapMb() - before };
}

export default async function bench(log: (line: string) => void): Promise<void> {
  const rows: Array<{ edges: number; occurrences: number; ms: number }> = [];
  let big: KnowledgeGraph | undefined;
  for (const target of [250_000, 500_000, 1_000_000]) {
    let problems: ProblemKeywords[] | undefined = corpus(target);
    const { graph, ms, heap } = build(problems);
    const occurrences = problems.reduce((s, p) => s + (p.keywords.length * (p.keywords.length - 1)) / 2, 0);
    problems = undefined;
    rows.push({ edges: graph.size, occurrences, ms });
    log(
      `build: ${graph.order.toLocaleString('en')} keywords, ${graph.size.toLocaleString('en')} edges from ${graph.getAttribute('problems').toLocaleString('en')} problems (${occurrences.toLocaleString('en')} edge occurrences): ` +
        `${(ms / 1000).toFixed(2)} s, ${((1000 * ms) / graph.size).toFixed(2)} µs/edge, heap +${heap.toFixed(0)} MB (${((heap * MB) / graph.size).toFixed(0)} B/edge incl. provenance)`,
    );
    if (target === 1_000_000) big = graph;
  }
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  // Input work is edge occurrences (pairs per problem); distinct edges grow slower than occurrences as
  // hubs repeat, so µs per occurrence is the linearity check, µs per distinct edge the user-facing cost.
  log(
    `scaling: ${(last.edges / first.edges).toFixed(2)}× the edges (${(last.occurrences / first.occurrences).toFixed(2)}× the edge occurrences) took ${(last.ms / first.ms).toFixed(2)}× the time; ` +
      `µs per edge occurrence ${((1000 * first.ms) / first.occurrences).toFixed(2)} → ${((1000 * last.ms) / last.occurrences).toFixed(2)} (flat = linear)`,
  );

  const graph = big!;
  let t = performance.now();
  const communities = assignCommunities(graph, 0);
  log(`louvain: ${communities.count.toLocaleString('en')} communities, modularity ${communities.modularity.toFixed(3)}, ${((performance.now() - t) / 1000).toFixed(2)} s`);

  t = performance.now();
  const stats = graphStats(graph);
  log(`stats: ${((performance.now() - t) / 1000).toFixed(2)} s; degree median ${stats.degree.median}, mean ${stats.degree.mean}, p99 ${stats.degree.p99}, max ${stats.degree.max}; ${stats.components.count} components`);

  t = performance.now();
  const sampler = new CombinationSampler(graph, 'python', { seed: 1 });
  const indexMs = performance.now() - t;
  const n = 50_000;
  t = performance.now();
  const combos = sampler.sample(n);
  const sampleMs = performance.now() - t;
  log(
    `sampler (python subgraph, ${sampler.nodeCount.toLocaleString('en')} keywords): index ${(indexMs / 1000).toFixed(2)} s; ${combos.length.toLocaleString('en')} combinations in ${(sampleMs / 1000).toFixed(2)} s = ${Math.round((combos.length * 1000) / sampleMs).toLocaleString('en')} combinations/s; ` +
      `covered ${sampler.covered.toLocaleString('en')} of ${sampler.coverableCount.toLocaleString('en')} connected keywords`,
  );
  log(`memory: rss ${(process.memoryUsage().rss / MB).toFixed(0)} MB at the end`);
}
