import type { Seed } from '../../../core/index.js';
import type { CallMode } from './cases.js';

/**
 * "Tests that can fail" (issue #11): a Semi-Instruct sample is kept only if its test cases could
 * tell a wrong program from the original. A test suite that a program doing nothing passes
 * validates nothing.
 */

// Ways a program reads input, across the languages the sandbox runs (stdin, arguments, input files).
const READS_INPUT =
  /\binput\s*\(|\bsys\.(stdin|argv)\b|\bfileinput\b|\bopen\(\s*0\b|\breadline\b|\bprocess\.(stdin|argv)\b|readFileSync\(\s*(0|['"]\/dev\/stdin)|\bscanf\b|\bgetchar\b|\bfgets\b|\bcin\b|\bgetline\b|\bargv\b|\bos\.(Stdin|Args)\b|\bbufio\b|\bSystem\.in\b|\bScanner\b|\bstdin\(\)|\benv::args\b|\bSTDIN\b|\$argv\b|^\s*read\s+-?\w|\$[1-9@*]/m;

/**
 * Whether a seed can yield discriminating tests at all, decided before any LLM call: a function
 * to call with arguments (function mode), or a program that reads input (stdin or arguments).
 * Module-level code with neither (imports, `__all__`, constants) prints the same for every input.
 * @returns undefined when testable, else the reason
 */
export function untestableReason(seed: Seed, mode: CallMode): string | undefined {
  if (mode.kind === 'function') return undefined;
  if (READS_INPUT.test(seed.code)) return undefined;
  return 'the code names no function to call and reads no input (stdin or arguments), so every test case would expect the same output';
}

/** Words with which an instruction says that the output does not depend on the input. */
const SAYS_CONSTANT = /\b(always (returns?|prints?|outputs?)|constant|regardless of (the )?input|same (output|value|result) for (every|any|all))\b/i;

/** Whether the instruction states that the output is the same for every input. */
export function instructionSaysConstant(instruction: string): boolean {
  return SAYS_CONSTANT.test(instruction);
}

/** A trivial mutant of the original code: one operator or literal changed. */
export interface Mutant {
  /** Mutation operator (our choice, after the classic sufficient set: relational, arithmetic, logical, constant). */
  operator: 'relational' | 'arithmetic' | 'logical' | 'constant' | 'boolean';
  /** 1-based line of the change. */
  line: number;
  from: string;
  to: string;
  code: string;
}

const OPERATORS: { operator: Mutant['operator']; pattern: RegExp; replace: (m: string) => string }[] = [
  { operator: 'relational', pattern: /<=|>=|==|!=|(?<![<>=!-])<(?![<=])|(?<![<>=-])>(?![>=])/, replace: (m) => ({ '<=': '<', '>=': '>', '==': '!=', '!=': '==', '<': '<=', '>': '>=' })[m]! },
  { operator: 'arithmetic', pattern: /(?<=\s)[+\-*](?=\s)/, replace: (m) => ({ '+': '-', '-': '+', '*': '+' })[m]! },
  { operator: 'logical', pattern: /\band\b|\bor\b|&&|\|\|/, replace: (m) => ({ and: 'or', or: 'and', '&&': '||', '||': '&&' })[m]! },
  { operator: 'constant', pattern: /(?<![\w.])\d+(?![\w.])/, replace: (m) => String(Number(m) + 1) },
  { operator: 'boolean', pattern: /\b(True|False|true|false)\b/, replace: (m) => ({ True: 'False', False: 'True', true: 'false', false: 'true' })[m]! },
];

/**
 * Up to one mutant per operator: the first line (outside comments, docstrings and the `def` line)
 * where the operator applies, changed there. Mutants may be equivalent to the original; the
 * caller needs at least one to be killed.
 */
export function mutantsOf(code: string, max = 3): Mutant[] {
  const lines = code.split('\n');
  const candidates = codeLines(lines);
  const out: Mutant[] = [];
  for (const op of OPERATORS) {
    if (out.length >= max) break;
    for (const i of candidates) {
      const text = stripStrings(lines[i]!);
      const m = op.pattern.exec(text);
      if (!m) continue;
      const to = op.replace(m[0]);
      const mutated = [...lines];
      mutated[i] = lines[i]!.slice(0, m.index) + to + lines[i]!.slice(m.index + m[0].length);
      out.push({ operator: op.operator, line: i + 1, from: m[0].trim(), to: to.trim(), code: mutated.join('\n') });
      break;
    }
  }
  return out;
}

// Indices of lines holding code: not blank, not a comment, not inside a docstring, not a def/function/class header.
function codeLines(lines: string[]): number[] {
  const out: number[] = [];
  let inDoc: string | undefined;
  for (const [i, raw] of lines.entries()) {
    const t = raw.trim();
    if (inDoc) {
      if (t.includes(inDoc)) inDoc = undefined;
      continue;
    }
    const q = /^[rbuRBU]?("""|''')/.exec(t)?.[1];
    if (q) {
      if (t.indexOf(q, t.indexOf(q) + 3) === -1) inDoc = q;
      continue;
    }
    if (!t || t.startsWith('#') || t.startsWith('//') || /^(async\s+)?(def|function|class)\b/.test(t) || /^(import|from)\s/.test(t)) continue;
    out.push(i);
  }
  return out;
}

// Blank out string literals (same length) so operators inside them are not mutated.
function stripStrings(line: string): string {
  return line.replace(/(["'`])(?:\\.|(?!\1).)*\1/g, (s) => ' '.repeat(s.length)).replace(/#.*$/, (s) => ' '.repeat(s.length));
}
