import louvainModule from 'graphology-communities-louvain';
import { cjsDefault } from './interop.js';
import type { KnowledgeGraph } from './graph.js';
import { createRng } from './rng.js';

const louvain = cjsDefault(louvainModule);

/** What {@link assignCommunities} found. */
export interface CommunityResult {
  count: number;
  /** Newman-Girvan modularity of the partition, in [-0.5, 1]. */
  modularity: number;
}

/**
 * Detect communities with Louvain (Blondel et al. 2008, graphology-communities-louvain) on edge
 * `weight`, write each node's id to its `community` attribute and the totals to the graph
 * attributes. Seeded so that the same graph gets the same communities (our choice of seed, 0).
 * An edgeless graph gets one community per node and modularity 0.
 */
export function assignCommunities(graph: KnowledgeGraph, seed = 0, resolution = 1): CommunityResult {
  if (graph.size === 0) {
    let i = 0;
    graph.forEachNode((key) => graph.setNodeAttribute(key, 'community', i++));
    graph.mergeAttributes({ communities: graph.order, modularity: 0 });
    return { count: graph.order, modularity: 0 };
  }
  const detailed = louvain.detailed(graph, { getEdgeWeight: 'weight', rng: createRng(seed), resolution });
  graph.forEachNode((key) => graph.setNodeAttribute(key, 'community', detailed.communities[key]));
  graph.mergeAttributes({ communities: detailed.count, modularity: detailed.modularity });
  return { count: detailed.count, modularity: detailed.modularity };
}
