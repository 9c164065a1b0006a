import MiniSearch from 'minisearch';
import { InputError } from '../../../core/index.js';
import { FORMATS, readBenchmark, type BenchmarkSpec } from '../../filters/decontaminate/benchmarks.js';
import type { RetrieveOptions } from './options.js';

/** The best evaluation item for a query: its id and BM25 score. */
export interface Retrieval {
  item: string;
  score: number;
}

/**
 * Function words dropped from documents and queries: our choice (a short English list). They occur
 * in nearly every item, so their BM25 weight is near zero, but MiniSearch multiplies a result's
 * score by the number of query terms it matched, which they would inflate.
 */
const STOPWORDS = new Set(
  'a an and are as at be by for from has have in is it its of on or that the this to was were will with which who should given return returns'.split(' '),
);

/**
 * The evaluation set indexed for BM25 (MiniSearch's BM25+, k 1.2, b 0.7, d 0.5; a result's score is
 * the sum over matched terms times the number of matched query terms). One document per benchmark
 * item: its prompt texts (for HumanEval the function signature and docstring; solutions are left out,
 * since pool instructions are prose). Terms are MiniSearch's split on spaces and punctuation
 * (`has_close_elements` gives three terms), lower-cased, without {@link STOPWORDS}; exact terms only
 * (no prefix or fuzzy matching); a query is cut to its distinct terms that some item has.
 */
export class EvalIndex {
  readonly name: string;
  readonly file: string;
  readonly items: number;
  private readonly search: MiniSearch<{ id: number; text: string }>;
  private readonly ids: string[] = [];
  // Every term of the index: a query is cut to these before MiniSearch sees it (a term no item has
  // scores nothing and does not count as matched, but costs MiniSearch a full query-spec setup).
  private readonly vocabulary = new Set<string>();

  /** @throws InputError naming the file when a required one is missing, not JSON, an item lacks its id field, or no item has text in the prompt fields */
  constructor(specs: readonly BenchmarkSpec[]) {
    const byItem = new Map<string, string[]>();
    const names: string[] = [];
    const files: string[] = [];
    let items = 0;
    for (const spec of specs) {
      // Prompts only: pool instructions are prose, solutions would add code terms no instruction has.
      const read = readBenchmark({ ...spec, fields: { ...spec.fields, solutions: [] } });
      if (!read) continue;
      names.push(read.name);
      files.push(read.file);
      items += read.items;
      const key = (item: string) => (specs.length > 1 ? `${read.name}:${item}` : item);
      for (const t of read.texts) if (t.field === 'prompt') byItem.set(key(t.item), [...(byItem.get(key(t.item)) ?? []), t.text]);
    }
    this.name = names.join(', ');
    this.file = files.join(', ');
    if (byItem.size === 0) {
      const fields = [...new Set(specs.flatMap((s) => s.fields?.prompts ?? FORMATS[s.format]?.prompts ?? []))];
      throw new InputError(this.file || specs.map((s) => s.path).join(', '), undefined, `no evaluation item has text in ${fields.map((f) => `"${f}"`).join(' or ')} (${items} items read)`, { hint: 'set fields.prompts of the benchmark to the field holding each item\'s text' });
    }
    this.search = new MiniSearch({ fields: ['text'], processTerm: (t) => term(t) });
    const docs = [...byItem].map(([item, texts], i) => {
      this.ids.push(item);
      return { id: i, text: texts.join('\n') };
    });
    this.search.addAll(docs);
    for (const d of docs) for (const t of terms(d.text)) this.vocabulary.add(t);
    this.items = docs.length;
  }

  /** The best-scoring item for `text` (ties: the earlier item), or undefined when no item shares a term with it. */
  best(text: string): Retrieval | undefined {
    const known = [...terms(text)].filter((t) => this.vocabulary.has(t));
    if (known.length === 0) return undefined;
    let best: { id: number; score: number } | undefined;
    for (const r of this.search.search(known.join(' '), { combineWith: 'OR' })) {
      if (!best || r.score > best.score || (r.score === best.score && (r.id as number) < best.id)) best = { id: r.id as number, score: r.score };
    }
    return best && { item: this.ids[best.id]!, score: best.score };
  }
}

const tokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];

/** The distinct processed terms of a text. */
function terms(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of tokenize(text)) {
    const t = term(raw);
    if (t) out.add(t);
  }
  return out;
}

function term(raw: string): string | null {
  const t = raw.toLowerCase();
  return t.length < 2 || STOPWORDS.has(t) ? null : t;
}
