import { describe, expect, it } from 'vitest';
import { analyze, applyAnalyzer, errorRules, loadCorpus } from '../../test/fixtures/analyzers/harness.js';
import typescript, { usesJsx } from './typescript.js';

const corpus = loadCorpus('typescript');

describe('analyzer:typescript (tsc)', () => {
  it('passes the valid corpus (missing third-party modules, same names in two samples) and catches every planted error', async () => {
    const hooks = await applyAnalyzer(typescript);
    const entries = [...corpus.valid, ...corpus.invalid];
    const results = await analyze(hooks, 'typescript', entries);
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
    const [r] = await analyze(await applyAnalyzer(typescript), 'typescript', [{ code }]);
    expect(r!.diagnostics).toEqual([expect.objectContaining({ rule: 'TS18048', line: 3, severity: 'error', tool: 'tsc' })]);
    const [loose] = await analyze(await applyAnalyzer(typescript, { strict: false }), 'typescript', [{ code }]);
    expect(loose!.passed).toBe(true);
  }, 60_000);

  it('tells JSX from generics', () => {
    expect(usesJsx('return <div className="a">{x}</div>;')).toBe(true);
    expect(usesJsx('const el = <Input value={v} />;')).toBe(true);
    expect(usesJsx('const m = new Map<string, number>(); const y = <string>x;')).toBe(false);
  });
});
