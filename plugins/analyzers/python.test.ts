import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { analyze, applyAnalyzer, errorRules, loadCorpus, loadHumanEval } from '../../test/fixtures/analyzers/harness.js';
import python from './python.js';

const corpus = loadCorpus('python');

describe.skipIf(!findExecutable('pylint'))('analyzer:python (pylint)', () => {
  it('passes all 164 HumanEval canonical solutions (prompt + solution) in one batch', async () => {
    const problems = loadHumanEval();
    expect(problems).toHaveLength(164);
    const hooks = await applyAnalyzer(python, { maxFiles: 200 });
    const results = await analyze(hooks, 'python', problems.map((p) => ({ code: p.prompt + p.canonical_solution })));
    const failures = results.flatMap((r, i) => (r.passed ? [] : [`${problems[i]!.task_id}: ${errorRules(r).join('; ')}`]));
    expect(failures).toEqual([]);
  }, 120_000);

  it('passes the valid corpus (third-party imports, relative imports, match, async)', async () => {
    const hooks = await applyAnalyzer(python);
    const results = await analyze(hooks, 'python', corpus.valid);
    const failures = results.flatMap((r, i) => (r.passed ? [] : [`${corpus.valid[i]!.name}: ${errorRules(r).join('; ')}`]));
    expect(failures).toEqual([]);
  }, 60_000);

  it('catches every planted error, under the rule it plants, mixed into one batch with valid code', async () => {
    const hooks = await applyAnalyzer(python);
    const entries = [...corpus.invalid, ...corpus.valid];
    const results = await analyze(hooks, 'python', entries);
    corpus.invalid.forEach((entry, i) => {
      const r = results[i]!;
      expect(r.passed, entry.name).toBe(false);
      const ids = r.diagnostics.map((d) => d.rule.split(' ')[0]);
      expect(ids, entry.name).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^(${entry.expect.join('|')})$`))]));
    });
    expect(results.slice(corpus.invalid.length).every((r) => r.passed)).toBe(true);
  }, 60_000);

  it('reports lines relative to the sample, with the rule as "ID symbol"', async () => {
    const hooks = await applyAnalyzer(python);
    const [r] = await analyze(hooks, 'python', [{ code: 'import math\n\n\ndef f(x):\n    return math.sqrt(y)\n' }]);
    expect(r!.diagnostics).toEqual([expect.objectContaining({ tool: 'pylint', rule: 'E0602 undefined-variable', line: 5, severity: 'error' })]);
    expect(r!.plugin).toBe('analyzer:python');
  }, 30_000);

  it('thirdParty: strict reports missing modules; disable turns a rule off', async () => {
    const code = 'import surely_not_installed_pkg\n\nprint(surely_not_installed_pkg.run(undefined_thing))\n';
    const strict = await analyze(await applyAnalyzer(python, { thirdParty: 'strict' }), 'python', [{ code }]);
    expect(strict[0]!.diagnostics.map((d) => d.rule)).toContain('E0401 import-error');
    const lenient = await analyze(await applyAnalyzer(python, { disable: ['undefined-variable'] }), 'python', [{ code }]);
    expect(lenient[0]!.passed).toBe(true);
  }, 30_000);

  it('enable makes a warning-level rule count as an error', async () => {
    const code = 'import os\n\nprint(1)\n';
    const [r] = await analyze(await applyAnalyzer(python, { enable: ['unused-import'] }), 'python', [{ code }]);
    expect(r!.diagnostics.map((d) => d.rule)).toEqual(['W0611 unused-import']);
    expect(r!.passed).toBe(false);
  }, 30_000);

  it('rejects unknown options', () => {
    expect(() => python.options.parse({ errorType: ['error'] })).toThrow();
  });
});

describe('analyzer:python without pylint', () => {
  it('says which package installs pylint', async () => {
    const hooks = await applyAnalyzer(python, { command: 'pylint-not-installed-here' });
    await expect(analyze(hooks, 'python', [{ code: 'x = 1\n' }])).rejects.toThrow(/pylint-not-installed-here is not installed/);
    await expect(analyze(hooks, 'python', [{ code: 'x = 1\n' }])).rejects.toMatchObject({ hint: expect.stringContaining('apt-get install pylint') });
  });
});
