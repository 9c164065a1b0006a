import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { assignCommunities } from './communities.js';
import { addProblem, createKnowledgeGraph } from './graph.js';
import { saveGraph } from './persist.js';
import { graphStats } from './stats.js';
import { syntheticProblems } from './synthetic.js';
import { main } from '../../../cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'graph-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await main(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('instructsmith graph RUN_DIR', () => {
  it('prints the statistics and writes an SVG picture', async () => {
    const graph = createKnowledgeGraph();
    const gen = syntheticProblems({ keywords: 400, clusters: 8, perProblem: 4, noise: 0.05, languages: ['python'], seed: 4 });
    for (let i = 0; i < 200; i++) addProblem(graph, gen.next().value!);
    assignCommunities(graph);
    saveGraph(graph, join(dir, 'run', 'graph'), graphStats(graph));

    const res = await cli(['graph', join(dir, 'run'), '--nodes', '80']);
    expect(res.code).toBe(0);
    expect(res.out).toContain(`knowledge graph: ${graph.order} keywords, ${graph.size} edges, from 200 problems`);
    expect(res.out).toMatch(/degree: min \d+, median \d+/);
    expect(res.out).toMatch(/communities \(Louvain\): \d+/);
    const svg = join(dir, 'run', 'graph', 'graph.svg');
    expect(res.out).toContain(`picture: ${svg}`);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);

    const json = await cli(['graph', join(dir, 'run', 'graph'), '--json', '--out', join(dir, 'pic.svg')]);
    expect(JSON.parse(json.out).nodes).toBe(graph.order);
    expect(existsSync(join(dir, 'pic.svg'))).toBe(true);
  });

  it('fails with a clear message when the run has no graph', async () => {
    const res = await cli(['graph', join(dir, 'empty')]);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/holds no knowledge graph/);
    expect(res.err).toMatch(/hint: give a run directory made with strategy:backfeeding/);
  });
});
