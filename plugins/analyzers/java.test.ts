import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../core/index.js';
import { createHarness, PluginTester } from '../../core/testing/index.js';
import { corpusSuite } from '../../test/fixtures/analyzers/corpus-suite.js';
import { corpusCase, samplesOf } from '../../test/fixtures/analyzers/harness.js';
import java, { prepareJava } from './java.js';

describe('prepareJava', () => {
  it('keeps every line where it was', () => {
    const code = 'import java.util.List;\n\npublic static int f(List<Integer> xs) {\n  return xs.size();\n}';
    const out = prepareJava(code, 3, true).split('\n');
    expect(out[0]).toMatch(/^package s3; import java\.util\.\*;.* import java\.util\.List; class Snippet \{ $/);
    expect(out.slice(1, 5)).toEqual(code.split('\n').slice(1));
  });

  it('drops public from top-level types only, keeping columns', () => {
    const out = prepareJava('public class A {\n  public static class B {}\n}', 0, true);
    expect(out).toBe('package s0;        class A {\n  public static class B {}\n}');
  });

  it('moves a declared package under the sample package', () => {
    expect(prepareJava('package com.x;\nclass A {}', 2, true)).toBe('package s2.com.x;\nclass A {}');
  });
});

describe.skipIf(!findExecutable('javac') || !findExecutable('checkstyle'))('analyzer:java (javac + checkstyle)', () => {
  corpusSuite(java, 'java', {}, 180_000);

  it('reports both tools on one check, with snippet lines', async () => {
    const harness = await createHarness([java]);
    const [r] = await harness.analyze('java', samplesOf('java', [{ code: 'class A {\n  boolean f(String s) {\n    return s == "x";\n  }\n}\n' }]));
    expect(r).toMatchObject({ tool: 'javac+checkstyle', passed: false });
    expect(r!.diagnostics).toEqual([expect.objectContaining({ tool: 'checkstyle', rule: 'StringLiteralEquality', line: 3 })]);
  }, 60_000);
});

describe.skipIf(!findExecutable('javac') || !findExecutable('checkstyle'))('analyzer:java with PluginTester', () => {
  it('keeps records whose fenced code passes and drops planted errors at verified under the gate rule', () =>
    new PluginTester().run(java, {
      valid: [corpusCase('java', 'valid', 'Main.java'), corpusCase('java', 'valid', 'method_only.java')],
      invalid: [
        { ...corpusCase('java', 'invalid', 'string_equality.java'), error: { stage: 'verified', category: 'java: StringLiteralEquality' } },
        { ...corpusCase('java', 'invalid', 'missing_return.java'), error: { stage: 'verified', category: 'java: missing.ret.stmt' } },
      ],
    }), 180_000);
});
