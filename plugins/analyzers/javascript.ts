/**
 * `analyzer:javascript`: JavaScript checked with ESLint (the paper's tool for JavaScript,
 * Infinite-Instruct arXiv 2505.23177), run from npm through its CLI with a flat config of our own.
 */
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import globals from 'globals';
import { defineAnalyzer, ToolCrash, z, type ToolDiagnostic } from '../../core/index.js';
import { closeAtRunEnd, nodeServer, runFields, served, serverShape, toolRunShape, type ServedToolSpec } from './common.js';

const require = createRequire(import.meta.url);

/**
 * Rules that count as errors by default: the rules of `eslint:recommended` that report code that
 * fails or misbehaves at run time, not style or dead code (our choice; `no-unused-vars` and
 * `no-empty` would reject valid snippets whose functions are not called). Parse errors always count.
 */
export const ESLINT_BUG_RULES = [
  'no-undef', 'no-dupe-keys', 'no-dupe-args', 'no-dupe-class-members', 'no-dupe-else-if', 'no-duplicate-case',
  'no-const-assign', 'no-func-assign', 'no-class-assign', 'no-import-assign', 'no-obj-calls',
  'no-new-native-nonconstructor', 'no-this-before-super', 'constructor-super', 'getter-return',
  'no-unsafe-negation', 'no-invalid-regexp', 'use-isnan', 'valid-typeof', 'no-self-assign', 'no-setter-return',
  'no-async-promise-executor', 'no-compare-neg-zero', 'no-unsafe-optional-chaining', 'no-delete-var',
];

/** Global-variable sets from the `globals` package a snippet may use without declaring them. */
const ENVS = ['browser', 'node', 'worker', 'serviceworker', 'jest', 'mocha', 'jquery'] as const;

export const javascriptOptions = z
  .object({
    ...toolRunShape,
    /** Node binary that runs ESLint's CLI (ESLint itself comes from npm with instructsmith). */
    command: toolRunShape.command.default(process.execPath),
    /**
     * Lint in long-lived Node processes through ESLint's API (plugins/analyzers/servers/eslint-server.ts,
     * one per verify slot, started on the first batch) instead of one ESLint CLI process per batch;
     * same config and findings. `false`: the CLI.
     */
    ...serverShape,
    /** Rules reported as errors. Default {@link ESLINT_BUG_RULES}; `preset: recommended` uses all of eslint:recommended instead. */
    rules: z.array(z.string().min(1)).optional(),
    preset: z.enum(['bugs', 'recommended']).default('bugs'),
    /** More rules to count, added to the preset's. */
    enable: z.array(z.string().min(1)).default([]),
    /** Rules never counted. */
    disable: z.array(z.string().min(1)).default([]),
    /** Global sets (from the `globals` package) a snippet may use. Default: browser and node. */
    envs: z.array(z.enum(ENVS)).default(['browser', 'node']),
    /** Extra global names, e.g. `["React", "$"]`. */
    globals: z.array(z.string().regex(/^[A-Za-z_$][\w$]*$/)).default([]),
  })
  .strict();

export type JavascriptOptions = z.output<typeof javascriptOptions>;

interface EslintFileResult {
  filePath: string;
  messages: Array<{ ruleId: string | null; severity: number; message: string; line?: number; column?: number; fatal?: boolean }>;
}

/** True when a snippet is an ES module (has import/export statements); otherwise it is linted as CommonJS, which allows `require` and top-level `return`. */
export function isModuleSource(code: string): boolean {
  return /^\s*(import\s*[\w{*'"]|export\s+(default|const|let|var|function|class|async|\{|\*))/m.test(code) || /^\s*await\s/m.test(code);
}

/** The flat config written into each batch directory: all of it is data, so it is written as JSON. */
export function eslintConfig(o: JavascriptOptions, extensions: readonly string[]): unknown[] {
  const recommended = o.preset === 'recommended' ? Object.keys((createRequire(require.resolve('eslint/package.json'))('@eslint/js') as { configs: { recommended: { rules: Record<string, unknown> } } }).configs.recommended.rules) : ESLINT_BUG_RULES;
  const rules = [...new Set([...(o.rules ?? recommended), ...o.enable])].filter((r) => !o.disable.includes(r));
  const declared: Record<string, 'readonly'> = {};
  for (const env of ['builtin', ...o.envs]) for (const name of Object.keys((globals as Record<string, Record<string, unknown>>)[env] ?? {})) declared[name] = 'readonly';
  for (const name of o.globals) declared[name] = 'readonly';
  const base = { ecmaVersion: 'latest', globals: declared, parserOptions: { ecmaFeatures: { jsx: true } } };
  return [
    { files: extensions.map((e) => `**/*${e}`), linterOptions: { reportUnusedDisableDirectives: 'off' }, rules: Object.fromEntries(rules.map((r) => [r, 'error'])) },
    { files: ['**/*.mjs'], languageOptions: { ...base, sourceType: 'module' } },
    { files: ['**/*.cjs'], languageOptions: { ...base, sourceType: 'commonjs' } },
  ];
}

/** The BatchToolSpec for ESLint under these options; `close()` stops its servers. */
export function eslintSpec(o: JavascriptOptions): ServedToolSpec {
  const eslintBin = join(require.resolve('eslint/package.json'), '..', 'bin', 'eslint.js');
  const config = eslintConfig(o, ['.mjs', '.cjs']);
  const spec: ServedToolSpec = {
    close: async () => {},
    plugin: 'analyzer:javascript',
    tool: 'eslint',
    language: 'javascript',
    install: 'npm install eslint (a dependency of instructsmith; reinstall it)',
    ...runFields(o),
    fileName: (s, i) => `s${i}${isModuleSource(s.code) ? '.mjs' : '.cjs'}`,
    async setup(dir) {
      await writeFile(join(dir, 'eslint.config.mjs'), `export default ${JSON.stringify(config)};\n`);
    },
    args: (files, dir) => [eslintBin, '--config', join(dir, 'eslint.config.mjs'), '--format', 'json', '--no-warn-ignored', '--no-ignore', '--', ...files.map((f) => f.path)],
    // ESLint exits 0 (clean), 1 (lint errors) or 2 (configuration or internal error).
    parse(result) {
      let files: EslintFileResult[];
      try {
        files = JSON.parse(result.stdout) as EslintFileResult[];
      } catch {
        throw new ToolCrash(`output is not JSON: ${result.stderr.slice(-300)}`);
      }
      const out: ToolDiagnostic[] = [];
      for (const f of files) {
        for (const m of f.messages) {
          out.push({
            file: f.filePath,
            tool: 'eslint',
            rule: m.ruleId ?? (m.fatal ? 'parse-error' : 'eslint'),
            severity: m.severity === 2 || m.fatal ? 'error' : 'warning',
            message: m.message,
            ...(m.line ? { line: m.line } : {}),
            ...(m.column ? { column: m.column } : {}),
          });
        }
      }
      return out;
    },
  };
  if (!o.server) return spec;
  return served(spec, () => nodeServer('eslint-server', o.command), (files, dir) => ({ cwd: dir, config, files: files.map((f) => f.path) }));
}

export default defineAnalyzer({
  name: 'analyzer:javascript',
  description: 'Checks JavaScript with ESLint (flat config: parse errors and bug-finding rules); errors drop the sample (Infinite-Instruct).',
  language: 'javascript',
  options: javascriptOptions,
  analyzer: (options, ctx) => closeAtRunEnd(ctx, eslintSpec(options)),
});
