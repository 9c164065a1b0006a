import { dirname, join, resolve } from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ConfigError, type PluginCommand } from '../../../core/index.js';
import { assignCommunities } from './communities.js';
import { GRAPH_FILES, loadGraph, resolveGraphFile } from './persist.js';
import { DEFAULT_PICTURE_OPTIONS, renderGraphSvg } from './picture.js';
import { formatStats, graphStats } from './stats.js';

/**
 * `instructsmith graph RUN_DIR`, contributed by strategy:backfeeding: print the statistics of the
 * keyword knowledge graph a backfeeding run saved (nodes per kind, degree distribution, components,
 * Louvain communities, hubs) and draw it as an SVG (default: RUN_DIR/graph/graph.svg).
 */
export const graphCommand: PluginCommand = {
  name: 'graph',
  description: "print the statistics of a run's keyword knowledge graph and draw it as an SVG",
  arguments: [{ name: '<run-dir>', description: 'a run directory made with strategy:backfeeding (or its graph/ folder, or a graph.json)' }],
  options: [
    { flags: '-o, --out <file>', description: 'where to write the SVG picture (default: <run-dir>/graph/graph.svg)' },
    { flags: '--nodes <n>', description: 'keywords drawn (the highest-degree ones)', default: String(DEFAULT_PICTURE_OPTIONS.maxNodes) },
    { flags: '--labels <n>', description: 'keywords labelled', default: String(DEFAULT_PICTURE_OPTIONS.maxLabels) },
    { flags: '--json', description: 'print the statistics as JSON' },
  ],
  examples: ['instructsmith graph runs/infinite-instruct --nodes 300 --out graph.svg'],
  run([runDir], flags, io) {
    const nodes = count('--nodes', flags.nodes);
    const labels = count('--labels', flags.labels);
    const file = resolveGraphFile(resolve(runDir!));
    const graph = loadGraph(file);
    if (graph.getAttribute('communities') === undefined) assignCommunities(graph);
    const stats = graphStats(graph);
    const out = resolve(typeof flags.out === 'string' ? flags.out : join(dirname(file), GRAPH_FILES.picture));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, renderGraphSvg(graph, { maxNodes: nodes, maxLabels: labels }));
    if (flags.json) io.out(`${JSON.stringify({ ...stats, picture: out }, null, 2)}\n`);
    else io.out(`${formatStats(stats)}\n${extractionLine(dirname(file))}picture: ${out}\n`);
  },
};

// The build report strategy:backfeeding saves beside the graph, when there is one (not for a reused graph).
function extractionLine(dir: string): string {
  const path = join(dir, 'extraction.json');
  if (!existsSync(path)) return '';
  const r = JSON.parse(readFileSync(path, 'utf8')) as { records: number; added: number; failed: unknown[]; emptyKeywords: number };
  return `  extraction: keywords from ${r.added} of ${r.records} problems (${r.failed.length} gave none, see ${path}); ${r.emptyKeywords} empty keywords skipped\n`;
}

function count(flag: string, value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${flag} expects a whole number ≥ 0, got "${String(value)}"`, { code: 'USAGE', hint: `e.g. ${flag} 100` });
  return n;
}
