import { describe, expect, it } from 'vitest';
import { ConfigError, InstructsmithError, ToolMissingError } from '../errors.js';
import { createHooks, type CodeSample, type StageContext } from '../hooks.js';
import type { CheckResult, SampleRecord } from '../record.js';
import { createVerifier, dropReason } from './gate.js';

const ctx: StageContext = { stage: 'verified', signal: new AbortController().signal, dryRun: false };

function record(id: string, answer: string, language = 'python'): SampleRecord {
  return {
    id,
    language,
    messages: [
      { role: 'user', content: 'Write it.' },
      { role: 'assistant', content: answer },
    ],
    lineage: { seedId: 's', source: 'x', strategy: 'strategy:test', parentIds: [], generation: 0 },
    scores: [],
    checks: [],
    usage: [],
    meta: {},
    stage: 'responded',
  };
}

/** An in-process analyzer: a line containing `undefined_name` is an E0602 error at that line. */
function fakeAnalyzer(language: string, calls: CodeSample[][]) {
  return async (samples: CodeSample[]): Promise<CheckResult[]> => {
    calls.push(samples);
    return samples.map((s) => {
      const diagnostics = s.code
        .split('\n')
        .flatMap((l, i) => (l.includes('undefined_name') ? [{ tool: 'fake', rule: 'E0602 undefined-variable', severity: 'error' as const, message: 'x', line: i + 1 }] : []));
      return { plugin: `analyzer:${language}`, tool: 'fake', language, passed: diagnostics.length === 0, diagnostics };
    });
  };
}

describe('createVerifier', () => {
  it('batches blocks of concurrent records per language and maps results back', async () => {
    const hooks = createHooks();
    const py: CodeSample[][] = [];
    const js: CodeSample[][] = [];
    hooks.analyze.for('python').tapPromise('analyzer:python', fakeAnalyzer('python', py));
    hooks.analyze.for('javascript').tapPromise('analyzer:javascript', fakeAnalyzer('javascript', js));
    const verifier = createVerifier({ hooks, policy: { batchSize: 100, maxWaitMs: 20 } });
    const records = Array.from({ length: 10 }, (_, i) =>
      record(`r${i}`, `\`\`\`python\nx = ${i}\n${i === 3 ? 'print(undefined_name)\n' : ''}\`\`\`\n\`\`\`js\nconst y = ${i};\n\`\`\``),
    );
    const outcomes = await Promise.all(records.map((r) => verifier.verify(r, ctx)));
    expect(py).toHaveLength(1);
    expect(js).toHaveLength(1);
    expect(py[0]!.map((s) => s.key)).toEqual(records.map((r) => `${r.id}#0`));
    expect(outcomes.map((o) => o.passed)).toEqual(records.map((_, i) => i !== 3));
    expect(outcomes[3]).toMatchObject({ reason: 'python: E0602 undefined-variable (line 2)', category: 'python: E0602 undefined-variable' });
    expect(outcomes[0]!.checks.map((c) => c.language)).toEqual(['python', 'javascript']);
    const stats = verifier.stats();
    expect(stats).toMatchObject({ records: 10, passed: 9, dropped: 1, byRule: { 'python: E0602 undefined-variable': 1 } });
    expect(stats.byLanguage.python).toEqual({ blocks: 10, passed: 9, failed: 1, skipped: 0, droppedRecords: 1 });
  });

  it('flushes a full batch at once and splits larger loads into batchSize calls', async () => {
    const hooks = createHooks();
    const calls: CodeSample[][] = [];
    hooks.analyze.for('python').tapPromise('analyzer:python', fakeAnalyzer('python', calls));
    const verifier = createVerifier({ hooks, policy: { batchSize: 4, maxWaitMs: 10_000 } });
    const started = Date.now();
    await Promise.all(Array.from({ length: 8 }, (_, i) => verifier.verify(record(`r${i}`, `\`\`\`py\nx = ${i}\n\`\`\``), ctx)));
    expect(calls.map((c) => c.length)).toEqual([4, 4]);
    expect(Date.now() - started).toBeLessThan(5_000); // full batches do not wait for maxWaitMs
  });

  it('keeps at most cpuBudget analyzer calls running at once', async () => {
    const hooks = createHooks();
    let running = 0;
    let peak = 0;
    for (const l of ['python', 'javascript', 'go']) {
      hooks.analyze.for(l).tapPromise(`analyzer:${l}`, async (samples) => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        return samples.map(() => ({ plugin: 'a', tool: 't', language: l, passed: true, diagnostics: [] }));
      });
    }
    const verifier = createVerifier({ hooks, policy: { batchSize: 1, cpuBudget: 2 } });
    await Promise.all(
      ['py', 'js', 'go', 'py', 'js', 'go'].map((f, i) => verifier.verify(record(`r${i}`, `\`\`\`${f}\nx\n\`\`\``), ctx)),
    );
    expect(peak).toBe(2);
  });

  it('unhandled: error lists the languages handled; skip records a skipped check', async () => {
    const hooks = createHooks();
    hooks.analyze.for('python').tapPromise('analyzer:python', fakeAnalyzer('python', []));
    const r = record('r1', '```haskell\nmain = print 1\n```');
    const strict = createVerifier({ hooks });
    const err = await strict.verify(r, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstructsmithError);
    expect((err as InstructsmithError).message).toBe('record r1: no analyzer handles haskell; languages handled: python');
    expect((err as InstructsmithError).fatal).toBe(true);
    const lenient = createVerifier({ hooks, policy: { unhandled: 'skip' } });
    const out = await lenient.verify(r, ctx);
    expect(out.passed).toBe(true);
    expect(out.checks[0]!.skipped).toMatch(/no analyzer handles haskell/);
    expect(lenient.stats().byLanguage.haskell).toMatchObject({ blocks: 1, skipped: 1 });
  });

  it('missingTool: error propagates ToolMissingError; skip records skipped checks and stops calling the analyzer', async () => {
    const hooks = createHooks();
    let calls = 0;
    hooks.analyze.for('php').tapPromise('analyzer:php', async () => {
      calls++;
      throw new ToolMissingError('php', 'apt-get install php-cli', 'php');
    });
    const r = (i: number) => record(`r${i}`, '```php\n<?php echo 1;\n```');
    await expect(createVerifier({ hooks }).verify(r(0), ctx)).rejects.toBeInstanceOf(ToolMissingError);
    const lenient = createVerifier({ hooks, policy: { missingTool: 'skip', maxWaitMs: 0 } });
    const first = await lenient.verify(r(1), ctx);
    const second = await lenient.verify(r(2), ctx);
    expect(first.passed && second.passed).toBe(true);
    expect(second.checks[0]!.skipped).toMatch(/php is not installed.*apt-get install php-cli/);
    expect(calls).toBe(2); // once for the strict verifier, once for the lenient one
  });

  it('noCode: reject by default with reason "no code block"; pass keeps the record', async () => {
    const hooks = createHooks();
    hooks.analyze.for('python').tapPromise('analyzer:python', fakeAnalyzer('python', []));
    const r = record('r1', 'I would rather explain the idea in words than write any code for it.');
    expect(await createVerifier({ hooks }).verify(r, ctx)).toEqual({ checks: [], passed: false, reason: 'no code block', category: 'no code block' });
    expect((await createVerifier({ hooks, policy: { noCode: 'pass' } }).verify(r, ctx)).passed).toBe(true);
  });

  it('rejects an analyzer that breaks the one-result-per-sample contract', async () => {
    const hooks = createHooks();
    hooks.analyze.for('python').tapPromise('analyzer:python', async () => []);
    await expect(createVerifier({ hooks }).verify(record('r', '```py\nx\n```'), ctx)).rejects.toThrow(/returned 0 results for 1 samples/);
  });

  it('refuses two analyzers for one language at start, naming both (only the first would ever run)', () => {
    const hooks = createHooks();
    hooks.analyze.for('python').tapPromise('analyzer:python', fakeAnalyzer('python', []));
    hooks.analyze.for('python').tapPromise('analyzer:todo', fakeAnalyzer('python', []));
    expect(() => createVerifier({ hooks })).toThrow('2 analyzers check python (analyzer:python, analyzer:todo), but one language has one analyzer: only analyzer:python would run');
  });

  it('validates the policy and names the key', () => {
    expect(() => createVerifier({ hooks: createHooks(), policy: { batchSize: 0 } as never })).toThrow(ConfigError);
    expect(() => createVerifier({ hooks: createHooks(), policy: { batchsize: 3 } as never })).toThrow(/verify/);
  });
});

describe('dropReason', () => {
  it('names at most three findings and counts the rest', () => {
    const d = (rule: string, line?: number) => ({ tool: 't', rule, severity: 'error' as const, message: 'm', ...(line ? { line } : {}) });
    const checks: CheckResult[] = [
      { plugin: 'p', tool: 't', language: 'python', passed: false, diagnostics: [d('E0602 undefined-variable', 3), d('E0001 syntax-error', 7)] },
      { plugin: 'p', tool: 't', language: 'java', passed: false, diagnostics: [d('tool-crash'), d('cant.resolve', 2)] },
    ];
    expect(dropReason(checks)).toBe('python: E0602 undefined-variable (line 3); python: E0001 syntax-error (line 7); java: tool-crash (+1 more)');
  });
});
