import { describe, expect, it } from 'vitest';
import { maskDetailed, maskNonCode } from './mask.js';

describe('maskNonCode', () => {
  it('keeps length and line breaks, blanks comments and literal contents, keeps delimiters', () => {
    const src = 'int a = 1; // {\nchar c = \'}\'; /* {\n } */ s = "{\\"}";\n';
    const m = maskNonCode(src, 'c');
    expect(m).toHaveLength(src.length);
    expect(m.split('\n').length).toBe(src.split('\n').length);
    expect(m).toBe('int a = 1;     \nchar c = \' \';     \n      s = "    ";\n');
  });

  it('javascript: regex literals vs division, template holes stay code', () => {
    expect(maskNonCode('x = a / b / c;', 'javascript')).toBe('x = a / b / c;');
    expect(maskNonCode('x = s.replace(/[{]/g, "");', 'javascript')).toBe('x = s.replace(/   /g, "");');
    expect(maskNonCode('t = `a{${f({})}b}`;', 'javascript')).toBe('t = `    f({})   `;');
  });

  it('rust: lifetimes are code, char literals are not', () => {
    expect(maskNonCode("fn f<'a>(x: &'a str) -> char { '{' }", 'rust')).toBe("fn f<'a>(x: &'a str) -> char { ' ' }");
  });

  it('python: prefixed and triple-quoted strings; reports lines that begin inside them', () => {
    const src = 'x = rb"}"\ny = """\ndef f():\n"""\n# c\n';
    const { masked, continuedLines } = maskDetailed(src, 'python');
    expect(masked).toBe('x = rb" "\ny = """\n        \n"""\n   \n');
    expect([...continuedLines]).toEqual([3, 4]);
  });

  it('sql: doubled quotes; dollar-quoted bodies stay code without their semicolons', () => {
    expect(maskNonCode("a = 'it''s;'; $$ x; $$;", 'sql')).toBe("a = '      '; $$ x  $$;");
  });

  it('shell: # starts a comment only at a word start', () => {
    expect(maskNonCode('n=${#a} # note', 'shell')).toBe('n=${#a}       ');
  });
});
