import { contentId, type Seed } from '../../../core/index.js';
import { kindOf } from './graph.js';
import { KEYWORD_KINDS, KIND_LABELS, type KeywordCombination } from './types.js';

/** What a derived seed carries in `meta.backfeeding` (read back by the synthesize tap). */
export interface BackfeedingSeedMeta {
  keywords: KeywordCombination['keywords'];
  triples: KeywordCombination['triples'];
  provenance: string[];
  community: number | null;
  crossCommunity: boolean;
  /** 1-based position of the combination in this run's sample. */
  index: number;
}

/** Render a triple readably: `task "x" requires knowledge point "y"`. */
export function describeTriple(t: KeywordCombination['triples'][number]): string {
  const label = (key: string) => `${KIND_LABELS[kindOf(key)]} "${key.slice(key.indexOf(':') + 1)}"`;
  return `${label(t.head)} ${t.relation === 'co-occurs' ? 'co-occurs with' : t.relation} ${label(t.tail)}`;
}

/**
 * A derived seed (kind `derived`) for one keyword combination: `code` is a readable rendering of
 * the combination (what `instructsmith run --dry-run` and the rejected file show), `meta.backfeeding`
 * the structured form, `id` the content address of language and keyword set.
 * `graphPath` is the saved graph, relative to the run directory, for `source.path`.
 */
export function combinationSeed(combination: KeywordCombination, index: number, graphPath: string): Seed {
  const lines = [`language: ${combination.language}`];
  for (const kind of KEYWORD_KINDS) {
    const words = combination.keywords.filter((k) => k.kind === kind).map((k) => k.keyword);
    if (words.length) lines.push(`${KIND_LABELS[kind]}: ${words.join('; ')}`);
  }
  if (combination.triples.length) lines.push('relations:', ...combination.triples.map((t) => `  ${describeTriple(t)}`));
  const meta: BackfeedingSeedMeta = {
    keywords: combination.keywords,
    triples: combination.triples,
    provenance: combination.provenance,
    community: combination.community,
    crossCommunity: combination.crossCommunity,
    index,
  };
  return {
    id: contentId({ backfeeding: [...combination.nodes].sort(), language: combination.language }),
    language: combination.language,
    code: lines.join('\n'),
    source: { path: `${graphPath}#${index}` },
    kind: 'derived',
    meta: { backfeeding: meta },
  };
}

/** The backfeeding meta of a seed, or undefined when the seed is not one of ours. */
export function backfeedingMeta(seed: Seed): BackfeedingSeedMeta | undefined {
  if (seed.kind !== 'derived') return undefined;
  const m = seed.meta.backfeeding as BackfeedingSeedMeta | undefined;
  return m && Array.isArray(m.keywords) && Array.isArray(m.triples) ? m : undefined;
}
