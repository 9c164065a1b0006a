/**
 * A whole top-level function or class found in a source file, by 1-based inclusive line span.
 * `members` are the functions/classes directly inside a class (methods, nested classes), used when
 * the class is too long to be one seed.
 */
export interface Unit {
  kind: 'function' | 'class';
  startLine: number;
  endLine: number;
  /** Name where the declaration gives one (`main`, `Stack`, `Foo::bar`); undefined for anonymous ones. */
  symbol?: string;
  members: Unit[];
  /** Extra facts for `seed.meta`, e.g. SQL's statement verb. */
  meta?: Record<string, unknown>;
}

/** 1-based line number of the character at `offset`, given the offsets at which each line starts. */
export function lineAt(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** Offsets at which each line of `text` starts (line 1 at index 0). */
export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
