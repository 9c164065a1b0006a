/**
 * `analyzer:rust`: Rust checked with rustc in metadata-only mode (`--emit=metadata`: parsing, name
 * resolution, type and borrow checking, no code generation). A batch is one crate whose modules
 * are the samples, so one rustc process checks them all.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineAnalyzer, ToolCrash, z, type BatchToolSpec, type ToolDiagnostic } from '../../core/index.js';
import { runFields, toolRunShape, withRerun } from './common.js';

/** Paths that are not external crates. */
const BUILTIN_ROOTS = new Set(['std', 'core', 'alloc', 'crate', 'self', 'super', 'proc_macro', 'test']);

export const rustOptions = z
  .object({
    ...toolRunShape,
    command: toolRunShape.command.default('rustc'),
    edition: z.enum(['2015', '2018', '2021', '2024']).default('2021'),
    /**
     * `lenient`: errors that only say an external crate (`serde`, `tokio`) is not available, and
     * macros imported from it, are warnings (a crates.io dependency is not a bug). `strict`: errors.
     */
    thirdParty: z.enum(['lenient', 'strict']).default('lenient'),
  })
  .strict();

export type RustOptions = z.output<typeof rustOptions>;

interface RustcDiagnostic {
  message: string;
  code: { code: string } | null;
  level: string;
  spans: Array<{ file_name: string; line_start: number; column_start: number; is_primary: boolean }>;
}

/** External crates a snippet uses (`use serde::X`, `extern crate rand`, `serde_json::from_str`) and the names it imports from them. */
export function externalCrates(code: string): { crates: Set<string>; names: Set<string> } {
  const crates = new Set<string>();
  const names = new Set<string>();
  for (const m of code.matchAll(/^\s*(?:pub\s+)?use\s+(?:::)?(\w+)::([^;]*);/gm)) {
    if (BUILTIN_ROOTS.has(m[1]!)) continue;
    crates.add(m[1]!);
    for (const n of m[2]!.matchAll(/\w+/g)) names.add(n[0]);
  }
  for (const m of code.matchAll(/^\s*extern\s+crate\s+(\w+)/gm)) if (!BUILTIN_ROOTS.has(m[1]!)) crates.add(m[1]!);
  // Paths written without a `use` (`serde_json::from_str`): a lower-case root that is not a module of the snippet.
  const localMods = new Set([...code.matchAll(/\bmod\s+(\w+)/g)].map((m) => m[1]!));
  for (const m of code.matchAll(/(?<![\w:])([a-z_][a-z0-9_]*)::/g)) {
    if (!BUILTIN_ROOTS.has(m[1]!) && !localMods.has(m[1]!)) crates.add(m[1]!);
  }
  return { crates, names };
}

function excused(d: RustcDiagnostic, ext: ReturnType<typeof externalCrates>): boolean {
  const quoted = [...d.message.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  if (d.code && ['E0432', 'E0433', 'E0463'].includes(d.code.code)) return quoted.some((q) => ext.crates.has(q.split('::')[0]!));
  // rustc 1.63 (Debian 12) says `cannot determine resolution for the derive macro` where newer ones say `cannot find derive macro`.
  if (/^cannot (?:find|determine resolution for the) (?:derive macro|attribute(?: macro)?|macro)/.test(d.message)) return quoted.some((q) => ext.names.has(q));
  return false;
}

/** The BatchToolSpec for rustc: each sample is module `sN` (file `sN.rs`) of one library crate. */
export function rustcSpec(o: RustOptions): BatchToolSpec {
  let run = 0;
  return {
    plugin: 'analyzer:rust',
    tool: 'rustc',
    language: 'rust',
    install: 'apt-get install rustc (or rustup: https://rustup.rs)',
    ...runFields(o),
    fileName: (_s, i) => `s${i}.rs`,
    args(files, dir) {
      // Each run (a bisected half too) gets its own crate root naming exactly its files.
      const root = `lib${run++}.rs`;
      writeFileSync(join(dir, root), files.map((f) => `#[path = "${f.path}"] mod ${f.path.replace(/\.rs$/, '')};`).join('\n') + '\n');
      return ['--edition', o.edition, '--crate-type', 'lib', '--crate-name', 'instructsmith_check', '--emit=metadata', '--error-format=json', '-A', 'warnings', '--out-dir', join(dir, 'out'), root];
    },
    // 0: clean, 1: errors; 101 is an internal compiler error (a crash).
    parse(result, files) {
      const ext = new Map(files.map((f) => [f.path, externalCrates(f.sample.code)]));
      const out: ToolDiagnostic[] = [];
      for (const line of result.stderr.split('\n')) {
        if (!line.startsWith('{')) continue;
        let d: RustcDiagnostic;
        try {
          d = JSON.parse(line) as RustcDiagnostic;
        } catch {
          throw new ToolCrash(`unreadable diagnostic: ${line.slice(0, 200)}`);
        }
        if (d.level !== 'error') continue;
        const span = d.spans.find((s) => s.is_primary) ?? d.spans[0];
        if (!span) continue; // "aborting due to N previous errors"
        const lenient = o.thirdParty === 'lenient' && ext.has(span.file_name) && excused(d, ext.get(span.file_name)!);
        out.push({
          file: span.file_name,
          line: span.line_start,
          column: span.column_start,
          tool: 'rustc',
          rule: d.code?.code ?? 'syntax',
          severity: lenient ? 'warning' : 'error',
          message: lenient ? `${d.message} (an external crate not available here; thirdParty: lenient)` : d.message,
        });
      }
      if (result.exitCode !== 0 && !out.some((d) => d.severity === 'error') && !/"level":"error"/.test(result.stderr)) {
        throw new ToolCrash(result.stderr.slice(-400) || 'failed without a diagnostic');
      }
      return out;
    },
  };
}

export default defineAnalyzer({
  name: 'analyzer:rust',
  description: 'Checks Rust with rustc --emit=metadata (syntax, name, type and borrow errors); errors drop the sample.',
  language: 'rust',
  options: rustOptions,
  // An error in one module can stop rustc before later phases check the others: a parse error always;
  // in rustc 1.63 (Debian 12) an unresolved import too (even one excused as an external crate), which
  // hides every borrow error of the batch. So any module with a finding is set aside and the rest rechecked.
  analyzer: (options) => withRerun(rustcSpec(options), (c) => c.diagnostics.length > 0),
});
