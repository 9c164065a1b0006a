import { foldTag } from './normalize.js';

/** One merged tag: its key, how often it was given, and the surface form shown for it. */
export interface VocabularyEntry {
  key: string;
  count: number;
  /** The most frequent surface form among those that fold to `key` (ties: the first in code-point order). */
  canonical: string;
  /** Distinct surface forms merged into this key. */
  forms: number;
}

/**
 * Counts level-1 tags as given and as merged by {@link foldTag}: how large the vocabulary is before
 * normalisation (distinct surface forms, trimmed) and after (distinct keys), and the canonical form of
 * each key (its most frequent surface form). Memory grows with the number of distinct surface forms.
 */
export class TagVocabulary {
  private readonly forms = new Map<string, Map<string, number>>();
  private readonly surfaces = new Set<string>();

  /** Count one tag as the model wrote it; returns its key ('' for a tag without letters or digits, not counted). */
  add(surface: string): string {
    const form = surface.trim();
    const key = foldTag(form);
    if (!key) return key;
    this.surfaces.add(form);
    let m = this.forms.get(key);
    if (!m) this.forms.set(key, (m = new Map()));
    m.set(form, (m.get(form) ?? 0) + 1);
    return key;
  }

  /** Distinct surface forms seen (the vocabulary before normalisation). */
  get surfaceSize(): number {
    return this.surfaces.size;
  }

  /** Distinct keys (the vocabulary after normalisation). */
  get size(): number {
    return this.forms.size;
  }

  /** The canonical surface form of a key, or undefined when never seen. */
  canonical(key: string): string | undefined {
    const m = this.forms.get(key);
    return m ? bestForm(m) : undefined;
  }

  /** Entries by count, descending (ties by key), at most `limit`. */
  top(limit = Infinity): VocabularyEntry[] {
    const all = [...this.forms].map(([key, m]) => ({ key, count: [...m.values()].reduce((a, b) => a + b, 0), canonical: bestForm(m), forms: m.size }));
    all.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return all.slice(0, limit);
  }
}

function bestForm(m: ReadonlyMap<string, number>): string {
  let best = '';
  let n = -1;
  for (const [form, c] of m) if (c > n || (c === n && form < best)) [best, n] = [form, c];
  return best;
}
