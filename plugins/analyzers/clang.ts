/**
 * Clang-Tidy for C and C++ (the paper's tool for C/C++, Infinite-Instruct arXiv 2505.23177):
 * compile errors and Clang Static Analyzer findings. Shared by `analyzer:c` and `analyzer:cpp`.
 */
import { z, type BatchToolSpec, type CodeSample, type ToolDiagnostic } from '../../core/index.js';
import { runFields, toolRunShape } from './common.js';
import { preparePch, siblingClang } from './clang-pch.js';

/**
 * Static-analyzer checks run by default (our choice): the core, C++ and Unix (malloc, API misuse)
 * families of the Clang Static Analyzer, which report null dereferences, use after free, division
 * by zero, uninitialised reads. Left out: `deadcode.*` (a dead store is not a bug), `optin.*`,
 * `security.insecureAPI.*` (flags every `strcpy`), and `cplusplus.NewDeleteLeaks` (a snippet that
 * builds a list in main and exits is not wrong).
 */
export const DEFAULT_TIDY_CHECKS = '-*,clang-analyzer-core.*,clang-analyzer-cplusplus.*,-clang-analyzer-cplusplus.NewDeleteLeaks,clang-analyzer-unix.*';

/** Headers put before a snippet that has no `#include` at all (a function without includes). */
const WRAPPERS: Record<'c' | 'cpp', string> = {
  c: ['stdio.h', 'stdlib.h', 'string.h', 'math.h', 'stdbool.h', 'stdint.h', 'ctype.h', 'limits.h', 'assert.h'].map((h) => `#include <${h}>`).join('\n'),
  // Competitive-programming style snippets assume both lines; libstdc++ provides bits/stdc++.h.
  cpp: '#include <bits/stdc++.h>\nusing namespace std;',
};

export function clangOptions(language: 'c' | 'cpp') {
  return z
    .object({
      ...toolRunShape,
      command: toolRunShape.command.default('clang-tidy'),
      /** `--checks` glob list. Every finding of an enabled check counts as an error, as do compile errors. */
      checks: z.string().default(DEFAULT_TIDY_CHECKS),
      /** Language standard passed to the compiler. */
      std: z.string().default(language === 'c' ? 'c17' : 'c++17'),
      /** More compiler arguments (`-I/usr/include/eigen3`, `-DNDEBUG`). */
      compilerArgs: z.array(z.string()).default([]),
      /** Prepend standard includes to a snippet with no `#include` (see WRAPPERS). */
      wrap: z.boolean().default(true),
      /**
       * `lenient`: a missing non-standard header (`boost/any.hpp` not found) is a warning, not an
       * error; compilation stops there, so such a sample is only checked up to that line. `strict`: an error.
       */
      missingHeaders: z.enum(['lenient', 'strict']).default('lenient'),
      /**
       * Share a precompiled header among samples that start with the same `#include` lines (see
       * clang-pch.ts): same findings, less header parsing. Needs the `clang` installed beside
       * clang-tidy (Debian's clang-tidy brings it); without it, every file parses its own headers.
       */
      pch: z.boolean().default(true),
      /**
       * Files of one batch that must share a prefix before its header is built (once built, it serves
       * every later batch). 4 is our choice: with clang-tidy 14 a header build costs about one
       * process start plus one parse, and each file using it saves most of a parse.
       */
      pchMinFiles: z.number().int().min(1).default(4),
    })
    .strict();
}

export type ClangOptions = z.output<ReturnType<typeof clangOptions>>;

// clang-tidy: `/abs/s0.cpp:3:9: error: use of undeclared identifier 'x' [clang-diagnostic-error]`
const LINE = /^(.+?):(\d+):(\d+): (error|warning|fatal error): (.*?)(?: \[([\w.,-]+)\])?$/;

/** The BatchToolSpec for clang-tidy checking `language` under these options. */
export function clangTidySpec(language: 'c' | 'cpp', o: ClangOptions): BatchToolSpec {
  const ext = language === 'c' ? '.c' : '.cpp';
  const compilerArgs = [`-std=${o.std}`, ...o.compilerArgs];
  const clangLanguage = language === 'c' ? 'c' : 'c++';
  const clang = o.pch ? siblingClang(o.command) : undefined;
  return {
    plugin: `analyzer:${language}`,
    tool: 'clang-tidy',
    language,
    install: 'apt-get install clang-tidy',
    ...runFields(o),
    fileName: (_s, i) => `s${i}${ext}`,
    prepare(sample: CodeSample) {
      if (!o.wrap || /^\s*#\s*include\b/m.test(sample.code)) return { content: sample.code, lineOffset: 0 };
      const head = WRAPPERS[language];
      return { content: `${head}\n${sample.code}`, lineOffset: head.split('\n').length };
    },
    async setup(dir, files) {
      if (clang) await preparePch(dir, files, { language: clangLanguage, compilerArgs, clang, minFiles: o.pchMinFiles, timeoutMs: o.timeoutMs });
    },
    // With a compilation database (written by setup) each file has its own arguments; else all share them.
    args: (files, dir) =>
      clang
        ? [`--checks=${o.checks}`, '--quiet', '--use-color=false', '-p', dir, ...files.map((f) => f.path)]
        : [`--checks=${o.checks}`, '--quiet', '--use-color=false', ...files.map((f) => f.path), '--', '-x', clangLanguage, ...compilerArgs],
    // clang-tidy exits 1 when a file has compile errors; anything else (a crash) is told apart by its output.
    okExit: (c) => c === 0 || c === 1,
    parse(result) {
      const out: ToolDiagnostic[] = [];
      for (const raw of `${result.stdout}\n${result.stderr}`.split('\n')) {
        const m = LINE.exec(raw);
        if (!m) continue;
        const [, file, line, col, level, message, check] = m;
        const missingHeader = /^'(.+)' file not found$/.exec(message!);
        const lenient = missingHeader && o.missingHeaders === 'lenient';
        out.push({
          file: file!,
          line: Number(line),
          column: Number(col),
          tool: 'clang-tidy',
          rule: lenient ? 'missing-header' : (check?.split(',')[0] ?? (level === 'warning' ? 'clang-diagnostic-warning' : 'clang-diagnostic-error')),
          // Compiler warnings (clang-diagnostic-*) are not errors; an enabled tidy check's finding is.
          severity: lenient ? 'warning' : level !== 'warning' || (check !== undefined && !check.startsWith('clang-diagnostic-')) ? 'error' : 'warning',
          message: lenient ? `${message} (not installed here; the rest of the sample was not checked; missingHeaders: lenient)` : message!,
        });
      }
      return out;
    },
  };
}
