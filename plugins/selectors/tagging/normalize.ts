import pluralize from 'pluralize';

/**
 * Synonyms among level-1 tags, as normalised keys (see {@link foldTag}) → the key they merge into:
 * our choice, kept small and limited to spellings code LLMs are seen to use interchangeably for one
 * ability. Anything not listed is merged only when it folds to the same key.
 */
export const TAG_SYNONYMS: Readonly<Record<string, string>> = {
  'string processing': 'string manipulation',
  'text processing': 'string manipulation',
  'text manipulation': 'string manipulation',
  regex: 'regular expression',
  regexp: 'regular expression',
  'hash table': 'hash map',
  hashmap: 'hash map',
  dictionary: 'hash map',
  dict: 'hash map',
  'recursive function': 'recursion',
  'recursive algorithm': 'recursion',
  dp: 'dynamic programming',
  oop: 'object oriented programming',
  math: 'mathematics',
  maths: 'mathematics',
  algo: 'algorithm',
  'exception handling': 'error handling',
  loop: 'iteration',
  looping: 'iteration',
  'unit testing': 'unit test',
};

/**
 * Words {@link foldTag} leaves as they are although they look plural: our choice. pluralize reads
 * `data` as a plural (`datum`), `-ics` subjects (`physics`, `mathematics`) and library names
 * (`pandas`) likewise; words of three letters or fewer are mostly acronyms (`js`, `os`, `aws`).
 */
const KEEP_WORDS = new Set(['data', 'pandas', 'series', 'news', 'species', 'less', 'various', 'previous', 'always', 'numerous', 'canvas', 'kubernetes', 'redis', 'express', 'sass', 'axios']);

function singularWord(word: string): string {
  if (word.length <= 3 || KEEP_WORDS.has(word) || word.endsWith('ics') || word.endsWith('ss') || word.endsWith('ous') || /\d/.test(word)) return word;
  return pluralize.singular(word);
}

/**
 * The normalised key of a tag, so surface variants merge: Unicode NFKC, lower case, `&` as `and`,
 * punctuation and underscores folded to single spaces (`+` and `#` kept: `c++`, `c#`), every word in
 * singular form (pluralize, with the exceptions above), then {@link TAG_SYNONYMS}.
 * `'Sorting-Algorithms.'` → `'sorting algorithm'`; `'Hash Tables'` → `'hash map'`. Returns '' for a
 * tag with no letters or digits.
 */
export function foldTag(tag: string): string {
  const words = tag
    .normalize('NFKC')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}+#]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
    .map(singularWord);
  const key = words.join(' ');
  return TAG_SYNONYMS[key] ?? key;
}

const STOP_WORDS = new Set(['and', 'of', 'the', 'a', 'an', 'for', 'in', 'with', 'to']);

/** Shortest word-set Dice similarity accepted as "the same category": our choice (`Debugging` ↔ `Testing and Debugging` = 0.67; `Quantum Computing` ↔ `Scientific Computing` = 0.5 is refused). */
export const MIN_WORD_SIMILARITY = 0.6;
/** Shortest character-bigram Dice similarity accepted as a misspelling of a category: our choice (`Algoritms` ↔ `Algorithms` = 0.82). */
export const MIN_SPELLING_SIMILARITY = 0.8;

/** How a level-2 answer was read: `exact` (verbatim), `folded` (equal after {@link foldTag}: case, punctuation, plural), `closest` (the unique most similar category), or `unknown` (dropped from the label). */
export interface CategoryMatch {
  answer: string;
  category?: string;
  how: 'exact' | 'folded' | 'closest' | 'unknown';
}

/**
 * Map a model's level-2 answer onto the fixed category list, never inventing a category: verbatim,
 * else equal after folding, else the single category whose content words (stop words left out)
 * have Dice similarity ≥ {@link MIN_WORD_SIMILARITY} or whose folded name has character-bigram Dice ≥
 * {@link MIN_SPELLING_SIMILARITY}, when one category scores strictly best; else `unknown`.
 */
export function matchCategory(answer: string, categories: readonly string[]): CategoryMatch {
  if (categories.includes(answer)) return { answer, category: answer, how: 'exact' };
  const key = foldTag(answer);
  const folded = categories.find((c) => foldTag(c) === key);
  if (folded) return { answer, category: folded, how: 'folded' };
  const words = contentWords(key);
  let best: string | undefined;
  let bestScore = 0;
  let tie = false;
  for (const c of categories) {
    const ck = foldTag(c);
    const w = dice(words, contentWords(ck));
    const s = bigramDice(key, ck);
    const score = Math.max(w >= MIN_WORD_SIMILARITY ? w : 0, s >= MIN_SPELLING_SIMILARITY ? s : 0);
    if (score === 0) continue;
    if (score > bestScore) [best, bestScore, tie] = [c, score, false];
    else if (score === bestScore) tie = true;
  }
  return best && !tie ? { answer, category: best, how: 'closest' } : { answer, how: 'unknown' };
}

function contentWords(key: string): Set<string> {
  return new Set(key.split(' ').filter((w) => w && !STOP_WORDS.has(w)));
}

function dice(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return (2 * shared) / (a.size + b.size);
}

function bigramDice(a: string, b: string): number {
  const grams = (s: string) => {
    const m = new Map<string, number>();
    for (let i = 0; i + 2 <= s.length; i++) m.set(s.slice(i, i + 2), (m.get(s.slice(i, i + 2)) ?? 0) + 1);
    return m;
  };
  const ga = grams(a);
  const gb = grams(b);
  let shared = 0;
  let total = 0;
  for (const [g, n] of ga) {
    shared += Math.min(n, gb.get(g) ?? 0);
    total += n;
  }
  for (const n of gb.values()) total += n;
  return total === 0 ? 0 : (2 * shared) / total;
}
