/**
 * `analyzer:typescript`: TypeScript checked with the TypeScript compiler (`tsc`, from npm with
 * instructsmith): syntax and type errors, except those that only say a third-party module or its
 * type definitions are not installed here.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { defineAnalyzer, ToolCrash, z, type BatchToolSpec, type ToolDiagnostic } from '../../core/index.js';
import { closeAtRunEnd, nodeServer, runFields, served, serverShape, toolRunShape, withRerun, type AnalyzeFn, type ServedToolSpec } from './common.js';

const require = createRequire(import.meta.url);

/**
 * Diagnostics that depend on what is installed, not on the code (our choice, after the issue: "type
 * errors that do not depend on missing third-party modules"): a missing module or declaration file
 * (2307, 2792, 7016, 2688) and the "install @types/node / jest / jquery" family (2580-2593). An
 * unresolved import is typed `any`, so it causes no further errors.
 */
export const TS_ENVIRONMENT_CODES = [2307, 2792, 7016, 2688, 2580, 2581, 2582, 2583, 2584, 2591, 2592, 2593];

export const typescriptOptions = z
  .object({
    ...toolRunShape,
    /** Node binary that runs `tsc` (TypeScript itself comes from npm with instructsmith). */
    command: toolRunShape.command.default(process.execPath),
    /**
     * Compile in long-lived Node processes through the TypeScript API (plugins/analyzers/servers/tsc-server.ts,
     * one per verify slot, started on the first batch; the lib `.d.ts` files are parsed once) instead
     * of one `tsc` process per batch; same options and diagnostics. `false`: the CLI.
     */
    ...serverShape,
    /**
     * `strict` on (model-written TypeScript is expected to compile under strict, as `tsc --init` sets it)
     * but `noImplicitAny` off: an unannotated parameter in a snippet is not a bug. Our choice.
     */
    strict: z.boolean().default(true),
    noImplicitAny: z.boolean().default(false),
    /** `--target` and `--lib`. */
    target: z.string().default('es2022'),
    lib: z.array(z.string()).default(['es2023', 'dom', 'dom.iterable']),
    /** TSxxxx codes (numbers) that never count. */
    ignoreCodes: z.array(z.number().int().positive()).default([]),
  })
  .strict();

export type TypescriptOptions = z.output<typeof typescriptOptions>;

/** True when a snippet uses JSX: a closing or self-closing tag, which no generic or cast has (checked as .tsx; otherwise .ts, where `<T>x` casts parse). */
export function usesJsx(code: string): boolean {
  return /<\/[A-Za-z][\w.]*\s*>|<[A-Za-z][\w.]*(?:\s[^<>]*)?\/>/.test(code);
}

// tsc --pretty false: `path(line,col): error TS2304: message`, continuation lines indented.
const LINE = /^(.+?)\((\d+),(\d+)\): (error|warning|message) TS(\d+): (.*)$/;

/** The BatchToolSpec for tsc under these options; `close()` stops its servers. */
export function tscSpec(o: TypescriptOptions): ServedToolSpec {
  const tsc = join(require.resolve('typescript/package.json'), '..', 'bin', 'tsc');
  const ignored = new Set([...TS_ENVIRONMENT_CODES, ...o.ignoreCodes]);
  const spec: ServedToolSpec = {
    close: async () => {},
    plugin: 'analyzer:typescript',
    tool: 'tsc',
    language: 'typescript',
    install: 'npm install typescript (a dependency of instructsmith; reinstall it)',
    ...runFields(o),
    fileName: (s, i) => `s${i}${usesJsx(s.code) ? '.tsx' : '.ts'}`,
    args: (files) => [
      tsc,
      '--noEmit', '--pretty', 'false',
      '--target', o.target, '--lib', o.lib.join(','),
      '--module', 'esnext', '--moduleResolution', 'bundler',
      // Every file is its own module: two samples that both declare `solve` must not collide.
      '--moduleDetection', 'force',
      '--jsx', 'preserve', '--skipLibCheck', '--allowJs', 'false',
      '--strict', String(o.strict), '--noImplicitAny', String(o.noImplicitAny),
      ...files.map((f) => f.path),
    ],
    // 0: clean; 1 or 2: diagnostics reported. A crash also exits 1, told apart by its output below.
    okExit: (c) => c >= 0 && c <= 2,
    parse(result) {
      const out: ToolDiagnostic[] = [];
      let last: ToolDiagnostic | undefined;
      let counted = 0;
      for (const raw of result.stdout.split('\n')) {
        const m = LINE.exec(raw);
        if (m) {
          counted++;
          last = undefined;
          if (ignored.has(Number(m[5]))) continue;
          last = { file: m[1]!, line: Number(m[2]), column: Number(m[3]), tool: 'tsc', rule: `TS${m[5]}`, severity: m[4] === 'error' ? 'error' : 'warning', message: m[6]! };
          out.push(last);
        } else if (last && /^\s+\S/.test(raw)) {
          last.message += `\n${raw.trimEnd()}`;
        }
      }
      if (result.exitCode !== 0 && counted === 0) throw new ToolCrash(`exited ${result.exitCode} without diagnostics: ${(result.stderr || result.stdout).slice(-300)}`);
      return out;
    },
  };
  if (!o.server) return spec;
  // The server parses the same arguments as the CLI, without the script path in front.
  return served(spec, () => nodeServer('tsc-server', o.command), (files, dir) => ({ cwd: dir, args: spec.args(files, dir).slice(1) }));
}

/** tsc reports only syntax errors (TS1xxx) when any file of the program has one; see withRerun. */
export function typescriptAnalyzer(spec: BatchToolSpec): AnalyzeFn {
  return withRerun(spec, (c) => c.diagnostics.some((d) => /^TS1\d{3}$/.test(d.rule)));
}

export default defineAnalyzer({
  name: 'analyzer:typescript',
  description: 'Checks TypeScript with tsc (syntax and type errors, not missing third-party modules); errors drop the sample.',
  language: 'typescript',
  options: typescriptOptions,
  analyzer: (options, ctx) => typescriptAnalyzer(closeAtRunEnd(ctx, tscSpec(options))),
});
