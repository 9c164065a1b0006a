import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findExecutable, type BatchFile } from '../../core/index.js';
import { createHarness } from '../../core/testing/index.js';
import { samplesOf } from '../../test/fixtures/analyzers/harness.js';
import { includePrefix, preparePch, siblingClang } from './clang-pch.js';
import cpp from './cpp.js';
import c from './c.js';

describe('includePrefix', () => {
  it('takes the leading angle-bracket includes, across blank lines and comments', () => {
    expect(includePrefix('#include <stdio.h>\n\n// helpers\n#include <string.h>\nint main(void) { return 0; }\n')).toBe('#include <stdio.h>\n#include <string.h>');
    expect(includePrefix('  #  include <vector>  // for v\nint x;\n')).toBe('#  include <vector>  // for v');
  });

  it('stops at anything a later line may depend on', () => {
    expect(includePrefix('#define _GNU_SOURCE\n#include <stdio.h>\n')).toBe('');
    expect(includePrefix('#include <stdio.h>\n#include "local.h"\n#include <string.h>\n')).toBe('#include <stdio.h>');
    expect(includePrefix('/* block */\n#include <stdio.h>\n')).toBe('');
    expect(includePrefix('int main(void) { return 0; }\n')).toBe('');
  });
});

describe.skipIf(!findExecutable('clang-tidy') || !siblingClang('clang-tidy'))('shared precompiled headers', () => {
  // Eight samples per prefix (pchMinFiles is 4): valid ones, a compile error, an analyzer finding,
  // and snippets the wrapper gives <bits/stdc++.h>; findings must not depend on the header.
  const cppSamples = [
    ...Array.from({ length: 5 }, (_, i) => ({ code: `#include <vector>\n#include <numeric>\n\nint sum${i}(const std::vector<int>& v) {\n    return std::accumulate(v.begin(), v.end(), ${i});\n}\n` })),
    { code: '#include <vector>\n#include <numeric>\n\nint broken(const std::vector<int>& v) {\n    return std::accumulate(v.begin(), v.end(), missing_seed);\n}\n' },
    { code: '#include <vector>\n#include <numeric>\n\nint divide(int a) {\n    int zero = 0;\n    return a / zero;\n}\n' },
    { code: '#include <vector>\n#include <numeric>\n\n\nint typed() {\n    std::vector<int> v;\n    return v.no_such_member();\n}\n' },
    ...Array.from({ length: 4 }, (_, i) => ({ code: `int twice${i}(int n) {\n    vector<int> v(n, ${i});\n    return accumulate(v.begin(), v.end(), 0) * undefined_factor${i};\n}\n` })),
  ];

  it('builds a header for a prefix shared by pchMinFiles files, reuses it later, and lists every file in the compilation database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pch-test-'));
    const file = (i: number, content: string): BatchFile => {
      writeFileSync(join(dir, `s${i}.c`), content);
      return { sample: { code: content }, path: `s${i}.c`, absPath: join(dir, `s${i}.c`), content, lineOffset: 0, codeLines: content.split('\n').length } as BatchFile;
    };
    const shared = '#include <stdio.h>\n#include <stdlib.h>\n';
    const files = [0, 1, 2].map((i) => file(i, `${shared}int f${i}(void) { return ${i}; }\n`));
    files.push(file(3, '#include <string.h>\nint g(void) { return 0; }\n'), file(4, 'int h(void) { return 0; }\n'));
    const plan = { language: 'c' as const, compilerArgs: ['-std=c17'], clang: siblingClang('clang-tidy')!, minFiles: 3, timeoutMs: 30_000 };
    expect(await preparePch(dir, files, plan)).toBe(3);
    const db = JSON.parse(readFileSync(join(dir, 'compile_commands.json'), 'utf8')) as Array<{ file: string; arguments: string[] }>;
    expect(db.map((e) => e.file)).toEqual(files.map((f) => f.absPath));
    const pchArg = (e: { arguments: string[] }) => e.arguments[e.arguments.indexOf('-include-pch') + 1];
    expect(db.slice(0, 3).every((e) => e.arguments.includes('-include-pch') && pchArg(e) === pchArg(db[0]!))).toBe(true);
    expect(db.slice(3).some((e) => e.arguments.includes('-include-pch'))).toBe(false);
    // A later batch with a single file of the same prefix uses the header already built.
    const later = [file(5, `${shared}int k(void) { return 5; }\n`)];
    expect(await preparePch(dir, later, plan)).toBe(1);
  }, 60_000);

  it('C++: the same verdicts, rules and lines with and without precompiled headers', async () => {
    const withPch = await (await createHarness([cpp])).analyze('cpp', samplesOf('cpp', cppSamples));
    const without = await (await createHarness([[cpp, { pch: false }]])).analyze('cpp', samplesOf('cpp', cppSamples));
    const view = (rs: typeof withPch) => rs.map((r) => ({ passed: r.passed, diagnostics: r.diagnostics.map((d) => [d.rule, d.line, d.severity]) }));
    expect(view(withPch)).toEqual(view(without));
    expect(withPch.slice(0, 5).every((r) => r.passed)).toBe(true);
    expect(withPch[5]!.diagnostics).toEqual([expect.objectContaining({ rule: 'clang-diagnostic-error', line: 5, severity: 'error' })]);
    expect(withPch[6]!.diagnostics).toEqual([expect.objectContaining({ rule: 'clang-analyzer-core.DivideZero', line: 6, severity: 'error' })]);
    expect(withPch[7]!.diagnostics).toEqual([expect.objectContaining({ rule: 'clang-diagnostic-error', line: 7, severity: 'error' })]);
    // Wrapped snippets: lines are the snippet's own, the undeclared names are caught.
    expect(withPch.slice(8).map((r) => r.diagnostics.map((d) => d.line))).toEqual([[3], [3], [3], [3]]);
  }, 120_000);

  it('C: a prefix whose header is not installed gets no precompiled header and still reports the missing header', async () => {
    const samples = Array.from({ length: 4 }, (_, i) => ({ code: `#include <surely/not_here.h>\nint g${i}(void) { return ${i}; }\n` }));
    const results = await (await createHarness([[c, { missingHeaders: 'strict' }]])).analyze('c', samplesOf('c', samples));
    for (const r of results) expect(r.diagnostics).toEqual([expect.objectContaining({ line: 1, severity: 'error' })]);
  }, 60_000);
});
