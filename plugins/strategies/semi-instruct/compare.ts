/**
 * Comparing what a program produced with what was expected (Semi-Instruct's check that a refined
 * solution reproduces the original code's outputs, arXiv 2403.00338 §3; a test-running judge).
 *
 * Two kinds of output:
 * - values returned by a function, encoded as JSON by a harness ({@link EncodedValue}): compared
 *   structurally, numbers with a tolerance, optionally ignoring list order;
 * - stdout of a program: normalised ({@link normalizeStdout}), then compared line by line and token
 *   by token, numeric tokens with the same tolerance, optionally ignoring line order.
 */

/**
 * A value as a harness encodes it: plain JSON, plus single-key tagged objects for what JSON cannot say:
 * `{"$tuple": [...]}`, `{"$set": [...]}` (order never matters), `{"$dict": [[key, value], ...]}` (keys of
 * any type; order never matters), `{"$float": "nan" | "inf" | "-inf"}`, `{"$int": "digits"}` (integers
 * beyond 2^53), `{"$repr": "..."}` (anything else, compared as text).
 */
export type EncodedValue = null | boolean | number | string | EncodedValue[] | { [tag: string]: unknown };

export interface CompareOptions {
  /**
   * Relative tolerance for numbers (`|a-b| <= max(relTol·max(|a|,|b|), absTol)`, the rule of
   * Python's `math.isclose`). Default 1e-6 (our choice: absorbs float formatting and summation order).
   */
  relTol?: number;
  /** Absolute tolerance for numbers near zero. Default 1e-9 (our choice). */
  absTol?: number;
  /** Compare lists (function values) or lines (stdout) as multisets: for tasks whose answer order does not matter. Default false. */
  unordered?: boolean;
}

/** Outcome of a comparison: where the first difference is, as a path (`$[2].name`, `line 3 token 2`). */
export interface Comparison {
  equal: boolean;
  /** Where they differ; `$` is the whole value. Unset when equal. */
  path?: string;
  /** One sentence: what differs. Unset when equal. */
  reason?: string;
}

const EQUAL: Comparison = Object.freeze({ equal: true }) as Comparison;

/** True when two numbers are equal within tolerance; NaN equals NaN and infinities equal themselves. */
export function numbersClose(a: number, b: number, options: CompareOptions = {}): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const rel = options.relTol ?? 1e-6;
  const abs = options.absTol ?? 1e-9;
  return Math.abs(a - b) <= Math.max(rel * Math.max(Math.abs(a), Math.abs(b)), abs);
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.$float === 'string') return o.$float === 'nan' ? NaN : o.$float === '-inf' ? -Infinity : Infinity;
    if (typeof o.$int === 'string') return Number(o.$int);
  }
  return undefined;
}

function tagOf(v: unknown): string | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0]!.startsWith('$') ? keys[0] : undefined;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  const tag = tagOf(v);
  if (tag) return tag.slice(1);
  return typeof v;
}

/**
 * Compare two harness-encoded values (see {@link EncodedValue}).
 * Numbers (including `$float` and `$int`) compare within tolerance, and an int equals a float of the
 * same value (as in Python); booleans are not numbers here. Big `$int`s compare exactly as digits.
 * Sets and dict entries compare regardless of order; lists and tuples in order unless `unordered`.
 */
export function compareValues(expected: unknown, actual: unknown, options: CompareOptions = {}, path = '$'): Comparison {
  const en = asNumber(expected);
  const an = asNumber(actual);
  if (en !== undefined && an !== undefined) {
    const ei = tagOf(expected) === '$int' ? (expected as { $int: string }).$int : undefined;
    const ai = tagOf(actual) === '$int' ? (actual as { $int: string }).$int : undefined;
    if (ei !== undefined && ai !== undefined) return ei === ai ? EQUAL : diff(path, `expected ${ei}, got ${ai}`);
    return numbersClose(en, an, options) ? EQUAL : diff(path, `expected ${fmt(expected)}, got ${fmt(actual)}`);
  }
  const ek = kind(expected);
  const ak = kind(actual);
  if (ek !== ak) return diff(path, `expected a ${ek} (${fmt(expected)}), got a ${ak} (${fmt(actual)})`);
  switch (ek) {
    case 'null':
      return EQUAL;
    case 'boolean':
    case 'string':
      return expected === actual ? EQUAL : diff(path, `expected ${fmt(expected)}, got ${fmt(actual)}`);
    case 'list':
      return compareLists(expected as unknown[], actual as unknown[], options, path, options.unordered ?? false);
    case 'tuple':
      return compareLists((expected as { $tuple: unknown[] }).$tuple, (actual as { $tuple: unknown[] }).$tuple, options, path, options.unordered ?? false);
    case 'set':
      return compareLists((expected as { $set: unknown[] }).$set, (actual as { $set: unknown[] }).$set, options, path, true);
    case 'dict':
      return compareLists((expected as { $dict: unknown[] }).$dict, (actual as { $dict: unknown[] }).$dict, options, path, true);
    case 'repr':
      return (expected as { $repr: string }).$repr === (actual as { $repr: string }).$repr ? EQUAL : diff(path, `expected ${fmt(expected)}, got ${fmt(actual)}`);
    case 'object': {
      const e = expected as Record<string, unknown>;
      const a = actual as Record<string, unknown>;
      const keys = new Set([...Object.keys(e), ...Object.keys(a)]);
      for (const k of [...keys].sort()) {
        if (!(k in a)) return diff(`${path}.${k}`, 'missing');
        if (!(k in e)) return diff(`${path}.${k}`, 'unexpected key');
        const c = compareValues(e[k], a[k], options, `${path}.${k}`);
        if (!c.equal) return c;
      }
      return EQUAL;
    }
    default:
      return diff(path, `cannot compare values of kind ${ek}`);
  }
}

function compareLists(e: unknown[], a: unknown[], options: CompareOptions, path: string, unordered: boolean): Comparison {
  if (!Array.isArray(e) || !Array.isArray(a)) return diff(path, 'malformed encoded value');
  if (e.length !== a.length) return diff(path, `expected ${e.length} items, got ${a.length}`);
  if (!unordered) {
    for (let i = 0; i < e.length; i++) {
      const c = compareValues(e[i], a[i], options, `${path}[${i}]`);
      if (!c.equal) return c;
    }
    return EQUAL;
  }
  // Multiset matching, O(n²): tolerance makes sorting unsound (1.0000001 and 1 sort apart from 0.99999).
  const used = new Array<boolean>(a.length).fill(false);
  for (let i = 0; i < e.length; i++) {
    const j = a.findIndex((x, k) => !used[k] && compareValues(e[i], x, options).equal);
    if (j < 0) return diff(`${path}[${i}]`, `expected item ${fmt(e[i])} has no match (order ignored)`);
    used[j] = true;
  }
  return EQUAL;
}

/**
 * Normalise stdout before comparing: CRLF and CR become LF, trailing whitespace of every line is
 * removed, and trailing empty lines are dropped. Leading whitespace is kept (it can be the answer).
 */
export function normalizeStdout(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[ \t\f\v]+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i;

function tokenNumber(t: string): number | undefined {
  if (!NUMERIC.test(t)) return undefined;
  const l = t.toLowerCase().replace(/^\+/, '');
  if (l === 'nan' || l === '-nan') return NaN;
  if (l.endsWith('inf') || l.endsWith('infinity')) return l.startsWith('-') ? -Infinity : Infinity;
  return Number(t);
}

function compareLine(e: string, a: string, options: CompareOptions): string | undefined {
  const et = e.split(/\s+/).filter(Boolean);
  const at = a.split(/\s+/).filter(Boolean);
  if (et.length !== at.length) return `expected ${et.length} tokens (${JSON.stringify(e)}), got ${at.length} (${JSON.stringify(a)})`;
  for (let i = 0; i < et.length; i++) {
    if (et[i] === at[i]) continue;
    const en = tokenNumber(et[i]!);
    const an = tokenNumber(at[i]!);
    if (en !== undefined && an !== undefined && numbersClose(en, an, options)) continue;
    return `token ${i + 1}: expected ${JSON.stringify(et[i])}, got ${JSON.stringify(at[i])}`;
  }
  return undefined;
}

/**
 * Compare two programs' stdout after {@link normalizeStdout}: line by line, whitespace-separated
 * tokens equal, or both numbers within tolerance (`0.30000000000000004` equals `0.3`). With
 * `unordered`, lines are matched as a multiset.
 */
export function compareStdout(expected: string, actual: string, options: CompareOptions = {}): Comparison {
  const e = normalizeStdout(expected).split('\n');
  const a = normalizeStdout(actual).split('\n');
  if (e.length !== a.length) return diff('$', `expected ${e.length} lines, got ${a.length}`);
  if (!options.unordered) {
    for (let i = 0; i < e.length; i++) {
      const why = compareLine(e[i]!, a[i]!, options);
      if (why) return diff(`line ${i + 1}`, why);
    }
    return EQUAL;
  }
  const used = new Array<boolean>(a.length).fill(false);
  for (let i = 0; i < e.length; i++) {
    const j = a.findIndex((x, k) => !used[k] && compareLine(e[i]!, x, options) === undefined);
    if (j < 0) return diff(`line ${i + 1}`, `expected line ${JSON.stringify(e[i])} has no match (order ignored)`);
    used[j] = true;
  }
  return EQUAL;
}

function diff(path: string, reason: string): Comparison {
  return { equal: false, path, reason };
}

function fmt(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
