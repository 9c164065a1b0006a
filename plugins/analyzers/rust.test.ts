import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { createHarness, PluginTester } from '../../core/testing/index.js';
import { corpusSuite } from '../../test/fixtures/analyzers/corpus-suite.js';
import { corpusCase, samplesOf } from '../../test/fixtures/analyzers/harness.js';
import plugin from './rust.js';

describe.skipIf(!findExecutable('rustc'))('analyzer:rust (rustc)', () => {
  corpusSuite(plugin, 'rust');

  it('syntax errors in some samples do not hide the type errors of the others', async () => {
    // rustc stops at the first module that does not parse: two broken samples take two reruns.
    const results = await (await createHarness([plugin])).analyze('rust', samplesOf('rust', [{ code: 'fn a( {\n' }, { code: 'fn b() -> u8 {\n    "x"\n}\n' }, { code: 'fn c() {}\n' }, { code: 'fn d() { let = 1; }\n' }]));
    expect(results.map((r) => r.passed)).toEqual([false, false, true, false]);
    expect(results[1]!.diagnostics).toEqual([expect.objectContaining({ rule: 'E0308', line: 2 })]);
  }, 60_000);

  it('thirdParty: strict makes a missing crate an error', async () => {
    const [r] = await (await createHarness([[plugin, { thirdParty: 'strict' }]])).analyze('rust', samplesOf('rust', [{ code: 'use rand::Rng;\n' }]));
    expect(r!.passed).toBe(false);
  }, 60_000);
});

describe.skipIf(!findExecutable('rustc'))('analyzer:rust with PluginTester', () => {
  it('keeps records whose fenced code passes and drops planted errors at verified under the gate rule', () =>
    new PluginTester().run(plugin, {
      valid: [corpusCase('rust', 'valid', 'main.rs'), corpusCase('rust', 'valid', 'traits_generics.rs', 'rs')],
      invalid: [
        { ...corpusCase('rust', 'invalid', 'borrow.rs'), error: { stage: 'verified', category: 'rust: E0382' } },
        { ...corpusCase('rust', 'invalid', 'type_mismatch.rs'), error: { stage: 'verified', category: 'rust: E0308' } },
        { ...corpusCase('rust', 'invalid', 'syntax_error.rs'), error: { stage: 'verified', category: 'rust: syntax' } },
      ],
    }), 180_000);
});
