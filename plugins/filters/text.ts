import type { SampleRecord } from '../../core/index.js';

/** The parts of a record the filters compare: the user turns and the assistant turns, each joined by a blank line. */
export function recordTexts(record: Pick<SampleRecord, 'messages'>): { instruction: string; response: string } {
  const join = (role: string) => record.messages.filter((m) => m.role === role).map((m) => m.content).join('\n\n');
  return { instruction: join('user'), response: join('assistant') };
}

// Languages whose keywords and identifiers are case-insensitive, so case carries no meaning in their code.
const CASE_INSENSITIVE = new Set(['sql', 'fortran', 'pascal', 'basic', 'vb', 'ada', 'cobol', 'nim']);

/**
 * Normalise text for comparison: Unicode NFKC, every whitespace run to one space, trimmed, and
 * lower-cased when `foldCase` (natural language, or code of a case-insensitive language).
 */
export function normalizeText(text: string, foldCase: boolean): string {
  const t = text.normalize('NFKC').replace(/\s+/g, ' ').trim();
  return foldCase ? t.toLowerCase() : t;
}

/** Whether code in `language` may be compared without case (SQL, Fortran, ...). */
export function caseInsensitiveLanguage(language: string): boolean {
  return CASE_INSENSITIVE.has(language.toLowerCase());
}

const WORD = /[\p{L}\p{N}_]+/gu;

/** Word tokens (letters, digits, underscore) with their start/end offsets in `text`. */
export function wordTokens(text: string): { tokens: string[]; starts: number[]; ends: number[] } {
  const tokens: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (const m of text.matchAll(WORD)) {
    tokens.push(m[0]);
    starts.push(m.index!);
    ends.push(m.index! + m[0].length);
  }
  return { tokens, starts, ends };
}

/** 32-bit FNV-1a over the UTF-16 code units of `s` (unsigned). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finaliser: a bijection that spreads every input bit over the output (unsigned). */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes of every `n` consecutive tokens (fewer than `n` tokens: one hash of them all; none: empty). */
export function ngramHashes(tokens: readonly string[], n: number): Uint32Array {
  if (tokens.length === 0) return new Uint32Array(0);
  const th = new Uint32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) th[i] = fnv1a(tokens[i]!);
  const count = Math.max(1, tokens.length - n + 1);
  const out = new Uint32Array(count);
  const width = Math.min(n, tokens.length);
  for (let i = 0; i < count; i++) {
    let h = 0x9e3779b9 ^ width;
    for (let j = 0; j < width; j++) h = mix32(Math.imul(h, 31) + th[i + j]!);
    out[i] = h;
  }
  return out;
}

/**
 * One line on what a filter dropped in a run, from the run's funnel (so it holds on a resumed run):
 * `53 of 139 samples dropped (near_duplicate 47, exact_duplicate 6)`.
 */
export function filterTally(plugin: string, funnel: Record<string, unknown>): string {
  const filtered = (funnel as { stages?: Record<string, { in: number; dropped: Record<string, number> }> }).stages?.filtered;
  if (!filtered) return 'no sample reached the filters';
  const mine = Object.entries(filtered.dropped).filter(([k]) => k.startsWith(`${plugin}/`));
  const total = mine.reduce((n, [, v]) => n + v, 0);
  const detail = mine.map(([k, v]) => `${k.slice(plugin.length + 1)} ${v}`).join(', ');
  return `${total} of ${filtered.in} samples dropped${detail ? ` (${detail})` : ''}`;
}
