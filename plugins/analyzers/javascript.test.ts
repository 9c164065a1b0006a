import { describe, expect, it } from 'vitest';
import { analyze, applyAnalyzer, errorRules, loadCorpus } from '../../test/fixtures/analyzers/harness.js';
import javascript, { isModuleSource } from './javascript.js';

const corpus = loadCorpus('javascript');

describe('analyzer:javascript (eslint)', () => {
  it('passes the valid corpus and catches every planted error in one mixed batch', async () => {
    const hooks = await applyAnalyzer(javascript);
    const entries = [...corpus.valid, ...corpus.invalid];
    const results = await analyze(hooks, 'javascript', entries);
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
    const [r] = await analyze(await applyAnalyzer(javascript), 'javascript', [{ code }]);
    expect(r!.diagnostics).toEqual([expect.objectContaining({ rule: 'no-undef', line: 3, severity: 'error', tool: 'eslint' })]);
    const [g] = await analyze(await applyAnalyzer(javascript, { globals: ['myGlobal'] }), 'javascript', [{ code }]);
    expect(g!.passed).toBe(true);
    const [d] = await analyze(await applyAnalyzer(javascript, { disable: ['no-undef'] }), 'javascript', [{ code }]);
    expect(d!.passed).toBe(true);
  }, 60_000);

  it('preset recommended also counts unused variables', async () => {
    const [r] = await analyze(await applyAnalyzer(javascript, { preset: 'recommended' }), 'javascript', [{ code: 'const unused = 1;\n' }]);
    expect(r!.diagnostics.map((d) => d.rule)).toEqual(['no-unused-vars']);
  }, 30_000);

  it('tells ES modules from CommonJS scripts', () => {
    expect(isModuleSource("import fs from 'fs';")).toBe(true);
    expect(isModuleSource('export const a = 1;')).toBe(true);
    expect(isModuleSource("const fs = require('fs');\nmodule.exports = {};")).toBe(false);
  });
});
