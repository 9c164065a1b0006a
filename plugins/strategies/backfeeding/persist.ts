import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UndirectedGraph } from 'graphology';
import type { SerializedGraph } from 'graphology-types';
import gexf from 'graphology-gexf';
import { InputError } from '../../../core/index.js';
import { cjsDefault } from './interop.js';
import type { KnowledgeGraph } from './graph.js';
import type { GraphStats } from './stats.js';
import type { KeywordEdge, KeywordNode, KnowledgeGraphAttributes } from './types.js';

const { write: writeGexf } = cjsDefault(gexf as unknown as { default: typeof gexf });

/** File names inside a graph directory (`${runDir}/graph/`). */
export const GRAPH_FILES = Object.freeze({ json: 'graph.json', gexf: 'graph.gexf', stats: 'stats.json', picture: 'graph.svg' });

/** Formats `saveGraph` can write beside the JSON (which is always written, as the reusable form). */
export type GraphFormat = 'gexf';

/**
 * Save a knowledge graph to `dir`: `graph.json` (graphology's serialisation, what {@link loadGraph}
 * reads), `graph.gexf` (GEXF 1.3 for Gephi; lists and maps become JSON strings), and `stats.json`.
 * Each file is written to a temporary name and renamed, so a killed run never leaves half a file.
 * Returns the paths written.
 */
export function saveGraph(graph: KnowledgeGraph, dir: string, stats: GraphStats, formats: readonly GraphFormat[] = ['gexf']): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const put = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
    written.push(path);
  };
  put(GRAPH_FILES.json, JSON.stringify(graph.export()));
  if (formats.includes('gexf')) {
    put(
      GRAPH_FILES.gexf,
      writeGexf(graph, {
        version: '1.3',
        formatNode: (key: string, a: KeywordNode) => ({
          label: a.label,
          attributes: { kind: a.kind, count: a.count, community: a.community ?? -1, languages: JSON.stringify(a.languages), variants: JSON.stringify(a.variants), key },
        }),
        formatEdge: (_key: string, a: KeywordEdge) => ({
          label: a.relation,
          weight: a.weight,
          attributes: { relation: a.relation, head: a.head, tail: a.tail, languages: JSON.stringify(a.languages), support: a.provenance.length, provenance: JSON.stringify(a.provenance) },
        }),
      } as never),
    );
  }
  put(GRAPH_FILES.stats, `${JSON.stringify(stats, null, 2)}\n`);
  return written;
}

/**
 * Load a graph saved by {@link saveGraph}. `path` is a graph directory (holding `graph.json`), a run
 * directory (holding `graph/graph.json`), or the `graph.json` file itself.
 * @throws InputError naming the path when nothing is there, the JSON is malformed, or it is not an
 *   instructsmith knowledge graph.
 */
export function loadGraph(path: string): KnowledgeGraph {
  const file = resolveGraphFile(path);
  let data: SerializedGraph<KeywordNode, KeywordEdge, KnowledgeGraphAttributes>;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError(file, undefined, `is not valid JSON (${(err as Error).message})`, {
      code: 'GRAPH_INVALID',
      hint: 'point `graph` at a graph.json written by strategy:backfeeding, or delete it to rebuild the graph',
    });
  }
  if (data?.attributes?.format !== 'instructsmith-backfeeding-graph' || data.attributes.version !== 1) {
    throw new InputError(file, undefined, `is not a backfeeding knowledge graph (expected attributes.format "instructsmith-backfeeding-graph", version 1)`, {
      code: 'GRAPH_INVALID',
      hint: 'point `graph` at the graph/graph.json of an earlier instructsmith run',
    });
  }
  const graph: KnowledgeGraph = new UndirectedGraph({ allowSelfLoops: false });
  graph.import(data);
  return graph;
}

/**
 * The `graph.json` a path designates (see {@link loadGraph}).
 * @throws InputError when none of the accepted layouts holds a graph.json.
 */
export function resolveGraphFile(path: string): string {
  const candidates = existsSync(path) && statSync(path).isDirectory() ? [join(path, GRAPH_FILES.json), join(path, 'graph', GRAPH_FILES.json)] : [path];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  if (!found) {
    throw new InputError(path, undefined, `holds no knowledge graph (looked for ${candidates.join(', ')})`, {
      code: 'GRAPH_NOT_FOUND',
      hint: 'give a run directory made with strategy:backfeeding, its graph/ folder, or a graph.json file',
    });
  }
  return found;
}
