import { UndirectedGraph } from 'graphology';
import forceAtlas2Module from 'graphology-layout-forceatlas2';
import { cjsDefault } from './interop.js';
import type { KnowledgeGraph } from './graph.js';
import { createRng } from './rng.js';
import { KEYWORD_KINDS, KIND_LABELS, type KeywordKind } from './types.js';

const forceAtlas2 = cjsDefault(forceAtlas2Module);

/** Options of {@link renderGraphSvg}. Defaults are our choice: legible on a laptop screen. */
export interface PictureOptions {
  /** Keywords drawn: the highest-degree ones (a 100k-node drawing is a grey blot). */
  maxNodes: number;
  /** Keywords labelled, highest degree first. */
  maxLabels: number;
  width: number;
  height: number;
  /** ForceAtlas2 iterations. */
  iterations: number;
  seed: number;
}

export const DEFAULT_PICTURE_OPTIONS: Readonly<PictureOptions> = Object.freeze({ maxNodes: 150, maxLabels: 45, width: 1400, height: 1000, iterations: 400, seed: 0 });

// Tableau-10; communities beyond ten share grey.
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const OTHER = '#c7c7c7';

/**
 * Draw the knowledge graph as a standalone SVG: the `maxNodes` highest-degree keywords laid out with
 * ForceAtlas2 (Jacomy et al. 2014, graphology-layout-forceatlas2; LinLog mode, which separates
 * communities), fill colour = Louvain community (the ten largest), shape = keyword kind (circle =
 * knowledge point, square = task, diamond = instruction), size = problems the keyword occurs in,
 * edge width = log weight; the legend names each coloured community by its best-connected keyword.
 * Deterministic for a given graph and seed.
 * Returns the SVG text.
 */
export function renderGraphSvg(graph: KnowledgeGraph, options: Partial<PictureOptions> = {}): string {
  const opts = { ...DEFAULT_PICTURE_OPTIONS, ...options };
  const rng = createRng(opts.seed);
  const chosen = graph
    .mapNodes((key) => ({ key, degree: graph.degree(key) }))
    .sort((a, b) => b.degree - a.degree || (a.key < b.key ? -1 : 1))
    .slice(0, opts.maxNodes)
    .map((n) => n.key);
  const keep = new Set(chosen);

  const communitySizes = new Map<number, number>();
  graph.forEachNode((_k, a) => communitySizes.set(a.community ?? -1, (communitySizes.get(a.community ?? -1) ?? 0) + 1));
  const ranked = [...communitySizes.entries()].filter(([c]) => c >= 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const colorOf = new Map(ranked.slice(0, PALETTE.length).map(([c], i) => [c, PALETTE[i] as string]));

  // Start each community on its own arc so the layout converges to separated clusters quickly.
  const layout = new UndirectedGraph<{ x: number; y: number }, { weight: number }>();
  const slot = new Map(ranked.map(([c], i) => [c, i]));
  for (const key of chosen) {
    const c = graph.getNodeAttribute(key, 'community') ?? -1;
    const angle = (2 * Math.PI * ((slot.get(c) ?? ranked.length) + rng() * 0.8)) / Math.max(1, ranked.length + 1);
    const radius = 50 + rng() * 50;
    layout.addNode(key, { x: Math.cos(angle) * radius, y: Math.sin(angle) * radius });
  }
  graph.forEachEdge((_e, a, s, t) => {
    if (keep.has(s) && keep.has(t)) layout.addEdge(s, t, { weight: a.weight });
  });
  if (layout.size > 0) {
    const settings = { ...forceAtlas2.inferSettings(layout), linLogMode: true, barnesHutOptimize: layout.order > 500 };
    forceAtlas2.assign(layout, { iterations: opts.iterations, settings, getEdgeWeight: 'weight' });
  }

  const margin = 60;
  const legendHeight = 70;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  layout.forEachNode((_k, p) => {
    minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x); minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y);
  });
  const spanX = maxX - minX || 1;
  const spanY = maxY - minY || 1;
  const scale = Math.min((opts.width - 2 * margin) / spanX, (opts.height - 2 * margin - legendHeight) / spanY);
  const px = (x: number) => margin + (x - minX) * scale + ((opts.width - 2 * margin) - spanX * scale) / 2;
  const py = (y: number) => margin + legendHeight + (y - minY) * scale + ((opts.height - 2 * margin - legendHeight) - spanY * scale) / 2;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${opts.width}" height="${opts.height}" viewBox="0 0 ${opts.width} ${opts.height}" font-family="Helvetica, Arial, sans-serif">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  const stats = graph.getAttributes();
  out.push(`<text x="${margin}" y="32" font-size="20" font-weight="bold">Keyword knowledge graph: ${graph.order} keywords, ${graph.size} edges, ${stats.problems} problems${stats.communities !== undefined ? `, ${stats.communities} communities` : ''}</text>`);
  out.push(`<text x="${margin}" y="54" font-size="13" fill="#555">${graph.order > chosen.length ? `showing the ${chosen.length} highest-degree keywords; ` : ''}colour = community, shape = kind, size = problems, line width = co-occurrences</text>`);
  let lx = margin;
  for (const kind of KEYWORD_KINDS) {
    out.push(shape(kind, lx + 8, 78, 7, '#888'));
    out.push(`<text x="${lx + 20}" y="83" font-size="13">${escapeXml(KIND_LABELS[kind])}</text>`);
    lx += 150;
  }

  // Community legend: each colour with its best-connected keyword, so a reader can name the clusters.
  let cx = lx + 40;
  for (const [c] of ranked.slice(0, PALETTE.length)) {
    if (cx > opts.width - 180) break;
    let best: string | undefined;
    let bestDegree = -1;
    for (const key of chosen) {
      if (graph.getNodeAttribute(key, 'community') !== c) continue;
      const d = graph.degree(key);
      if (d > bestDegree) [best, bestDegree] = [key, d];
    }
    if (!best) continue;
    const label = graph.getNodeAttribute(best, 'label');
    const text = label.length > 18 ? `${label.slice(0, 17)}…` : label;
    out.push(`<circle cx="${cx + 7}" cy="78" r="7" fill="${colorOf.get(c)}"/>`);
    out.push(`<text x="${cx + 19}" y="83" font-size="12" fill="#333">${escapeXml(text)}</text>`);
    cx += 30 + 7 * text.length;
  }

  out.push('<g stroke="#8a8a8a" stroke-opacity="0.35">');
  layout.forEachEdge((_e, a, s, t) => {
    const ps = layout.getNodeAttributes(s);
    const pt = layout.getNodeAttributes(t);
    out.push(`<line x1="${f(px(ps.x))}" y1="${f(py(ps.y))}" x2="${f(px(pt.x))}" y2="${f(py(pt.y))}" stroke-width="${f(0.6 + Math.log2(a.weight))}"/>`);
  });
  out.push('</g>');

  const labelled = new Set(chosen.slice(0, opts.maxLabels));
  const labels: string[] = [];
  out.push('<g class="nodes" stroke="#ffffff" stroke-width="1">');
  for (const key of chosen) {
    const a = graph.getNodeAttributes(key);
    const p = layout.getNodeAttributes(key);
    const r = Math.min(18, 3 + 1.6 * Math.sqrt(a.count));
    const x = px(p.x);
    const y = py(p.y);
    out.push(`${shape(a.kind, x, y, r, colorOf.get(a.community ?? -1) ?? OTHER)}`);
    if (labelled.has(key)) labels.push(`<text x="${f(x + r + 2)}" y="${f(y + 4)}" font-size="12">${escapeXml(a.label)}</text>`);
  }
  out.push('</g>');
  out.push(`<g fill="#222" paint-order="stroke" stroke="#ffffff" stroke-width="3" stroke-linejoin="round">${labels.join('')}</g>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function shape(kind: KeywordKind, x: number, y: number, r: number, fill: string): string {
  if (kind === 'task') return `<rect x="${f(x - r)}" y="${f(y - r)}" width="${f(2 * r)}" height="${f(2 * r)}" fill="${fill}"/>`;
  if (kind === 'instruction') return `<polygon points="${f(x)},${f(y - r * 1.3)} ${f(x + r * 1.3)},${f(y)} ${f(x)},${f(y + r * 1.3)} ${f(x - r * 1.3)},${f(y)}" fill="${fill}"/>`;
  return `<circle cx="${f(x)}" cy="${f(y)}" r="${f(r)}" fill="${fill}"/>`;
}

function f(n: number): string {
  return Number.isFinite(n) ? n.toFixed(1) : '0';
}

/** Escape text for SVG/XML content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}
