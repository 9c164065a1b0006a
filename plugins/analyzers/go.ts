/**
 * `analyzer:go`: Go checked with gofmt (syntax errors, every sample) and `go vet` (type errors and
 * vet's bug checks, for samples whose imports are all in the standard library: the checker
 * machine has no module proxy, so a sample importing `github.com/...` cannot be type-checked
 * here; it keeps an info diagnostic saying so).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineAnalyzer, runBatched, ToolCrash, z, type BatchToolSpec, type CheckResult, type CodeSample, type StageContext, type ToolDiagnostic } from '../../core/index.js';
import { runFields, toolRunShape, type AnalyzeFn } from './common.js';

export const goOptions = z
  .object({
    ...toolRunShape,
    /** The `go` command (for vet). */
    command: toolRunShape.command.default('go'),
    /** The `gofmt` command (for syntax errors). */
    gofmt: z.string().min(1).default('gofmt'),
    /** Run `go vet` (type errors and vet's analyzers) after the syntax check. */
    vet: z.boolean().default(true),
    /** `go` directive of the temporary module. */
    goVersion: z.string().regex(/^1\.\d+$/).default('1.19'),
  })
  .strict();

export type GoOptions = z.output<typeof goOptions>;

/** Put `package main; ` on line 1 of a snippet with no package clause (lines do not move). */
export function prepareGo(code: string): string {
  return /^\s*package\s+\w+/m.test(code) ? code : `package main; ${code}`;
}

/** Import paths of a Go file (single and grouped imports). */
export function goImports(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/^\s*import\s*(?:\w+\s+|\.\s+|_\s+)?"([^"]+)"/gm)) out.push(m[1]!);
  for (const block of code.matchAll(/^\s*import\s*\(([\s\S]*?)\)/gm)) for (const m of block[1]!.matchAll(/"([^"]+)"/g)) out.push(m[1]!);
  return out;
}

/** Standard-library import paths have no dot in their first element (`net/http` vs `github.com/x`). */
const isStdlib = (path: string) => !path.split('/')[0]!.includes('.');

const POS = /^(?:vet: )?(?:\.\/)?(s\d+\/[^:\s]+\.go):(\d+):(\d+): (.*)$/;
const ENV = { GOTOOLCHAIN: 'local', GOPROXY: 'off', GOFLAGS: '-mod=mod', GO111MODULE: 'on', GOWORK: 'off', GOTELEMETRY: 'off' };

function gofmtSpec(o: GoOptions): BatchToolSpec {
  return {
    plugin: 'analyzer:go', tool: 'gofmt', language: 'go', install: 'apt-get install golang-go',
    ...runFields(o),
    command: o.gofmt,
    fileName: (_s, i) => `s${i}/main.go`,
    prepare: (s) => ({ content: prepareGo(s.code), lineOffset: 0 }),
    // -l lists badly formatted files (ignored) instead of printing them; syntax errors go to stderr.
    args: (files) => ['-l', '-e', ...files.map((f) => f.path)],
    okExit: (c) => c === 0 || c === 2,
    parse(result) {
      const out: ToolDiagnostic[] = [];
      for (const line of result.stderr.split('\n')) {
        const m = POS.exec(line);
        if (m) out.push({ file: m[1]!, line: Number(m[2]), column: Number(m[3]), tool: 'gofmt', rule: 'syntax', severity: 'error', message: m[4]! });
        else if (line.trim()) throw new ToolCrash(line);
      }
      return out;
    },
  };
}

function vetSpec(o: GoOptions): BatchToolSpec {
  return {
    plugin: 'analyzer:go', tool: 'go vet', language: 'go', install: 'apt-get install golang-go',
    ...runFields(o),
    env: ENV,
    fileName: (_s, i) => `s${i}/main.go`,
    prepare: (s) => ({ content: prepareGo(s.code), lineOffset: 0 }),
    async setup(dir) {
      await writeFile(join(dir, 'go.mod'), `module instructsmith.check\n\ngo ${o.goVersion}\n`);
    },
    args: (files) => ['vet', ...files.map((f) => `./${f.path.split('/')[0]}`)],
    // 0: clean; 1 or 2: findings or type errors, told apart from a failure of `go` itself by positions.
    okExit: (c) => c >= 0 && c <= 2,
    parse(result) {
      const out: ToolDiagnostic[] = [];
      let other = '';
      for (const line of result.stderr.split('\n')) {
        const m = POS.exec(line);
        if (m) out.push({ file: m[1]!, line: Number(m[2]), column: Number(m[3]), tool: 'go vet', rule: line.startsWith('vet: ') ? 'typecheck' : 'vet', severity: 'error', message: m[4]! });
        else if (line.trim() && !line.startsWith('#')) other += `${line}\n`;
      }
      if (result.exitCode !== 0 && out.length === 0) throw new ToolCrash(other.slice(-400) || 'failed without a finding');
      return out;
    },
  };
}

/** gofmt over the batch, then `go vet` over the samples that parse and import only the standard library. */
export function goAnalyzer(o: GoOptions): AnalyzeFn {
  const fmt = gofmtSpec(o);
  const vet = vetSpec(o);
  return async (samples: CodeSample[], stage: StageContext): Promise<CheckResult[]> => {
    const results = await runBatched(samples, fmt, { signal: stage.signal });
    if (!o.vet) return results;
    const toVet: number[] = [];
    results.forEach((r, i) => {
      if (!r.passed) return;
      const external = goImports(prepareGo(samples[i]!.code)).filter((p) => !isStdlib(p));
      if (external.length === 0) toVet.push(i);
      else r.diagnostics.push({ tool: 'go vet', rule: 'vet-skipped', severity: 'info', message: `not type-checked: imports ${external.join(', ')}, not available offline` });
    });
    const vetted = await runBatched(toVet.map((i) => samples[i]!), vet, { signal: stage.signal });
    toVet.forEach((i, k) => (results[i] = { ...vetted[k]!, tool: 'gofmt+go vet' }));
    return results;
  };
}

export default defineAnalyzer({
  name: 'analyzer:go',
  description: 'Checks Go with gofmt (syntax) and go vet (type errors, vet checks); errors drop the sample.',
  language: 'go',
  options: goOptions,
  analyzer: (options) => goAnalyzer(options),
});
