import { describe, expect, it } from 'vitest';
import { createHarness, PluginTester } from '../../core/testing/index.js';
import { corpusCase, errorRules, loadCorpus, samplesOf } from '../../test/fixtures/analyzers/harness.js';
import javascript, { isModuleSource } from './javascript.js';

const corpus = loadCorpus('javascript');

describe('analyzer:javascript (eslint)', () => {
  it('passes the valid corpus and catches every planted error in one mixed batch', async () => {
    const harness = await createHarness([javascript]);
    const entries = [...corpus.valid, ...corpus.invalid];
    const results = await harness.analyze('javascript', samplesOf('javascript', entries));
    const falsePositives = corpus.valid.flatMap((e, i) => (results[i]!.passed ? [] : [`${e.name}: ${errorRules(results[i]!).join('; ')}`]));
    expect(falsePositives).toEqual([]);
    corpus.invalid.forEach((e, k) => {
      const r = results[corpus.valid.length + k]!;
      expect(r.passed, e.name).toBe(false);
      expect(r.diagnostics.map((d) => d.rule), e.name).toEqual(expect.arrayContaining(e.expect));
    });
  }, 60_000);

  it('reports lines of the snippet and honours disable / globals', async () => {
    const code = 'const a = 1;\n\nconsole.log(a, myGlobal);\n';
    const [r] = await (await createHarness([javascript])).analyze('javascript', samplesOf('javascript', [{ code }]));
    expect(r!.diagnostics).toEqual([expect.objectContaining({ rule: 'no-undef', line: 3, severity: 'error', tool: 'eslint' })]);
    const [g] = await (await createHarness([[javascript, { globals: ['myGlobal'] }]])).analyze('javascript', samplesOf('javascript', [{ code }]));
    expect(g!.passed).toBe(true);
    const [d] = await (await createHarness([[javascript, { disable: ['no-undef'] }]])).analyze('javascript', samplesOf('javascript', [{ code }]));
    expect(d!.passed).toBe(true);
  }, 60_000);

  it('preset recommended also counts unused variables', async () => {
    const [r] = await (await createHarness([[javascript, { preset: 'recommended' }]])).analyze('javascript', samplesOf('javascript', [{ code: 'const unused = 1;\n' }]));
    expect(r!.diagnostics.map((d) => d.rule)).toEqual(['no-unused-vars']);
  }, 30_000);

  it('tells ES modules from CommonJS scripts', () => {
    expect(isModuleSource("import fs from 'fs';")).toBe(true);
    expect(isModuleSource('export const a = 1;')).toBe(true);
    expect(isModuleSource("const fs = require('fs');\nmodule.exports = {};")).toBe(false);
  });
});

describe('analyzer:javascript with PluginTester', () => {
  it('keeps records whose fenced code passes and drops planted errors at verified under the gate rule', () =>
    new PluginTester().run(javascript, {
      valid: [corpusCase('javascript', 'valid', 'commonjs.js'), corpusCase('javascript', 'valid', 'esm_imports.js', 'js'), corpusCase('javascript', 'valid', 'jsx_component.js', 'jsx')],
      invalid: [
        { ...corpusCase('javascript', 'invalid', 'undefined_name.js'), error: { stage: 'verified', category: 'javascript: no-undef' } },
        { ...corpusCase('javascript', 'invalid', 'const_assign.js'), error: { stage: 'verified', category: 'javascript: no-const-assign' } },
        { ...corpusCase('javascript', 'invalid', 'syntax_error.js'), error: { stage: 'verified', category: 'javascript: parse-error' } },
      ],
    }), 180_000);
});
