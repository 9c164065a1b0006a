import { describe, expect, it } from 'vitest';
import { createHarness, PluginTester } from '../../core/testing/index.js';
import { corpusCase, errorRules, loadCorpus, samplesOf } from '../../test/fixtures/analyzers/harness.js';
import typescript, { usesJsx } from './typescript.js';

const corpus = loadCorpus('typescript');

describe('analyzer:typescript (tsc)', () => {
  it('passes the valid corpus (missing third-party modules, same names in two samples) and catches every planted error', async () => {
    const harness = await createHarness([typescript]);
    const entries = [...corpus.valid, ...corpus.invalid];
    const results = await harness.analyze('typescript', samplesOf('typescript', entries));
    const falsePositives = corpus.valid.flatMap((e, i) => (results[i]!.passed ? [] : [`${e.name}: ${errorRules(results[i]!).join('; ')}`]));
    expect(falsePositives).toEqual([]);
    corpus.invalid.forEach((e, k) => {
      const r = results[corpus.valid.length + k]!;
      expect(r.passed, e.name).toBe(false);
      expect(r.diagnostics.some((d) => e.expect.includes(d.rule)), `${e.name}: ${errorRules(r).join('; ')}`).toBe(true);
    });
  }, 90_000);

  it('reports lines of the snippet; ignoreCodes and strict: false change the verdict', async () => {
    const code = 'let s: string | undefined;\n\nexport const n: number = s.length;\n';
    const [r] = await (await createHarness([typescript])).analyze('typescript', samplesOf('typescript', [{ code }]));
    expect(r!.diagnostics).toEqual([expect.objectContaining({ rule: 'TS18048', line: 3, severity: 'error', tool: 'tsc' })]);
    const [loose] = await (await createHarness([[typescript, { strict: false }]])).analyze('typescript', samplesOf('typescript', [{ code }]));
    expect(loose!.passed).toBe(true);
  }, 60_000);

  it('tells JSX from generics', () => {
    expect(usesJsx('return <div className="a">{x}</div>;')).toBe(true);
    expect(usesJsx('const el = <Input value={v} />;')).toBe(true);
    expect(usesJsx('const m = new Map<string, number>(); const y = <string>x;')).toBe(false);
  });
});

describe('analyzer:typescript with PluginTester', () => {
  it('keeps records whose fenced code passes and drops planted errors at verified under the gate rule', () =>
    new PluginTester().run(typescript, {
      valid: [corpusCase('typescript', 'valid', 'generics.ts.txt', 'ts'), corpusCase('typescript', 'valid', 'component.tsx.txt', 'tsx'), corpusCase('typescript', 'valid', 'third_party.ts.txt')],
      invalid: [
        { ...corpusCase('typescript', 'invalid', 'type_mismatch.ts.txt'), error: { stage: 'verified', category: 'typescript: TS2322' } },
        { ...corpusCase('typescript', 'invalid', 'undefined_name.ts.txt'), error: { stage: 'verified', category: 'typescript: TS2304' } },
        { ...corpusCase('typescript', 'invalid', 'syntax_error.ts.txt', 'ts'), error: { stage: 'verified', category: 'typescript: TS1005' } },
      ],
    }), 180_000);
});
