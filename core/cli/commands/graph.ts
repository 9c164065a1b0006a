import { dirname, join, resolve } from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { assignCommunities } from '../../../plugins/strategies/backfeeding/communities.js';
import { GRAPH_FILES, loadGraph, resolveGraphFile } from '../../../plugins/strategies/backfeeding/persist.js';
import { DEFAULT_PICTURE_OPTIONS, renderGraphSvg } from '../../../plugins/strategies/backfeeding/picture.js';
import { formatStats, graphStats } from '../../../plugins/strategies/backfeeding/stats.js';
import { ConfigError } from '../../errors.js';

interface GraphFlags {
  out?: string;
  nodes: number;
  labels: number;
  json?: boolean;
}

/**
 * `instructsmith graph RUN_DIR`: print the statistics of the keyword knowledge graph a backfeeding
 * run saved (nodes per kind, degree distribution, components, Louvain communities, hubs) and draw
 * it as an SVG (default: RUN_DIR/graph/graph.svg).
 */
export function register(program: Command): void {
  program
    .command('graph')
    .argument('<run-dir>', 'a run directory made with strategy:backfeeding (or its graph/ folder, or a graph.json)')
    .description('print the statistics of a run\'s keyword knowledge graph and draw it as an SVG')
    .option('-o, --out <file>', 'where to write the SVG picture (default: <run-dir>/graph/graph.svg)')
    .option('--nodes <n>', 'keywords drawn (the highest-degree ones)', count('--nodes'), DEFAULT_PICTURE_OPTIONS.maxNodes)
    .option('--labels <n>', 'keywords labelled', count('--labels'), DEFAULT_PICTURE_OPTIONS.maxLabels)
    .option('--json', 'print the statistics as JSON')
    .addHelpText('after', '\nExample:\n  instructsmith graph runs/infinite-instruct --nodes 300 --out graph.svg')
    .action((runDir: string, flags: GraphFlags) => {
      const file = resolveGraphFile(resolve(runDir));
      const graph = loadGraph(file);
      if (graph.getAttribute('communities') === undefined) assignCommunities(graph);
      const stats = graphStats(graph);
      const out = resolve(flags.out ?? join(dirname(file), GRAPH_FILES.picture));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, renderGraphSvg(graph, { maxNodes: flags.nodes, maxLabels: flags.labels }));
      if (flags.json) process.stdout.write(`${JSON.stringify({ ...stats, picture: out }, null, 2)}\n`);
      else process.stdout.write(`${formatStats(stats)}\n${extractionLine(dirname(file))}picture: ${out}\n`);
    });
}

// The build report strategy:backfeeding saves beside the graph, when there is one (not for a reused graph).
function extractionLine(dir: string): string {
  const path = join(dir, 'extraction.json');
  if (!existsSync(path)) return '';
  const r = JSON.parse(readFileSync(path, 'utf8')) as { records: number; added: number; failed: unknown[]; emptyKeywords: number };
  return `  extraction: keywords from ${r.added} of ${r.records} problems (${r.failed.length} gave none, see ${path}); ${r.emptyKeywords} empty keywords skipped\n`;
}

function count(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${flag} expects a whole number ≥ 0, got "${value}"`, { code: 'USAGE', hint: `e.g. ${flag} 100` });
    return n;
  };
}
