/**
 * `analyzer:java`: Java checked with javac (compile errors) and Checkstyle (the paper's tool for
 * Java, Infinite-Instruct arXiv 2505.23177), both batched: one javac and one Checkstyle process per batch.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineAnalyzer, runBatched, ToolCrash, z, type BatchToolSpec, type CheckResult, type CodeSample, type StageContext, type ToolDiagnostic } from '../../core/index.js';
import { runFields, toolRunShape, type AnalyzeFn } from './common.js';

/**
 * Checkstyle checks that count as errors by default: the ones that find bugs rather than style
 * (our choice; Checkstyle's sun/google configurations are style guides and would reject most valid
 * code): `equals` without `hashCode`, comparing strings with `==`, and `equals(T)` overloads.
 */
export const DEFAULT_CHECKSTYLE_CHECKS = ['EqualsHashCode', 'StringLiteralEquality', 'CovariantEquals'];

/** Packages of the JDK: a missing one is a real error, a missing other package is a third-party dependency. */
const JDK_PACKAGE = /^(java|javax|jdk|sun|com\.sun|org\.w3c|org\.xml|org\.ietf)\./;

/** Imports added when a snippet is wrapped into a class (a method outside a class uses collections without importing them). */
const WRAP_IMPORTS = 'import java.util.*; import java.util.function.*; import java.util.stream.*; import java.io.*; import java.math.*;';

export const javaOptions = z
  .object({
    ...toolRunShape,
    command: toolRunShape.command.default('javac'),
    /** Checkstyle executable (Debian's `checkstyle` wrapper). */
    checkstyle: z.string().min(1).default('checkstyle'),
    /** TreeWalker checks whose findings count as errors; `[]` runs javac only. */
    checks: z.array(z.string().regex(/^[A-Z]\w*$/, 'a Checkstyle check name such as EqualsHashCode')).default(DEFAULT_CHECKSTYLE_CHECKS),
    /** Your own Checkstyle configuration file instead of `checks` (all its findings of severity error count). */
    checkstyleConfig: z.string().optional(),
    /** `--release` of javac, e.g. 17. Default: javac's own. */
    release: z.number().int().min(8).optional(),
    /** `lenient`: imports of non-JDK packages that are not installed, and names imported from them, are warnings. */
    thirdParty: z.enum(['lenient', 'strict']).default('lenient'),
    /** Wrap a snippet with no top-level type (a method or statements) into a class. */
    wrap: z.boolean().default(true),
  })
  .strict();

export type JavaOptions = z.output<typeof javaOptions>;

/**
 * Make a snippet compilable in a batch without moving any line: put it in its own package `sN`
 * (two samples may both declare `Main`), drop `public` from top-level types (javac then accepts any
 * file name, and names must be unique because javac's raw diagnostics print base names), and wrap
 * a snippet without a top-level type in a class (members) or a method (statements), on line 1.
 */
export function prepareJava(code: string, index: number, wrap: boolean): string {
  const pkg = `s${index}`;
  let text = depthZeroPublicRemoved(code);
  const hasPackage = /^\s*package\s+[\w.]+\s*;/m.test(text);
  if (hasPackage) text = text.replace(/^(\s*)package\s+([\w.]+)\s*;/m, `$1package ${pkg}.$2;`);
  const hasType = /^\s*(?:(?:abstract|final|sealed|non-sealed|strictfp|static)\s+)*(?:class|interface|enum|record|@interface)\s+\w+/m.test(text);
  if (!wrap || hasType) return hasPackage ? text : `package ${pkg}; ${text}`;
  const lines = text.split('\n');
  const members = isMemberSnippet(lines.filter((l) => !/^\s*(import\s|\/\/|$)/.test(l)).join('\n'));
  const open = members ? 'class Snippet { ' : 'class Snippet { void snippet() throws Exception { ';
  const close = members ? '}' : '}}';
  let lastImport = -1;
  lines.forEach((l, i) => {
    if (/^\s*import\s+[\w.*]+\s*;/.test(l)) lastImport = i;
  });
  const head = `${hasPackage ? '' : `package ${pkg}; `}${WRAP_IMPORTS} `;
  if (lastImport >= 0) {
    lines[0] = `${head}${lines[0]}`;
    lines[lastImport] = `${lines[lastImport]} ${open}`;
  } else {
    lines[0] = `${head}${open}${lines[0]}`;
  }
  return `${lines.join('\n')}\n${close}\n`;
}

/** A method, field or constructor declaration (members) as opposed to statements. */
function isMemberSnippet(code: string): boolean {
  return (
    /^\s*(@\w+|public\b|private\b|protected\b|static\b|final\b|abstract\b|synchronized\b|<)/.test(code) ||
    /^\s*[\w<>[\],.? ]+\s+\w+\s*\([^;{]*\)\s*(throws\s+[\w., ]+)?\s*\{/.test(code)
  );
}

/** Replace `public` before top-level types (brace depth 0) with spaces, so columns stay put. */
function depthZeroPublicRemoved(code: string): string {
  let depth = 0;
  return code
    .split('\n')
    .map((line) => {
      const out = depth === 0 ? line.replace(/^(\s*(?:@\w+(?:\([^)]*\))?\s+)*)public(\s+(?:(?:abstract|final|sealed|non-sealed|strictfp)\s+)*(?:class|interface|enum|record|@interface)\b)/, (_m, a: string, b: string) => `${a}      ${b}`) : line;
      const bare = line.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\/\/.*$/g, '');
      for (const ch of bare) depth += ch === '{' ? 1 : ch === '}' ? -1 : 0;
      if (depth < 0) depth = 0;
      return out;
    })
    .join('\n');
}

// javac -XDrawDiagnostics: `S0.java:3:9: compiler.err.cant.resolve.location: kindname.variable, x, , , (...)`
const JAVAC_LINE = /^(\S+?\.java):(\d+):(\d+): compiler\.(err|warn)\.([\w.]+)(?:: ?(.*))?$/;

/** The javac BatchToolSpec. Files are `S<n>.java` in package `s<n>`. */
export function javacSpec(o: JavaOptions): BatchToolSpec {
  return {
    plugin: 'analyzer:java',
    tool: 'javac',
    language: 'java',
    install: 'apt-get install default-jdk-headless',
    ...runFields(o),
    fileName: (_s, i) => `S${i}.java`,
    prepare: (s, i) => ({ content: prepareJava(s.code, i, o.wrap), lineOffset: 0 }),
    args: (files, dir) => [
      '-XDrawDiagnostics',
      // Keep attributing every file after another file's syntax error, so one broken sample does not hide the type errors of its batch.
      '-XDshould-stop.ifError=FLOW',
      '-proc:none', '-implicit:none', '-nowarn', '-encoding', 'UTF-8', '-Xmaxerrs', '100000',
      ...(o.release ? ['--release', String(o.release)] : []),
      '-d', join(dir, 'classes'),
      ...files.map((f) => f.path),
    ],
    parse(result, files) {
      const out: ToolDiagnostic[] = [];
      const thirdPartyNames = new Map(files.map((f) => [f.path, importedThirdParty(f.sample.code)]));
      let positioned = 0;
      for (const raw of result.stderr.split('\n')) {
        const m = JAVAC_LINE.exec(raw);
        if (!m) continue;
        positioned++;
        const [, file, line, col, level, key, args = ''] = m;
        const excused = o.thirdParty === 'lenient' && level === 'err' && isThirdPartyMiss(key!, args, thirdPartyNames.get(file!));
        out.push({
          file: file!,
          line: Number(line),
          column: Number(col),
          tool: 'javac',
          rule: key!,
          severity: level === 'err' && !excused ? 'error' : 'warning',
          message: excused ? `${args} (a third-party dependency not installed here; thirdParty: lenient)` : args || key!,
        });
      }
      if (result.exitCode !== 0 && positioned === 0) throw new ToolCrash(result.stderr.slice(-400));
      return out;
    },
  };
}

/** Non-JDK imports of a snippet: exact simple names and whether any wildcard import is third-party. */
function importedThirdParty(code: string): { names: Set<string>; packages: Set<string>; wildcard: boolean } {
  const names = new Set<string>();
  const packages = new Set<string>();
  let wildcard = false;
  for (const m of code.matchAll(/^\s*import\s+(static\s+)?([\w.]+?)(\.\*)?\s*;/gm)) {
    const path = m[2]!;
    if (JDK_PACKAGE.test(`${path}.`)) continue;
    if (m[3]) {
      wildcard = true;
      packages.add(path);
    } else {
      names.add(path.split('.').pop()!);
      packages.add(path.split('.').slice(0, -1).join('.'));
    }
  }
  return { names, packages, wildcard };
}

function isThirdPartyMiss(key: string, args: string, imported: ReturnType<typeof importedThirdParty> | undefined): boolean {
  if (!imported) return false;
  if (key === 'doesnt.exist') return !JDK_PACKAGE.test(`${args.trim()}.`);
  if (key === 'cant.resolve.location' || key === 'cant.resolve') {
    const [kind, name] = args.split(',').map((s) => s.trim());
    if (name && imported.names.has(name)) return true;
    return imported.wildcard && (kind === 'kindname.class' || kind === 'kindname.variable') && /^[A-Z]/.test(name ?? '');
  }
  return false;
}

/** The Checkstyle BatchToolSpec (XML report). */
export function checkstyleSpec(o: JavaOptions): BatchToolSpec {
  return {
    plugin: 'analyzer:java',
    tool: 'checkstyle',
    language: 'java',
    install: 'apt-get install checkstyle',
    ...runFields(o),
    command: o.checkstyle,
    fileName: (_s, i) => `S${i}.java`,
    prepare: (s, i) => ({ content: prepareJava(s.code, i, o.wrap), lineOffset: 0 }),
    async setup(dir) {
      if (o.checkstyleConfig) return;
      const modules = o.checks.map((c) => `    <module name="${c}"/>`).join('\n');
      await writeFile(
        join(dir, 'checkstyle.xml'),
        `<?xml version="1.0"?>\n<!DOCTYPE module PUBLIC "-//Checkstyle//DTD Checkstyle Configuration 1.3//EN" "https://checkstyle.org/dtds/configuration_1_3.dtd">\n<module name="Checker">\n  <property name="severity" value="error"/>\n  <module name="TreeWalker">\n${modules}\n  </module>\n</module>\n`,
      );
    },
    args: (files, dir) => ['-c', o.checkstyleConfig ?? join(dir, 'checkstyle.xml'), '-f', 'xml', ...files.map((f) => f.path)],
    // Checkstyle exits with the number of errors found; a crash is told apart by an incomplete report.
    okExit: (c) => c >= 0 && c < 250,
    parse(result) {
      if (!result.stdout.includes('</checkstyle>')) throw new ToolCrash(`no complete XML report: ${(result.stderr || result.stdout).slice(-400)}`);
      const out: ToolDiagnostic[] = [];
      for (const fm of result.stdout.matchAll(/<file name="([^"]+)">([\s\S]*?)<\/file>/g)) {
        for (const em of fm[2]!.matchAll(/<error ([^>]*)\/>/g)) {
          const attr = (n: string) => unescapeXml(new RegExp(`\\b${n}="([^"]*)"`).exec(em[1]!)?.[1] ?? '');
          const line = Number(attr('line'));
          out.push({
            file: unescapeXml(fm[1]!),
            tool: 'checkstyle',
            rule: attr('source').split('.').pop()!.replace(/Check$/, ''),
            severity: attr('severity') === 'error' ? 'error' : 'warning',
            message: attr('message'),
            ...(line ? { line } : {}),
            ...(Number(attr('column')) ? { column: Number(attr('column')) } : {}),
          });
        }
      }
      return out;
    },
  };
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_m, d: string) => String.fromCharCode(Number(d))).replace(/&amp;/g, '&');
}

/**
 * javac over the batch, then Checkstyle over the samples javac compiled cleanly (Checkstyle
 * cannot parse broken code, and a sample javac rejected is dropped already). Each sample's
 * check holds both tools' diagnostics; its `tool` is `javac+checkstyle` when both ran.
 */
export function javaAnalyzer(o: JavaOptions): AnalyzeFn {
  const javac = javacSpec(o);
  const checkstyle = checkstyleSpec(o);
  return async (samples: CodeSample[], stage: StageContext): Promise<CheckResult[]> => {
    const compiled = await runBatched(samples, javac, { signal: stage.signal });
    const clean = samples.flatMap((_s, i) => (compiled[i]!.passed ? [i] : []));
    if (clean.length === 0 || (o.checks.length === 0 && !o.checkstyleConfig)) return compiled;
    const styled = await runBatched(clean.map((i) => samples[i]!), checkstyle, { signal: stage.signal });
    clean.forEach((i, k) => {
      const s = styled[k]!;
      compiled[i] = { ...compiled[i]!, tool: 'javac+checkstyle', passed: s.passed, diagnostics: [...compiled[i]!.diagnostics, ...s.diagnostics] };
    });
    return compiled;
  };
}

export default defineAnalyzer({
  name: 'analyzer:java',
  description: 'Checks Java with javac (compile errors) and Checkstyle (bug-finding checks); errors drop the sample (Infinite-Instruct).',
  language: 'java',
  options: javaOptions,
  analyzer: (options) => javaAnalyzer(options),
});
