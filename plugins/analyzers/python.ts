/**
 * `analyzer:python`: Python code checked with PyLint, the tool Infinite-Instruct uses for Python
 * (arXiv 2505.23177, cross-lingual static verification: error-level findings drop the sample).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { defineAnalyzer, findExecutable, ToolCrash, z, type ToolDiagnostic } from '../../core/index.js';
import { closeAtRunEnd, ruleListed, runFields, served, serverShape, toolRunShape, type ServedToolSpec } from './common.js';

/** PyLint message types, from most to least severe (pylint docs, "Messages control"). */
const TYPES = ['fatal', 'error', 'warning', 'refactor', 'convention', 'info'] as const;
const TYPE_LETTER: Record<(typeof TYPES)[number], string> = { fatal: 'F', error: 'E', warning: 'W', refactor: 'R', convention: 'C', info: 'I' };

/**
 * Rules that report on what the checking machine has installed rather than on the code: with
 * `thirdParty: lenient` they are off (E0401, E0402) or kept only when about the standard library
 * (E1101, E0611, E1102). Our choice: a sample that imports `numpy` or `django` is valid code whether
 * or not they are installed here, while `os.nope` is still an error.
 */
const IMPORT_RULES = ['E0401', 'import-error', 'E0402', 'relative-beyond-top-level'];
const MODULE_MEMBER_RULES = new Set(['E1101', 'E0611', 'E1102']);

export const pythonOptions = z
  .object({
    ...toolRunShape,
    command: toolRunShape.command.default('pylint'),
    /**
     * Run pylint in long-lived Python processes (plugins/analyzers/servers/pylint_server.py, one
     * per verify slot, started on the first batch) instead of one `pylint` process per batch: the
     * same arguments and findings without the interpreter, pylint and astroid start-up per batch.
     * Used when pylint's interpreter (its shebang) imports pylint; otherwise the CLI runs. `false`: always the CLI.
     */
    ...serverShape,
    /**
     * PyLint message types that count as errors. Default `error` and `fatal`: the paper keeps
     * error-level findings only. Only these checkers run, so pylint stays fast.
     */
    errorTypes: z.array(z.enum(TYPES)).min(1).default(['error', 'fatal']),
    /** More rules (id or symbol, `W0611` or `unused-import`) that count as errors. */
    enable: z.array(z.string().min(1)).default([]),
    /** Rules (id or symbol) that never count, e.g. `E1136`. */
    disable: z.array(z.string().min(1)).default([]),
    /** `lenient`: missing third-party modules and their members are not errors (see IMPORT_RULES). `strict`: they are. */
    thirdParty: z.enum(['lenient', 'strict']).default('lenient'),
    /** Python version pylint checks against (`--py-version`), e.g. `3.8`; default: pylint's own interpreter. */
    pyVersion: z.string().regex(/^3\.\d+$/, 'expected "3.N", e.g. "3.10"').optional(),
  })
  .strict();

export type PythonOptions = z.output<typeof pythonOptions>;

interface PylintMessage {
  type: string;
  path: string;
  line?: number | null;
  column?: number | null;
  symbol: string;
  message: string;
  'message-id': string;
}

/** The BatchToolSpec for pylint under these options (exported for the benchmark and for reuse); `close()` stops its servers. */
export function pylintSpec(o: PythonOptions): ServedToolSpec {
  const disable = [...o.disable, ...(o.thirdParty === 'lenient' ? IMPORT_RULES : [])];
  const enable = [...new Set([...o.errorTypes.map((t) => TYPE_LETTER[t]), ...o.enable])];
  let stdlib: Set<string> | undefined;
  const spec: ServedToolSpec = {
    close: async () => {},
    plugin: 'analyzer:python',
    tool: 'pylint',
    language: 'python',
    install: 'apt-get install pylint (or: pip install pylint)',
    ...runFields(o),
    fileName: (_s, i) => `s${i}.py`,
    async setup() {
      if (o.thirdParty === 'lenient') stdlib ??= await stdlibModules(o.command);
    },
    args: (files) => [
      // An empty rcfile: a pylintrc in the user's home or working directory must not change the verdict.
      '--rcfile=/dev/null',
      '--output-format=json',
      '--score=n',
      '--persistent=n',
      '--disable=all',
      `--enable=${enable.join(',')}`,
      ...(disable.length ? [`--disable=${disable.join(',')}`] : []),
      ...(o.pyVersion ? [`--py-version=${o.pyVersion}`] : []),
      '--',
      ...files.map((f) => f.path),
    ],
    // pylint's exit status is a bit mask of message types found (1 fatal ... 16 convention); 32 is a usage error.
    okExit: (code) => code >= 0 && code < 32,
    parse(result) {
      let messages: PylintMessage[];
      try {
        messages = JSON.parse(result.stdout || '[]') as PylintMessage[];
      } catch {
        throw new ToolCrash(`output is not JSON: ${result.stderr.slice(-300) || result.stdout.slice(0, 300)}`);
      }
      if (!Array.isArray(messages)) throw new ToolCrash('output is not a JSON array');
      const out: ToolDiagnostic[] = [];
      for (const m of messages) {
        const id = m['message-id'];
        if (ruleListed(disable, id, m.symbol)) continue;
        if (!o.errorTypes.includes(m.type as PythonOptions['errorTypes'][number]) && !ruleListed(o.enable, id, m.symbol)) continue;
        if (o.thirdParty === 'lenient' && MODULE_MEMBER_RULES.has(id) && aboutThirdParty(m.message, stdlib)) continue;
        out.push({
          file: m.path,
          tool: 'pylint',
          rule: `${id} ${m.symbol}`,
          severity: 'error',
          message: m.message,
          ...(m.line ? { line: m.line } : {}),
          ...(typeof m.column === 'number' ? { column: m.column + 1 } : {}),
        });
      }
      return out;
    },
  };
  if (!o.server) return spec;
  return served(
    spec,
    async () => {
      const python = await pylintPython(o.command);
      if (!python) return undefined;
      return { name: 'pylint server', command: python, args: [PYLINT_SERVER] };
    },
    (files, dir) => ({ cwd: dir, args: spec.args(files, dir) }),
  );
}

/** The server script: next to this file in the sources, under plugins/ beside dist/ in the package. */
const PYLINT_SERVER = [new URL('./servers/pylint_server.py', import.meta.url), new URL('../../../plugins/analyzers/servers/pylint_server.py', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(p)) ?? fileURLToPath(new URL('./servers/pylint_server.py', import.meta.url));

/** The interpreter pylint is installed in: its shebang, else python3 on PATH. */
function interpreterOf(pylint: string): string {
  const exe = findExecutable(pylint);
  try {
    const shebang = exe ? /^#!\s*(\S+)/.exec(readFileSync(exe, 'utf8').slice(0, 200))?.[1] : undefined;
    if (shebang && !shebang.endsWith('/env')) return shebang;
  } catch {
    // a binary launcher: fall back to python3 on PATH
  }
  return 'python3';
}

const serverPython = new Map<string, Promise<string | undefined>>();

/** pylint's interpreter when it can import pylint (so the server runs the same pylint as the CLI), else undefined. */
function pylintPython(pylint: string): Promise<string | undefined> {
  let hit = serverPython.get(pylint);
  if (!hit) {
    const python = interpreterOf(pylint);
    hit = execa(python, ['-c', 'import pylint.lint'], { timeout: 30_000, reject: false }).then((r) => (r.exitCode === 0 ? python : undefined));
    serverPython.set(pylint, hit);
  }
  return hit;
}

/** True when a member/name message is about a module outside the standard library (`Module 'numpy' has no 'x' member`). */
function aboutThirdParty(message: string, stdlib: Set<string> | undefined): boolean {
  const mod = /[Mm]odule '([\w.]*)'/.exec(message)?.[1];
  if (mod === undefined) return false;
  if (mod === '') return true; // a relative import (`from . import x`): the package is not part of the snippet
  return !(stdlib ?? new Set()).has(mod.split('.')[0]!);
}

const stdlibCache = new Map<string, Promise<Set<string>>>();

/** `sys.stdlib_module_names` of the interpreter pylint runs on (read from its shebang). */
function stdlibModules(pylint: string): Promise<Set<string>> {
  let hit = stdlibCache.get(pylint);
  if (!hit) {
    hit = (async () => {
      const python = interpreterOf(pylint);
      const r = await execa(python, ['-c', 'import sys; print("\\n".join(sorted(sys.stdlib_module_names)))'], { timeout: 15_000, reject: false });
      if (r.exitCode !== 0) throw new ToolCrash(`cannot list the standard library of ${python}: ${String(r.stderr).slice(-200)}`);
      return new Set(String(r.stdout).split('\n').filter(Boolean));
    })();
    stdlibCache.set(pylint, hit);
  }
  return hit;
}

export default defineAnalyzer({
  name: 'analyzer:python',
  description: 'Checks Python code with pylint; error and fatal messages drop the sample (Infinite-Instruct).',
  language: 'python',
  options: pythonOptions,
  analyzer: (options, ctx) => closeAtRunEnd(ctx, pylintSpec(options)),
});
