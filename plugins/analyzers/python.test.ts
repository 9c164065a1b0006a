import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { createHarness, PluginTester } from '../../core/testing/index.js';
import { corpusCase, errorRules, loadCorpus, loadHumanEval, samplesOf } from '../../test/fixtures/analyzers/harness.js';
import python from './python.js';

const corpus = loadCorpus('python');

describe.skipIf(!findExecutable('pylint'))('analyzer:python (pylint)', () => {
  it('passes all 164 HumanEval canonical solutions (prompt + solution) in one batch', async () => {
    const problems = loadHumanEval();
    expect(problems).toHaveLength(164);
    const harness = await createHarness([[python, { maxFiles: 200 }]]);
    const results = await harness.analyze('python', samplesOf('python', problems.map((p) => ({ code: p.prompt + p.canonical_solution }))));
    const failures = results.flatMap((r, i) => (r.passed ? [] : [`${problems[i]!.task_id}: ${errorRules(r).join('; ')}`]));
    expect(failures).toEqual([]);
  }, 120_000);

  it('passes the valid corpus (third-party imports, relative imports, match, async)', async () => {
    const harness = await createHarness([python]);
    const results = await harness.analyze('python', samplesOf('python', corpus.valid));
    const failures = results.flatMap((r, i) => (r.passed ? [] : [`${corpus.valid[i]!.name}: ${errorRules(r).join('; ')}`]));
    expect(failures).toEqual([]);
  }, 60_000);

  it('catches every planted error, under the rule it plants, mixed into one batch with valid code', async () => {
    const harness = await createHarness([python]);
    const entries = [...corpus.invalid, ...corpus.valid];
    const results = await harness.analyze('python', samplesOf('python', entries));
    corpus.invalid.forEach((entry, i) => {
      const r = results[i]!;
      expect(r.passed, entry.name).toBe(false);
      const ids = r.diagnostics.map((d) => d.rule.split(' ')[0]);
      expect(ids, entry.name).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^(${entry.expect.join('|')})$`))]));
    });
    expect(results.slice(corpus.invalid.length).every((r) => r.passed)).toBe(true);
  }, 60_000);

  it('reports lines relative to the sample, with the rule as "ID symbol"', async () => {
    const harness = await createHarness([python]);
    const [r] = await harness.analyze('python', samplesOf('python', [{ code: 'import math\n\n\ndef f(x):\n    return math.sqrt(y)\n' }]));
    expect(r!.diagnostics).toEqual([expect.objectContaining({ tool: 'pylint', rule: 'E0602 undefined-variable', line: 5, severity: 'error' })]);
    expect(r!.plugin).toBe('analyzer:python');
  }, 30_000);

  it('thirdParty: strict reports missing modules; disable turns a rule off', async () => {
    const code = 'import surely_not_installed_pkg\n\nprint(surely_not_installed_pkg.run(undefined_thing))\n';
    const strict = await (await createHarness([[python, { thirdParty: 'strict' }]])).analyze('python', samplesOf('python', [{ code }]));
    expect(strict[0]!.diagnostics.map((d) => d.rule)).toContain('E0401 import-error');
    const lenient = await (await createHarness([[python, { disable: ['undefined-variable'] }]])).analyze('python', samplesOf('python', [{ code }]));
    expect(lenient[0]!.passed).toBe(true);
  }, 30_000);

  it('enable makes a warning-level rule count as an error', async () => {
    const code = 'import os\n\nprint(1)\n';
    const [r] = await (await createHarness([[python, { enable: ['unused-import'] }]])).analyze('python', samplesOf('python', [{ code }]));
    expect(r!.diagnostics.map((d) => d.rule)).toEqual(['W0611 unused-import']);
    expect(r!.passed).toBe(false);
  }, 30_000);

  it('rejects unknown options', () => {
    expect(() => python.options.parse({ errorType: ['error'] })).toThrow();
  });
});

describe('analyzer:python without pylint', () => {
  it('says which package installs pylint', async () => {
    const harness = await createHarness([[python, { command: 'pylint-not-installed-here' }]]);
    await expect(harness.analyze('python', samplesOf('python', [{ code: 'x = 1\n' }]))).rejects.toThrow(/pylint-not-installed-here is not installed/);
    await expect(harness.analyze('python', samplesOf('python', [{ code: 'x = 1\n' }]))).rejects.toMatchObject({ hint: expect.stringContaining('apt-get install pylint') });
  });
});

describe.skipIf(!findExecutable('pylint'))('analyzer:python with PluginTester', () => {
  it('keeps records whose fenced Python passes and drops planted errors at verified under the gate rule', () =>
    new PluginTester().run(python, {
      valid: [corpusCase('python', 'valid', 'script.py'), corpusCase('python', 'valid', 'third_party.py', 'py'), corpusCase('python', 'valid', 'async_match.py')],
      invalid: [
        { ...corpusCase('python', 'invalid', 'undefined_name.py'), error: { stage: 'verified', category: 'python: E0602 undefined-variable', reason: /^python: E0602 undefined-variable \(line \d+\)$/ } },
        { ...corpusCase('python', 'invalid', 'too_many_args.py'), error: { stage: 'verified', category: 'python: E1121 too-many-function-args' } },
        { ...corpusCase('python', 'invalid', 'syntax_error.py'), error: { stage: 'verified', category: 'python: E0001 syntax-error' } },
      ],
    }), 120_000);
});
