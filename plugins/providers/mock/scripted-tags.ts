import { createHash } from 'node:crypto';
import type { MockRequest } from '../../../core/testing/index.js';

/**
 * Cue word in an instruction → the level-1 ability it calls for, as surface variants that all fold to
 * one key (case, plural, hyphenation, a listed synonym), and the level-2 category it belongs to. A
 * real tagger writes the same ability several ways across rows; these variants make the tag
 * normalisation do that work.
 */
const CUES: Array<{ cues: string[]; variants: string[]; category: string }> = [
  { cues: ['sort'], variants: ['sorting algorithm', 'Sorting Algorithms', 'sorting-algorithms'], category: 'Algorithms' },
  { cues: ['string'], variants: ['string manipulation', 'String Manipulation', 'string processing', 'Strings manipulation'], category: 'String Processing' },
  { cues: ['list', 'array'], variants: ['list operation', 'List Operations', 'list operations'], category: 'Data Structures' },
  { cues: ['prime'], variants: ['prime number', 'Prime Numbers', 'prime-numbers'], category: 'Mathematics' },
  { cues: ['sum', 'product', 'average'], variants: ['arithmetic', 'Arithmetic', 'arithmetic.'], category: 'Mathematics' },
  { cues: ['palindrome'], variants: ['palindrome detection', 'Palindrome Detection'], category: 'String Processing' },
  { cues: ['dictionar', 'dict', 'mapping'], variants: ['hash map', 'Hash Maps', 'dictionary', 'hash table'], category: 'Data Structures' },
  { cues: ['recurs', 'fibonacci', 'factorial'], variants: ['recursion', 'Recursion', 'recursive function'], category: 'Algorithms' },
  { cues: ['regex', 'regular expression', 'pattern'], variants: ['regular expression', 'Regular Expressions', 'regex'], category: 'String Processing' },
  { cues: ['sql', 'database'], variants: ['sql query', 'SQL queries', 'SQL Query'], category: 'Databases and SQL' },
  { cues: ['file', 'csv'], variants: ['file handling', 'File Handling', 'file-handling'], category: 'File and I/O Handling' },
  { cues: ['thread', 'async', 'concurren', 'parallel'], variants: ['concurrency', 'Concurrency', 'concurrency.'], category: 'Concurrency and Parallelism' },
  { cues: ['http', 'endpoint', 'html', 'url'], variants: ['http request', 'HTTP Requests', 'HTTP request'], category: 'Web Development' },
  { cues: ['class '], variants: ['class design', 'Class Design', 'class designs'], category: 'Object-Oriented Design' },
  { cues: ['test'], variants: ['unit test', 'Unit Tests', 'unit testing'], category: 'Testing and Debugging' },
  { cues: ['error', 'exception', 'invalid'], variants: ['error handling', 'Error Handling', 'exception handling'], category: 'Testing and Debugging' },
  { cues: ['loop', 'iterate', 'each'], variants: ['iteration', 'Iteration', 'loops'], category: 'Programming Fundamentals' },
  { cues: ['digit'], variants: ['digit manipulation', 'Digit Manipulation'], category: 'Mathematics' },
  { cues: ['bracket', 'parenthes'], variants: ['stack', 'Stacks', 'STACK'], category: 'Data Structures' },
  { cues: ['float', 'decimal'], variants: ['floating point arithmetic', 'Floating-Point Arithmetic'], category: 'Mathematics' },
  { cues: ['count'], variants: ['counting', 'Counting'], category: 'Programming Fundamentals' },
  { cues: ['even', 'odd'], variants: ['parity check', 'Parity Checks'], category: 'Mathematics' },
  { cues: ['vowel', 'character', 'letter'], variants: ['character classification', 'Character Classification'], category: 'String Processing' },
  { cues: ['matrix', 'numpy', 'vector'], variants: ['linear algebra', 'Linear Algebra'], category: 'Scientific Computing' },
  { cues: ['dataframe', 'pandas', 'statistic'], variants: ['data aggregation', 'Data Aggregation'], category: 'Data Analysis' },
  { cues: ['efficient', 'complexity', 'optimi'], variants: ['time complexity', 'Time Complexity'], category: 'Performance Optimization' },
  { cues: ['explain', 'what does'], variants: ['code explanation', 'Code Explanation', 'code explanations'], category: 'Code Comprehension' },
  { cues: ['shell', 'bash', 'command line'], variants: ['shell scripting', 'Shell Scripting', 'shell-scripting'], category: 'DevOps and Tooling' },
];
const FALLBACK = { variants: ['problem solving', 'Problem Solving', 'problem-solving'], category: 'Logical Reasoning' };
/** A category no list holds: the tagger must leave it out of the label (with a note), never keep it. */
const OFF_LIST = 'Quantum Computing';

/**
 * The scripted model's `infinity_tags` reply (`selector:tag`, `selector:match`): level-1 abilities from
 * cue words of the instruction (a variant per row, so surface forms differ as a real tagger's do),
 * level-2 categories of those cues that the prompt's list holds (else one picked from the list).
 * Planted faults, all a pure function of the instruction (so every retry repeats them):
 * - about 1 row in 17 gets an empty abilities list (invalid; the row is dropped, `tagging_failed`);
 * - about 1 category in 6 comes in lower case and 1 in 12 with a trailing "s" dropped (mapped back);
 * - about 1 row in 10 gets an extra category outside the list (left out of the label).
 * Returns undefined for other requests.
 */
export function tagsReply(req: Pick<MockRequest, 'schemaName' | 'lastUser'>): unknown {
  if (req.schemaName !== 'infinity_tags') return undefined;
  const instruction = /<instruction>\n([\s\S]*?)\n<\/instruction>/.exec(req.lastUser)?.[1] ?? req.lastUser;
  const listed = [...(/<categories>\n([\s\S]*?)<\/categories>/.exec(req.lastUser)?.[1] ?? '').matchAll(/^- (.+?): /gm)].map((m) => m[1]!);
  const text = instruction.toLowerCase();
  const hits = CUES.filter((c) => c.cues.some((cue) => text.includes(cue)));
  const chosen = hits.length > 0 ? hits.slice(0, 5) : [FALLBACK];
  const abilities = chosen.map((c) => c.variants[bucket(`${instruction}|${c.variants[0]}`, c.variants.length)]!);
  const names = [...new Set(chosen.map((c) => c.category))].filter((n) => listed.length === 0 || listed.includes(n)).slice(0, 3);
  if (names.length === 0 && listed.length > 0) names.push(listed[bucket(instruction, listed.length)]!);
  const categories = names.map((n) => {
    const h = bucket(`${instruction}|${n}`, 12);
    return h < 2 ? n.toLowerCase() : h === 2 && n.endsWith('s') ? n.slice(0, -1) : n;
  });
  if (bucket(`${instruction}|off`, 10) === 0) categories.push(OFF_LIST);
  if (bucket(`${instruction}|invalid`, 17) === 0) return { abilities: [], categories };
  return { abilities, categories };
}

function bucket(text: string, n: number): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) % n;
}
