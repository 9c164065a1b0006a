/** A 1-based inclusive line span. */
export interface Span {
  startLine: number;
  endLine: number;
}

/**
 * Cut lines `from..to` (1-based, inclusive) into consecutive, non-overlapping windows of at most
 * `maxLines` lines that start and end on code (lines blank once masked, i.e. blank or comment-only,
 * are trimmed from both ends; a stretch with no code gives no window).
 *
 * Each window ends, when possible, just before a blank line, at the latest such point between
 * `minLines` and `maxLines` lines in, so windows follow paragraph boundaries; otherwise it is cut at
 * `maxLines`. When what would remain after a window is shorter than `minLines`, the window is cut
 * earlier so the remainder can be long enough (our choice). Windows may still hold fewer than
 * `minLines` lines of code (short stretches); callers count and skip those.
 *
 * Window size 5..20 lines: Infinite-Instruct (arXiv 2505.23177) §3.1 takes code snippets of 5-20 lines.
 *
 * @param original the file's lines (for blank-line boundaries).
 * @param masked the masked file's lines (see mask.ts; for what counts as code). Same length as `original`.
 */
export function cutWindows(original: readonly string[], masked: readonly string[], from: number, to: number, minLines: number, maxLines: number): Span[] {
  const isCode = (l: number) => (masked[l - 1] ?? '').trim() !== '';
  const isBlank = (l: number) => (original[l - 1] ?? '').trim() === '';
  const spans: Span[] = [];
  let s = from;
  let last = to;
  while (last >= from && !isCode(last)) last--;
  while (s <= last) {
    while (s <= last && !isCode(s)) s++;
    if (s > last) break;
    let hardEnd = Math.min(last, s + maxLines - 1);
    if (hardEnd < last && last - hardEnd < minLines) hardEnd = Math.max(s + minLines - 1, last - minLines);
    let end = hardEnd;
    if (hardEnd < last) {
      for (let e = hardEnd; e >= s + minLines - 1; e--) {
        if (!isBlank(e) && isBlank(e + 1)) {
          end = e;
          break;
        }
      }
    }
    while (end > s && !isCode(end)) end--;
    spans.push({ startLine: s, endLine: end });
    s = end + 1;
  }
  return spans;
}

/** Lines of code in `from..to`: lines that are not blank once masked (comment-only and docstring-body lines do not count). */
export function codeLines(masked: readonly string[], from: number, to: number): number {
  let n = 0;
  for (let l = from; l <= to; l++) if ((masked[l - 1] ?? '').trim() !== '') n++;
  return n;
}

/**
 * Remove the whitespace prefix common to all non-blank lines (like Python's `textwrap.dedent`), so a
 * method cut out of a class reads, and for Python parses, as a top-level definition. Lines for which
 * `insideLiteral(index)` is true (they begin inside a multi-line string) neither count for the prefix
 * nor lose it, so string values stay exactly as written.
 */
export function dedent(lines: readonly string[], insideLiteral: (index: number) => boolean = () => false): string {
  let prefix: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || insideLiteral(i)) continue;
    const ws = /^[ \t]*/.exec(line)![0];
    if (prefix === undefined) prefix = ws;
    else {
      let k = 0;
      while (k < prefix.length && k < ws.length && prefix[k] === ws[k]) k++;
      prefix = prefix.slice(0, k);
    }
    if (prefix === '') break;
  }
  const cut = prefix?.length ?? 0;
  return lines.map((l, i) => (insideLiteral(i) ? l : l.trim() === '' ? '' : l.slice(cut))).join('\n');
}
