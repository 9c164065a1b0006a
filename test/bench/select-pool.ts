import { contentId, mulberry32, type Seed } from '../../core/index.js';
import { readBenchmark } from '../../plugins/filters/decontaminate/benchmarks.js';

/**
 * Our synthetic pool for the selection benchmark, generated row by row (never stored): instructions
 * of 20-40 words, a third of them from HumanEval's own vocabulary (so retrieval has real matches to
 * score) and the rest from 5,000 made-up words; responses a fenced Python block. Planted, by row
 * index i: every 50th row (i % 50 === 7) does network I/O (`requests.get(`), every 100th (i % 100
 * === 3) has a blank answer, every 20th (i ≥ 1000, i % 20 === 0) repeats an earlier instruction
 * exactly, every 20th (i ≥ 1000, i % 20 === 10) repeats one with its last word replaced (near).
 * Deterministic per index.
 */
export function poolVocabulary(humaneval: string): { real: string[]; fake: string[] } {
  const words = new Set<string>();
  for (const t of readBenchmark({ path: humaneval, format: 'humaneval', required: true })!.texts) {
    if (t.field !== 'prompt') continue;
    for (const w of t.text.match(/[A-Za-z]{3,}/g) ?? []) words.add(w.toLowerCase());
  }
  return { real: [...words].sort(), fake: Array.from({ length: 5000 }, (_, i) => `q${i.toString(36)}${'xyz'[i % 3]}`) };
}

function words(i: number, v: { real: string[]; fake: string[] }): string[] {
  const rng = mulberry32(Math.imul(i + 1, 0x9e3779b1));
  const len = 20 + Math.floor(rng() * 21);
  return Array.from({ length: len }, () => (rng() < 1 / 3 ? v.real[Math.floor(rng() * v.real.length)]! : v.fake[Math.floor(rng() * v.fake.length)]!));
}

/** Pool row i as seed:pool makes it (`pool.jsonl`, line i + 1). */
export function poolRow(i: number, v: { real: string[]; fake: string[] }): Seed {
  let w = words(i, v);
  if (i >= 1000 && i % 20 === 0) w = words(i - 1 - (i % 997), v);
  else if (i >= 1000 && i % 20 === 10) {
    w = words(i - 3 - (i % 991), v);
    w[w.length - 1] = 'changed';
  }
  const instruction = w.join(' ');
  const body = i % 50 === 7 ? `import requests\nr = requests.get("https://example.com/${i}")\nprint(r.status_code)` : `def f${i}(xs):\n    return sorted(xs)[:${i % 7}]`;
  const response = i % 100 === 3 ? '  ' : `Here is the code:\n\n\`\`\`python\n${body}\n\`\`\``;
  const messages = [
    { role: 'user' as const, content: instruction },
    { role: 'assistant' as const, content: response },
  ];
  return { id: contentId(messages), language: 'python', code: instruction, source: { path: 'pool.jsonl', line: i + 1 }, kind: 'record', meta: { format: 'messages' }, messages };
}
