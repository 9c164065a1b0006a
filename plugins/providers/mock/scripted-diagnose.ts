import { createHash } from 'node:crypto';
import type { MockRequest } from '../../../core/testing/index.js';

/** Cue word of a failed problem → the ability a model failing it lacks (surface variants fold to one key) and its level-2 category; first two hits in this order. */
const CUES: Array<{ cues: string[]; variants: string[]; category: string }> = [
  { cues: ['string'], variants: ['string manipulation', 'String Manipulation', 'string processing', 'Strings manipulation'], category: 'String Processing' },
  { cues: ['prime'], variants: ['prime number', 'Prime Numbers'], category: 'Mathematics' },
  { cues: ['sort'], variants: ['sorting algorithm', 'Sorting Algorithms'], category: 'Algorithms' },
  { cues: ['list', 'array'], variants: ['list operation', 'List Operations'], category: 'Data Structures' },
  { cues: ['sum', 'product', 'average'], variants: ['arithmetic', 'Arithmetic'], category: 'Mathematics' },
  { cues: ['digit'], variants: ['digit manipulation', 'Digit Manipulation'], category: 'Mathematics' },
];
const FALLBACK = { variants: ['problem solving', 'Problem Solving'], category: 'Logical Reasoning' };
/** Error kind → the ability its failure shows missing besides the problem's own (an assertion shows only those). */
const BY_ERROR: Record<string, { variants: string[]; category: string }> = {
  exception: { variants: ['error handling', 'exception handling'], category: 'Testing and Debugging' },
  syntax: { variants: ['python syntax', 'Python Syntax'], category: 'Programming Fundamentals' },
  timeout: { variants: ['time complexity', 'Time Complexity'], category: 'Performance Optimization' },
};

/**
 * The scripted model's replies for `instructsmith diagnose` (null otherwise):
 * - `infinity_deficiency`: abilities from cue words of the failed problem (the first two of
 *   {@link CUES}) plus one from the error kind (exception, syntax, timeout), a variant per item so the
 *   normaliser merges them, their categories. Planted faults, a pure function of the problem (so
 *   retries repeat them): about 1 item in 11 gets an empty abilities list (invalid: undiagnosed);
 *   about 1 category in 6 comes in lower case (mapped back); about 1 reply in 6 adds a category off
 *   the list (left out).
 * - `targeted_instruction`: a new problem for the weak ability that names a Python function in
 *   backticks (so the scripted answer path writes it), its setting and constraint drawn from lists by
 *   the ability and the problem's index. Planted faults: about 1 in 6 pastes the first benchmark
 *   problem's docstring as an example (decontamination drops it); about 1 in 8 of the later ones repeats
 *   problem 1 (dedup drops it).
 */
export function diagnoseReply(req: Pick<MockRequest, 'schemaName' | 'lastUser'>): unknown {
  if (req.schemaName === 'infinity_deficiency') return deficiencyReply(req.lastUser);
  if (req.schemaName === 'targeted_instruction') return targetedReply(req.lastUser);
  return undefined;
}

function deficiencyReply(prompt: string): unknown {
  const problem = /<problem>\n([\s\S]*?)\n<\/problem>/.exec(prompt)?.[1] ?? prompt;
  const kind = /<error kind="(\w+)"/.exec(prompt)?.[1] ?? 'assertion';
  const text = problem.toLowerCase();
  const hits = CUES.filter((c) => c.cues.some((cue) => text.includes(cue))).slice(0, 2);
  const chosen = [...(hits.length ? hits : [FALLBACK]), ...(BY_ERROR[kind] ? [BY_ERROR[kind]!] : [])];
  const abilities = chosen.map((c) => c.variants[bucket(`${problem}|${c.variants[0]}`, c.variants.length)]!);
  const categories = [...new Set(chosen.map((c) => c.category))].map((n) => (bucket(`${problem}|${n}`, 6) === 0 ? n.toLowerCase() : n));
  if (bucket(`${problem}|off`, 6) === 0) categories.push('Quantum Computing');
  const what = kind === 'assertion' ? 'returns wrong results' : kind === 'exception' ? 'raises instead of returning' : `fails (${kind})`;
  const explanation = `The completion ${what}: it gets ${abilities[0]!.toLowerCase()} wrong where the reference handles it.`;
  if (bucket(`${problem}|invalid`, 11) === 0) return { abilities: [], categories, explanation };
  return { abilities, categories, explanation };
}

const SETTINGS = [
  'The input comes from a log file of a web server.',
  'The data describes orders in a small online shop.',
  'The values are readings from a weather station.',
  'The records belong to a library catalogue.',
  'The text is typed by users into a search box.',
  'The entries are moves recorded during a board game.',
  'The items are tickets in a support queue.',
  'The data is a list of flights at a regional airport.',
];
const CONSTRAINTS = [
  'Handle an empty input by returning an empty result.',
  'Raise a ValueError with a clear message for malformed input.',
  'Keep the original order of equal elements.',
  'Do it in a single pass over the input.',
  'Do not use any third-party library.',
  'Document the time complexity in the docstring.',
];
const NOUNS = ['records', 'entries', 'tokens', 'fields', 'items', 'lines', 'labels', 'codes'];

function targetedReply(prompt: string): unknown {
  const ability = /^Weak ability: (.+?)(?: \(|$)/m.exec(prompt)?.[1]?.trim() ?? 'problem solving';
  const index = Number(/Write problem (\d+) of (\d+)/.exec(prompt)?.[1] ?? 1);
  const make = (i: number) => {
    const h = (n: number, salt: string) => bucket(`${ability}|${i}|${salt}`, n);
    const noun = NOUNS[h(NOUNS.length, 'noun')]!;
    const fn = `${ability.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')}_${noun}_${i}`;
    return `Write a Python function \`${fn}\` that takes a list of ${noun} and returns them after applying careful ${ability.toLowerCase()} to each one, as described here. ${SETTINGS[h(SETTINGS.length, 'setting')]} ${CONSTRAINTS[h(CONSTRAINTS.length, 'constraint')]}`;
  };
  if (index > 1 && bucket(`${ability}|${index}|dup`, 8) === 1) return { instruction: make(1) };
  let instruction = make(index);
  if (bucket(`${ability}|${index}|leak`, 6) === 0) {
    const doc = /<benchmark_problem[^>]*>\n[\s\S]*?"""([\s\S]*?)"""/.exec(prompt)?.[1]?.trim();
    if (doc) instruction += `\nFor example, in the same spirit: ${doc}`;
  }
  return { instruction };
}

function bucket(text: string, n: number): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) % n;
}
