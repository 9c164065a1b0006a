import { mulberry32 } from '../../core/index.js';

/** Our synthetic corpus: instructions of 20-40 words over a 5,000-word vocabulary, deterministic per index. */
const VOCAB = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}${'xyz'[i % 3]}`);

/** The base text of sample i (before any planting). */
export function baseText(i: number): string[] {
  const rng = mulberry32(Math.imul(i, 0x9e3779b1)); // a bijection on 32-bit indices: no two samples share a seed
  const len = 20 + Math.floor(rng() * 21);
  return Array.from({ length: len }, () => VOCAB[Math.floor(rng() * VOCAB.length)]!);
}

/** Replace `k` words of `words` at positions drawn from `seed` (or the last word, when `last`). */
export function edit(words: string[], k: number, seed: number, last = false): string[] {
  const rng = mulberry32(seed);
  const out = [...words];
  for (let j = 0; j < k; j++) out[last ? out.length - 1 - j : Math.floor(rng() * out.length)] = VOCAB[Math.floor(rng() * VOCAB.length)]!;
  return out;
}

/**
 * Sample i: every 20th (i ≥ 1000) is an exact copy of an earlier sample, every 10th (otherwise) a
 * near-duplicate (the last word of an earlier sample replaced: Jaccard of 5-word shingles 0.88-0.95), the rest fresh.
 */
export function syntheticSample(i: number): { planted?: 'exact' | 'near'; record: { id: string; language: string; messages: { role: 'user' | 'assistant'; content: string }[] } } {
  let words = baseText(i);
  let planted: 'exact' | 'near' | undefined;
  if (i >= 1000 && i % 20 === 0) {
    words = baseText(i - 1 - (i % 997));
    planted = 'exact';
  } else if (i >= 1000 && i % 10 === 5) {
    words = edit(baseText(i - 3 - (i % 991)), 1, i, true);
    planted = 'near';
  }
  const id = (i + 1).toString(16).padStart(16, '0');
  const text = words.join(' ');
  return { planted, record: { id, language: 'python', messages: [{ role: 'user', content: text }, { role: 'assistant', content: planted === 'exact' ? `answer ${i - 1 - (i % 997)}` : `answer ${i}` }] } };
}
