import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findUnits } from './snippets.js';
import type { Unit } from './unit.js';

// store.ts.txt: a .ts name would make tsc type-check it as project code.
const DIR = fileURLToPath(new URL('../../test/fixtures/seeds/units/', import.meta.url));

/** `kind start-end symbol`, members indented by two spaces. */
function outline(file: string, language: string): string[] {
  const text = readFileSync(DIR + file, 'utf8');
  const lines: string[] = [];
  const walk = (units: Unit[], indent: string) => {
    for (const u of units) {
      lines.push(`${indent}${u.kind} ${u.startLine}-${u.endLine} ${u.symbol ?? '-'}`);
      walk(u.members, indent + '  ');
    }
  };
  walk(findUnits(language, text) ?? [], '');
  return lines;
}

describe('unit finders', () => {
  it('python: decorators, strings that look like code, column-0 comments, class members', () => {
    expect(outline('nested.py', 'python')).toEqual([
      'function 8-19 handler', // the multi-line decorator belongs to it; the """-string and the comment do not end it
      'class 22-30 Outer',
      '  class 23-24 Inner',
      '  function 26-28 value',
      '  function 30-30 run',
    ]);
  });

  it('typescript: functions, arrow functions, class members, type literals; calls are not units', () => {
    expect(outline('store.ts.txt', 'typescript')).toEqual([
      'function 3-6 main', // a regex holding `/*{` does not open a comment or a block
      'class 14-28 Store',
      '  function 16-18 create',
      '  function 19-21 add',
      '  function 22-24 size',
      '  function 25-27 iterate',
      'function 30-32 handler', // nested template literals
      'class 34-36 Options',
      'function 38-40 gen',
    ]);
  });

  it('rust: attributes, lifetimes vs char literals, raw strings, nested comments, impl blocks, mod', () => {
    expect(outline('stack.rs', 'rust')).toEqual([
      'class 3-6 Stack',
      "class 8-19 Stack<'a, T>",
      '  function 9-13 push',
      '  function 15-18 peek',
      'function 22-22 helper',
    ]);
  });

  it('c++: namespaces are looked through, templates, raw strings, qualified names, operators', () => {
    expect(outline('geo.cpp', 'cpp')).toEqual([
      'class 3-8 Point',
      '  function 7-7 Point',
      'function 10-13 Point_norm',
      'function 16-18 Foo::bar',
      'function 19-21 operator==',
    ]);
  });

  it('php, c#, kotlin, shell', () => {
    expect(outline('repo.php', 'php')).toEqual(['class 5-9 UserRepo', '  function 6-8 find', 'function 11-13 helper']);
    expect(outline('greeter.cs', 'csharp')).toEqual(['class 4-13 Greeter', '  function 8-12 Greet']);
    expect(outline('user.kt', 'kotlin')).toEqual(['function 5-7 greet', 'class 9-13 Repo', '  function 10-12 all']);
    expect(outline('build.sh', 'shell')).toEqual(['function 2-4 cleanup', 'function 5-8 build']);
  });

  it('has no unit finder for languages without one', () => {
    expect(findUnits('ruby', 'def f\n  1\nend\n')).toBeUndefined();
  });
});
