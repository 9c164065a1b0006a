import { describe, expect, it } from 'vitest';
import { codeLines, cutWindows, dedent } from './windows.js';

/** `n` lines of code `L1..Ln`, with blank lines at the given 1-based positions. */
function lines(n: number, blanks: number[] = []): string[] {
  return Array.from({ length: n }, (_, i) => (blanks.includes(i + 1) ? '' : `L${i + 1}`));
}

describe('cutWindows', () => {
  it('ends windows before a blank line, at the latest one between minLines and maxLines', () => {
    const l = lines(40, [8, 15, 31]);
    expect(cutWindows(l, l, 1, 40, 5, 20)).toEqual([
      { startLine: 1, endLine: 14 },
      { startLine: 16, endLine: 30 },
      { startLine: 32, endLine: 40 },
    ]);
  });

  it('cuts at maxLines without a blank line, and keeps the remainder at least minLines long', () => {
    const l = lines(23);
    const w = cutWindows(l, l, 1, 23, 5, 20);
    expect(w).toEqual([
      { startLine: 1, endLine: 18 },
      { startLine: 19, endLine: 23 },
    ]);
  });

  it('trims lines that are not code from both ends and gives nothing for a stretch without code', () => {
    const original = ['', '# note', 'a = 1', 'b = 2', '', '# tail', ''];
    const masked = ['', '      ', 'a = 1', 'b = 2', '', '      ', ''];
    expect(cutWindows(original, masked, 1, 7, 5, 20)).toEqual([{ startLine: 3, endLine: 4 }]);
    expect(cutWindows(original, masked, 5, 7, 5, 20)).toEqual([]);
    expect(codeLines(masked, 1, 7)).toBe(2);
  });
});

describe('dedent', () => {
  it('removes the common indentation and empties blank lines', () => {
    expect(dedent(['    def f(self):', '        return 1', '   ', '    x = 2'])).toBe('def f(self):\n    return 1\n\nx = 2');
  });
});

describe('dedent with literals', () => {
  it('leaves lines inside a multi-line string alone and ignores them for the prefix', () => {
    const lines = ['    def f(self):', "        return '''", 'at column 0', "    '''"];
    expect(dedent(lines, (i) => i >= 2)).toBe("def f(self):\n    return '''\nat column 0\n    '''");
  });
});
