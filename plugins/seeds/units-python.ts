import type { Unit } from './unit.js';

/**
 * Whole top-level `def`/`async def`/`class` statements of a Python file, by indentation, each with
 * the decorator lines directly above it. A unit runs until the next statement that starts at its own
 * indentation or less; trailing blank and comment-only lines are not part of it. Members of a class
 * are the `def`/`class` statements at the class body's indentation.
 *
 * Works on masked text (mask.ts), so lines inside triple-quoted strings never look like statements,
 * and lines inside open brackets or after a `\` continuation are not statement starts.
 *
 * @param masked `maskDetailed(text, 'python').masked` (same lines as the source).
 * @param continuedLines `maskDetailed(...).continuedLines`: lines that begin inside a string.
 * @returns units in source order.
 */
export function pythonUnits(masked: string, continuedLines: ReadonlySet<number>): Unit[] {
  const stmts = statementStarts(masked, continuedLines);
  return unitsAt(stmts, 0, stmts.length, 0);
}

interface Stmt {
  /** 1-based line. */
  line: number;
  indent: number;
  text: string;
  /** Last line of the statement's own text (continuation lines included). */
  lastLine: number;
}

// Statement starts: lines that begin outside brackets and continuations, and hold code.
function statementStarts(masked: string, continuedLines: ReadonlySet<number>): Stmt[] {
  const lines = masked.split('\n');
  const out: Stmt[] = [];
  let depth = 0;
  let continued = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (depth === 0 && !continued && !continuedLines.has(i + 1) && trimmed !== '') {
      out.push({ line: i + 1, indent: indentOf(line), text: trimmed, lastLine: i + 1 });
    } else if (trimmed !== '' && out.length > 0) {
      out[out.length - 1]!.lastLine = i + 1;
    }
    for (const ch of line) {
      if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) depth--;
    }
    continued = /\\\s*$/.test(line);
  }
  return out;
}

// Python counts a tab as advancing to the next multiple of 8 columns.
function indentOf(line: string): number {
  let col = 0;
  for (const ch of line) {
    if (ch === ' ') col++;
    else if (ch === '\t') col = (Math.floor(col / 8) + 1) * 8;
    else if (ch === '\f') col = 0;
    else break;
  }
  return col;
}

const DEF = /^(?:async\s+)?def\s+([A-Za-z_]\w*)/;
const CLASS = /^class\s+([A-Za-z_]\w*)/;

// Units among stmts[from, to) whose statements start exactly at `indent`.
function unitsAt(stmts: Stmt[], from: number, to: number, indent: number): Unit[] {
  const units: Unit[] = [];
  for (let i = from; i < to; i++) {
    const s = stmts[i]!;
    if (s.indent !== indent) continue;
    let j = i;
    while (j < to && stmts[j]!.indent === indent && stmts[j]!.text.startsWith('@')) j++;
    const decl = stmts[j];
    if (j >= to || !decl || decl.indent !== indent) {
      i = j - 1;
      continue;
    }
    const def = DEF.exec(decl.text);
    const cls = def ? null : CLASS.exec(decl.text);
    if (!def && !cls) {
      i = j;
      continue;
    }
    // The body: every following statement indented deeper than the declaration.
    let k = j + 1;
    while (k < to && stmts[k]!.indent > indent) k++;
    const endLine = stmts[k - 1]!.lastLine;
    units.push({
      kind: def ? 'function' : 'class',
      startLine: s.line,
      endLine,
      symbol: (def ?? cls)![1]!,
      members: cls && k > j + 1 ? unitsAt(stmts, j + 1, k, stmts[j + 1]!.indent) : [],
    });
    i = k - 1;
  }
  return units;
}
