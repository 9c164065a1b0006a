/**
 * Keyword normalisation: one concept, one node. Case, Unicode width, separators, possessives,
 * articles, British/American spellings, plural head nouns and aliases are folded so that
 * "Hash-Maps", "hash map" and "hashmap" meet, while distinct concepts ("hash map" and "hash set",
 * "sort" and "sorting algorithm") stay apart. Rule-based on purpose (our choice): deterministic,
 * explainable, no model download, and cheap enough for millions of keywords.
 */

/**
 * Built-in aliases, canonical → variants (compared after the other rules ran). Only true synonyms
 * and expansions of abbreviations belong here; our choice of common programming vocabulary.
 */
export const DEFAULT_ALIASES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'dynamic programming': ['dp'],
  'breadth first search': ['bfs', 'breadth first traversal'],
  'depth first search': ['dfs', 'depth first traversal'],
  'hash map': ['hashmap', 'hash table', 'hashtable'],
  'regular expression': ['regex', 'regexp'],
  'object oriented programming': ['oop', 'object orientation'],
  'linked list': ['linkedlist'],
  'binary search tree': ['bst'],
  'least recently used cache': ['lru cache', 'lru'],
  'greatest common divisor': ['gcd', 'highest common factor', 'hcf'],
  'least common multiple': ['lcm', 'lowest common multiple'],
  'lowest common ancestor': ['lca'],
  'directed acyclic graph': ['dag'],
  'minimum spanning tree': ['mst'],
  'application programming interface': ['api'],
  json: ['javascript object notation'],
  'two pointer technique': ['two pointer', 'two pointer approach', 'two pointer method'],
  'sliding window technique': ['sliding window', 'sliding window approach'],
  'unit test': ['unit testing'],
  'time complexity': ['time complexity analysis', 'runtime complexity'],
  'space complexity': ['memory complexity'],
  'big o notation': ['big o', 'big oh notation'],
  'list comprehension': ['list comprehension syntax'],
  'sorting algorithm': ['sort algorithm'],
  'string manipulation': ['string processing', 'string handling'],
  'input validation': ['validating input', 'validation of input'],
});

const ARTICLES = new Set(['a', 'an', 'the']);

// British → American, for word stems whose -ise/-isation forms are unambiguous in programming text.
const ISE_STEMS = [
  'optim', 'normal', 'serial', 'deserial', 'initial', 'token', 'parallel', 'vector', 'memo', 'util',
  'minim', 'maxim', 'organ', 'recogn', 'summar', 'visual', 'categor', 'custom', 'general', 'synchron',
  'special', 'priorit', 'random', 'author', 'final', 'local', 'material', 'modular', 'real', 'standard',
  'sanit', 'capital', 'character', 'lexical', 'canonical', 'emphas', 'stabil', 'lemmat', 'binar',
];
const ISE = new RegExp(`^(${ISE_STEMS.join('|')})is(e|es|ed|ing|ation|ations|er|ers)$`);

const SPELLING: Readonly<Record<string, string>> = Object.freeze({
  behaviour: 'behavior', behaviours: 'behaviors', colour: 'color', colours: 'colors', neighbour: 'neighbor',
  neighbours: 'neighbors', favour: 'favor', flavour: 'flavor', honour: 'honor', labour: 'labor',
  analyse: 'analyze', analysed: 'analyzed', analysing: 'analyzing', paralyse: 'paralyze', catalyse: 'catalyze',
  centre: 'center', centres: 'centers', metre: 'meter', litre: 'liter', fibre: 'fiber',
  modelling: 'modeling', modelled: 'modeled', labelled: 'labeled', labelling: 'labeling', travelling: 'traveling',
  travelled: 'traveled', cancelled: 'canceled', cancelling: 'canceling', signalling: 'signaling',
  tunnelling: 'tunneling', catalogue: 'catalog', catalogues: 'catalogs', dialogue: 'dialog', programme: 'program',
  programmes: 'programs', grey: 'gray', judgement: 'judgment', licence: 'license', defence: 'defense',
  offence: 'offense', artefact: 'artifact', artefacts: 'artifacts', enrol: 'enroll',
});

// Singular forms ending in "s" and uncountable nouns: never strip their "s".
const KEEP_S = new Set([
  'news', 'series', 'species', 'status', 'alias', 'canvas', 'lens', 'atlas', 'bias', 'chaos', 'redis',
  'kubernetes', 'pandas', 'always', 'towards', 'across', 'unless', 'its', 'this', 'has', 'was', 'does', 'yes',
  'physics', 'mathematics', 'graphics', 'statistics', 'semantics', 'dynamics', 'economics', 'linguistics',
  'analytics', 'electronics', 'robotics', 'genetics', 'ethics', 'logistics', 'optics', 'mechanics',
  'acoustics', 'kinematics', 'combinatorics', 'informatics', 'aws', 'express', 'sass', 'less', 'dns', 'https',
  'ios', 'macos', 'windows', 'rails', 'cors', 'ms', 'os',
]);

const IRREGULAR: Readonly<Record<string, string>> = Object.freeze({
  indices: 'index', vertices: 'vertex', matrices: 'matrix', children: 'child', people: 'person',
  criteria: 'criterion', analyses: 'analysis', axes: 'axis', bases: 'base', leaves: 'leaf', halves: 'half',
  caches: 'cache', niches: 'niche', phenomena: 'phenomenon', appendices: 'appendix', mice: 'mouse',
  geese: 'goose', feet: 'foot', teeth: 'tooth', men: 'man', women: 'woman', lives: 'life', knives: 'knife',
  queries: 'query', dependencies: 'dependency', movies: 'movie', cookies: 'cookie', zombies: 'zombie',
});

/** Singular of one lower-case English word (rule-based, see the tables above for exceptions). */
export function singularize(word: string): string {
  const irregular = IRREGULAR[word];
  if (irregular) return irregular;
  if (word.length <= 3 || KEEP_S.has(word) || !/^[a-z]+$/.test(word) || !word.endsWith('s')) return word;
  if (/(ss|us|is)$/.test(word)) return word;
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(ches|shes|sses|xes|zzes)$/.test(word)) return word.slice(0, -2);
  return word.slice(0, -1);
}

function americanize(word: string): string {
  const mapped = SPELLING[word];
  if (mapped) return mapped;
  const m = ISE.exec(word);
  return m ? `${m[1]}iz${m[2]}` : word;
}

/** A compiled alias table: variant (already normalised) → canonical. */
export type AliasTable = ReadonlyMap<string, string>;

/**
 * Compile an alias table from `canonical → variants` entries (built-ins first, then `extra`, which
 * wins on conflict). Every variant and canonical goes through the same rules as keywords, so users
 * may write "Hash-Tables". Aliases resolve in one step (no chains) so the outcome never depends on order.
 * @throws Error naming `aliases.<canonical>` when a variant normalises to the empty string.
 */
export function compileAliases(
  extra: Readonly<Record<string, readonly string[]>> = {},
  base: Readonly<Record<string, readonly string[]>> = DEFAULT_ALIASES,
): AliasTable {
  const table = new Map<string, string>();
  for (const source of [base, extra]) {
    for (const [canonical, variants] of Object.entries(source)) {
      const target = foldPhrase(canonical);
      if (!target) throw new Error(`aliases."${canonical}": the canonical keyword is empty after normalisation`);
      for (const v of variants) {
        const key = foldPhrase(v);
        if (!key) throw new Error(`aliases."${canonical}": variant "${v}" is empty after normalisation`);
        if (key !== target) table.set(key, target);
      }
    }
  }
  return table;
}

const DEFAULT_TABLE = compileAliases();

/**
 * Fold one phrase without aliases: NFKC, lower case, possessive "'s" dropped, `_`/`-`/`/` between
 * word characters become spaces, surrounding quotes and punctuation stripped, whitespace collapsed,
 * articles dropped, every word Americanised, the last word (the English head noun) singular.
 * Symbols inside words survive ("c++", "c#", "node.js").
 */
export function foldPhrase(raw: string): string {
  let s = raw.normalize('NFKC').toLowerCase();
  s = s.replace(/[’`]/g, "'").replace(/(\w)'s\b/g, '$1');
  s = s.replace(/(?<=[\p{L}\p{N}])[-_/]+(?=[\p{L}\p{N}])/gu, ' ');
  s = s.replace(/\s+/g, ' ').trim();
  s = s.replace(/^[\s"'()[\]{}<>.,;:!?*]+|[\s"'()[\]{}<>.,;:!?*]+$/g, '');
  // Articles carry no concept ("filter a list" = "filter lists"); a phrase made only of them stays.
  const all = s.split(' ').filter(Boolean);
  const words = all.some((w) => !ARTICLES.has(w)) ? all.filter((w) => !ARTICLES.has(w)) : all;
  const out = words.map(americanize);
  if (out.length) out[out.length - 1] = singularize(out[out.length - 1] as string);
  return out.join(' ');
}

/**
 * Normalise a keyword to its canonical form: {@link foldPhrase}, then one alias lookup, then a
 * second try with the spaces removed so "hash map" and "hashmap" meet even without an alias
 * ("ハッシュ" style non-Latin keywords pass through folded but otherwise untouched).
 * Returns `''` for a keyword with no letters or digits (the caller skips it and says so).
 */
export function normalizeKeyword(raw: string, aliases: AliasTable = DEFAULT_TABLE): string {
  const folded = foldPhrase(raw);
  if (!/[\p{L}\p{N}]/u.test(folded)) return '';
  return aliases.get(folded) ?? aliases.get(folded.replace(/ /g, '')) ?? folded;
}
