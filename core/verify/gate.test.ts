import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, InstructsmithError, ToolMissingError } from '../errors.js';
import { createHooks, type CodeSample, type StageContext } from '../hooks.js';
import type { CheckResult, SampleRecord } from '../record.js';
import { createVerifier, dropReason, type VerifyPolicyInput } from './gate.js';

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

/** An analyzer whose calls stay running until the test releases them; results all pass. */
function heldAnalyzer(language: string) {
  const calls: Array<{ keys: string[]; release(): void }> = [];
  const state = { running: 0, peak: 0, calls };
  const fn = async (samples: CodeSample[]): Promise<CheckResult[]> => {
    state.peak = Math.max(state.peak, ++state.running);
    await new Promise<void>((release) => calls.push({ keys: samples.map((s) => s.key), release }));
    state.running--;
    return samples.map(() => ({ plugin: `analyzer:${language}`, tool: 'held', language, passed: true, diagnostics: [] }));
  };
  return { fn, state };
}

/** A verifier whose python analyzer is {@link heldAnalyzer}. */
function heldVerifier(policy: VerifyPolicyInput) {
  const hooks = createHooks();
  const a = heldAnalyzer('python');
  hooks.analyze.for('python').tapPromise('analyzer:python', a.fn);
  return { a, verifier: createVerifier({ hooks, policy }) };
}

/** Let queued microtasks and I/O callbacks run (the dispatch happens in a microtask). */
const turn = () => new Promise<void>((r) => setImmediate(r));
const py = (id: string) => record(id, '```python\nx = 1\n```');

describe('createVerifier dispatch (a batch forms when a slot takes it)', () => {
  it('samples arriving while the only slot is busy leave together when it frees', async () => {
    const { a, verifier } = heldVerifier({ dispatch: 'slot', cpuBudget: 1 });
    const out = [verifier.verify(py('r0'), ctx)];
    await turn();
    expect(a.state.calls.map((c) => c.keys)).toEqual([['r0#0']]);
    for (const id of ['r1', 'r2', 'r3']) {
      out.push(verifier.verify(py(id), ctx)); // one by one, as records come from the LLM
      await turn();
    }
    expect(a.state.calls).toHaveLength(1); // nothing leaves while the slot is busy
    a.state.calls[0]!.release();
    await turn();
    expect(a.state.calls.map((c) => c.keys)).toEqual([['r0#0'], ['r1#0', 'r2#0', 'r3#0']]);
    a.state.calls[1]!.release();
    expect((await Promise.all(out)).every((o) => o.passed)).toBe(true);
    expect(verifier.stats().analyzers.python).toMatchObject({ calls: 2, samples: 4, meanBatch: 2, maxBatch: 3 });
  });

  it('with cpuBudget 2 two batches run at once, and the next waits for a free slot', async () => {
    const { a, verifier } = heldVerifier({ dispatch: 'slot', cpuBudget: 2 });
    const out = [verifier.verify(py('r0'), ctx)];
    await turn();
    out.push(verifier.verify(py('r1'), ctx));
    await turn();
    expect(a.state.running).toBe(2);
    out.push(verifier.verify(py('r2'), ctx), verifier.verify(py('r3'), ctx));
    await turn();
    expect(a.state.calls).toHaveLength(2);
    a.state.calls[1]!.release();
    await turn();
    expect(a.state.calls.map((c) => c.keys)).toEqual([['r0#0'], ['r1#0'], ['r2#0', 'r3#0']]);
    a.state.calls[0]!.release();
    a.state.calls[2]!.release();
    await Promise.all(out);
    expect(a.state.peak).toBe(2);
  });

  it('batchSize caps what a free slot takes; the rest leave in later batches, the last one partly filled', async () => {
    const { a, verifier } = heldVerifier({ dispatch: 'slot', cpuBudget: 1, batchSize: 3 });
    const out = [verifier.verify(py('r0'), ctx)];
    await turn();
    out.push(...Array.from({ length: 7 }, (_, i) => verifier.verify(py(`r${i + 1}`), ctx)));
    for (let i = 0; i < 4; i++) {
      await turn();
      a.state.calls[i]!.release();
    }
    expect((await Promise.all(out)).map((o) => o.passed)).toEqual(Array(8).fill(true));
    expect(a.state.calls.map((c) => c.keys.length)).toEqual([1, 3, 3, 1]);
    expect(verifier.stats().analyzers.python).toMatchObject({ calls: 4, samples: 8, maxBatch: 3 });
  });

  it('a free slot serves the language whose oldest sample waited longest', async () => {
    const hooks = createHooks();
    const p = heldAnalyzer('python');
    const j = heldAnalyzer('javascript');
    hooks.analyze.for('python').tapPromise('analyzer:python', p.fn);
    hooks.analyze.for('javascript').tapPromise('analyzer:javascript', j.fn);
    const verifier = createVerifier({ hooks, policy: { dispatch: 'slot', cpuBudget: 1 } });
    const out = [verifier.verify(py('p0'), ctx)];
    await turn();
    for (const r of [record('j1', '```js\nlet a;\n```'), py('p2'), record('j3', '```js\nlet b;\n```')]) {
      out.push(verifier.verify(r, ctx));
      await turn();
    }
    p.state.calls[0]!.release();
    await turn();
    expect(j.state.calls.map((c) => c.keys)).toEqual([['j1#0', 'j3#0']]);
    expect(p.state.calls).toHaveLength(1); // p2 waits for the slot javascript holds
    j.state.calls[0]!.release();
    await turn();
    expect(p.state.calls.map((c) => c.keys)).toEqual([['p0#0'], ['p2#0']]);
    p.state.calls[1]!.release();
    await Promise.all(out);
  });

  it('an analyzer error rejects its batch only; the samples queued behind it still run and settle', async () => {
    const hooks = createHooks();
    let release!: () => void;
    let n = 0;
    hooks.analyze.for('python').tapPromise('analyzer:python', async (samples) => {
      if (n++ === 0) {
        await new Promise<void>((r) => (release = r));
        throw new Error('pylint exploded');
      }
      return samples.map(() => ({ plugin: 'analyzer:python', tool: 't', language: 'python', passed: true, diagnostics: [] }));
    });
    const verifier = createVerifier({ hooks, policy: { dispatch: 'slot', cpuBudget: 1 } });
    const first = verifier.verify(py('r0'), ctx).catch((e: unknown) => e);
    await turn();
    const rest = [py('r1'), py('r2')].map((r) => verifier.verify(r, ctx));
    await turn();
    release();
    expect(((await first) as Error).message).toBe('pylint exploded');
    expect((await Promise.all(rest)).map((o) => o.passed)).toEqual([true, true]);
    expect(verifier.stats().analyzers.python).toMatchObject({ calls: 2, samples: 3, maxBatch: 2 });
  });
});

describe('createVerifier dispatch: fill (the default) and timer (the former policy)', () => {
  afterEach(() => vi.useRealTimers());
  const fakeClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });

  it('fill: a partly filled batch waits while samples keep coming and leaves once the flow is quiet for quietMs', async () => {
    fakeClock();
    const { a, verifier } = heldVerifier({ cpuBudget: 2, quietMs: 100, maxWaitMs: 10_000 });
    const out: Array<Promise<unknown>> = [];
    for (let i = 0; i < 5; i++) {
      out.push(verifier.verify(py(`r${i}`), ctx));
      await vi.advanceTimersByTimeAsync(60); // gaps shorter than quietMs: the flow goes on
    }
    expect(a.state.calls).toHaveLength(0); // two slots free, yet no batch of one left
    await vi.advanceTimersByTimeAsync(40); // the last input: quiet for 100 ms since r4
    expect(a.state.calls.map((c) => c.keys.length)).toEqual([5]);
    a.state.calls[0]!.release();
    await Promise.all(out);
    expect(verifier.stats().analyzers.python!.meanWaitMs).toBe(220); // queued at 0..240, left at 340
  });

  it('fill: flush() lets what waits leave at once, and samples arriving after it wait again', async () => {
    fakeClock();
    const { a, verifier } = heldVerifier({ cpuBudget: 2, quietMs: 100, maxWaitMs: 10_000 });
    const out = [verifier.verify(py('f0'), ctx), verifier.verify(py('f1'), ctx)];
    await vi.advanceTimersByTimeAsync(10);
    expect(a.state.calls).toHaveLength(0);
    verifier.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(a.state.calls.map((c) => c.keys)).toEqual([['f0#0', 'f1#0']]);
    out.push(verifier.verify(py('f2'), ctx));
    await vi.advanceTimersByTimeAsync(50);
    expect(a.state.calls).toHaveLength(1); // f2 came after the flush: it waits for company again
    await vi.advanceTimersByTimeAsync(50);
    expect(a.state.calls.map((c) => c.keys)).toEqual([['f0#0', 'f1#0'], ['f2#0']]);
    a.state.calls.forEach((c) => c.release());
    await Promise.all(out);
  });

  it('fill: drain(true) (the input ended) sends each later sample as a slot frees; drain(false) waits for company again', async () => {
    fakeClock();
    const { a, verifier } = heldVerifier({ cpuBudget: 1, quietMs: 100, maxWaitMs: 10_000 });
    const out = [verifier.verify(py('d0'), ctx)];
    verifier.drain(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(a.state.calls.map((c) => c.keys)).toEqual([['d0#0']]);
    out.push(verifier.verify(py('d1'), ctx), verifier.verify(py('d2'), ctx)); // the only slot is busy: they wait together
    await vi.advanceTimersByTimeAsync(0);
    expect(a.state.calls).toHaveLength(1);
    a.state.calls[0]!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(a.state.calls.map((c) => c.keys)).toEqual([['d0#0'], ['d1#0', 'd2#0']]);
    a.state.calls[1]!.release();
    verifier.drain(false);
    out.push(verifier.verify(py('d3'), ctx));
    await vi.advanceTimersByTimeAsync(50);
    expect(a.state.calls).toHaveLength(2); // a new pass: d3 waits for company
    await vi.advanceTimersByTimeAsync(50);
    expect(a.state.calls).toHaveLength(3);
    a.state.calls[2]!.release();
    await Promise.all(out);
  });

  it('fill: in a steady trickle no sample waits longer than maxWaitMs; the last partial batch leaves once the input is quiet', async () => {
    fakeClock();
    const { a, verifier } = heldVerifier({ cpuBudget: 1, batchSize: 100, quietMs: 100, maxWaitMs: 275 });
    const out: Array<Promise<unknown>> = [];
    for (let i = 0; i < 8; i++) {
      out.push(verifier.verify(py(`t${i}`), ctx)); // one every 90 ms: never quiet for 100 ms
      await vi.advanceTimersByTimeAsync(90);
      a.state.calls.forEach((c) => c.release());
    }
    // t0..t3 (0..270 ms) left when t0 had waited 275 ms; t4..t7 (360..630 ms) at 635 ms.
    expect(a.state.calls.map((c) => c.keys)).toEqual([['t0#0', 't1#0', 't2#0', 't3#0'], ['t4#0', 't5#0', 't6#0', 't7#0']]);
    out.push(verifier.verify(py('t8'), ctx)); // the end of input
    await vi.advanceTimersByTimeAsync(99);
    expect(a.state.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.state.calls.map((c) => c.keys)).toHaveLength(3);
    a.state.calls[2]!.release();
    await Promise.all(out);
  });

  it('fill: an abort settles every sample still waiting, with the abort reason', async () => {
    const { a, verifier } = heldVerifier({ quietMs: 600_000, maxWaitMs: 600_000 });
    const controller = new AbortController();
    const run = { ...ctx, signal: controller.signal };
    const out = [py('r0'), py('r1')].map((r) => verifier.verify(r, run).catch((e: unknown) => e));
    await turn();
    controller.abort(new Error('interrupted by SIGINT'));
    expect((await Promise.all(out)).map((e) => (e as Error).message)).toEqual(['interrupted by SIGINT', 'interrupted by SIGINT']);
    expect(a.state.calls).toHaveLength(0);
    await expect(verifier.verify(py('r2'), run)).rejects.toThrow('interrupted by SIGINT');
  });

  it('fill: missingTool: skip settles the samples waiting behind the call that found the tool missing, without waiting for them', async () => {
    const hooks = createHooks();
    let release!: () => void;
    let calls = 0;
    hooks.analyze.for('php').tapPromise('analyzer:php', async () => {
      calls++;
      await new Promise<void>((r) => (release = r));
      throw new ToolMissingError('php', 'apt-get install php-cli', 'php');
    });
    const verifier = createVerifier({ hooks, policy: { missingTool: 'skip', batchSize: 2, quietMs: 600_000, maxWaitMs: 600_000 } });
    const php = (id: string) => record(id, '```php\n<?php echo 1;\n```');
    const full = [verifier.verify(php('r0'), ctx), verifier.verify(php('r1'), ctx)];
    await turn();
    const waiting = verifier.verify(php('r2'), ctx);
    await turn();
    release();
    const outcomes = await Promise.all([...full, waiting]);
    expect(outcomes.map((o) => o.checks[0]!.skipped)).toEqual(Array(3).fill(expect.stringMatching(/php is not installed/)));
    expect(calls).toBe(1);
  });

  it('timer (the former policy): a batch sealed maxWaitMs after its first sample does not grow while it waits for a slot', async () => {
    fakeClock();
    const { a, verifier } = heldVerifier({ dispatch: 'timer', cpuBudget: 1, maxWaitMs: 25 });
    const out: Array<Promise<unknown>> = [];
    for (let i = 0; i < 3; i++) {
      out.push(verifier.verify(py(`r${i}`), ctx));
      await vi.advanceTimersByTimeAsync(30);
    }
    a.state.calls[0]!.release();
    await vi.advanceTimersByTimeAsync(0);
    a.state.calls[1]!.release();
    await vi.advanceTimersByTimeAsync(0);
    a.state.calls[2]!.release();
    await Promise.all(out);
    expect(a.state.calls.map((c) => c.keys)).toEqual([['r0#0'], ['r1#0'], ['r2#0']]);
  });
});
