import { canMask, maskDetailed, type Masked } from './mask.js';
import type { Unit } from './unit.js';
import { braceUnits } from './units-brace.js';
import { pythonUnits } from './units-python.js';
import { sqlUnits } from './units-sql.js';
import { codeLines, cutWindows, dedent } from './windows.js';

/** How a file is cut into seeds (option `unit` of `seed:directory`). */
export type UnitMode = 'auto' | 'function' | 'window' | 'file';

export interface SnippetOptions {
  unit: UnitMode;
  minLines: number;
  maxLines: number;
  maxUnitLines: number;
}

/** One planned seed of a file. Lines are 1-based and inclusive, in the file. */
export interface Snippet {
  kind: 'function' | 'class' | 'window' | 'file';
  startLine: number;
  endLine: number;
  /** The snippet's text: the lines, with their common indentation removed. */
  code: string;
  /** Lines of code in it (blank, comment-only and docstring-body lines excluded). */
  codeLines: number;
  meta: Record<string, unknown>;
}

/**
 * Functions and classes of `text`, or undefined when the language has no unit finder (Ruby, ...):
 * Python by indentation, SQL by statement, brace languages by brace matching.
 * @param masked `maskDetailed(text, language)`; computed when not given.
 */
export function findUnits(language: string, text: string, masked?: Masked): Unit[] | undefined {
  if (!canMask(language)) return undefined;
  const m = masked ?? maskDetailed(text, language);
  if (language === 'python') return pythonUnits(m.masked, m.continuedLines);
  if (language === 'sql') return sqlUnits(text, m.masked);
  return braceUnits(text, m.masked, language);
}

/**
 * Cut one file into snippets, in line order.
 *
 * - `file`: the whole file.
 * - `window`: windows of `minLines..maxLines` over the whole file (see {@link cutWindows}).
 * - `function`: every top-level function or class. A unit longer than `maxUnitLines` is replaced by its
 *   members (methods, nested classes) when it has any, else cut into windows (kind `window`, `meta.symbol`
 *   naming the unit they come from). Files without units give nothing.
 * - `auto`: like `function`, but units with fewer than `minLines` lines of code are not units, and all
 *   code outside units (top-level statements, small functions, fields of long classes) is cut into windows.
 *
 * Snippets with fewer than `minLines` lines of code are returned too; the caller skips them as `too_short`.
 */
export function planSnippets(text: string, language: string, opts: SnippetOptions): Snippet[] {
  const original = text.split('\n');
  const detailed = canMask(language) ? maskDetailed(text, language) : undefined;
  const masked = detailed ? detailed.masked.split('\n') : original;
  const total = original.length;
  const make = (kind: Snippet['kind'], startLine: number, endLine: number, meta: Record<string, unknown> = {}): Snippet => ({
    kind,
    startLine,
    endLine,
    code: dedent(original.slice(startLine - 1, endLine), (i) => detailed?.continuedLines.has(startLine + i) ?? false),
    codeLines: codeLines(masked, startLine, endLine),
    meta,
  });
  const windows = (from: number, to: number, meta: Record<string, unknown> = {}) =>
    cutWindows(original, masked, from, to, opts.minLines, opts.maxLines).map((w) => make('window', w.startLine, w.endLine, meta));

  if (opts.unit === 'file') {
    let end = total;
    while (end > 1 && original[end - 1]!.trim() === '') end--;
    return [make('file', 1, end)];
  }
  if (opts.unit === 'window') return windows(1, total);

  const units = detailed ? (findUnits(language, text, detailed) ?? []) : [];
  const auto = opts.unit === 'auto';
  const out: Snippet[] = [];

  const expand = (u: Unit) => {
    const meta = { ...(u.symbol ? { symbol: u.symbol } : {}), ...(u.meta ?? {}) };
    if (u.endLine - u.startLine + 1 <= opts.maxUnitLines) {
      out.push(make(u.kind, u.startLine, u.endLine, meta));
      return;
    }
    const members = u.members.filter((m) => !auto || codeLines(masked, m.startLine, m.endLine) >= opts.minLines);
    if (members.length === 0) {
      out.push(...windows(u.startLine, u.endLine, { ...meta, cutFrom: u.kind }));
      return;
    }
    let next = u.startLine;
    for (const m of members) {
      if (auto && m.startLine > next) out.push(...windows(next, m.startLine - 1, { ...meta, cutFrom: u.kind }));
      expand(m);
      next = m.endLine + 1;
    }
    if (auto && next <= u.endLine) out.push(...windows(next, u.endLine, { ...meta, cutFrom: u.kind }));
  };

  let next = 1;
  for (const u of units) {
    if (u.startLine < next) continue; // overlaps the previous unit (two declarations on one line): keep the first
    if (auto && codeLines(masked, u.startLine, u.endLine) < opts.minLines) continue;
    if (auto && u.startLine > next) out.push(...windows(next, u.startLine - 1));
    expand(u);
    next = u.endLine + 1;
  }
  if (auto && next <= total) out.push(...windows(next, total));
  return out;
}
