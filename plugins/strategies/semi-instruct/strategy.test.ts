import { describe, expect, it } from 'vitest';
import { ConfigError, PluginError, type SampleRecord, type Seed } from '../../../core/index.js';
import { createHarness, MockModel } from '../../../core/testing/index.js';
import sandboxExecutor from '../../executors/sandbox/index.js';
import strategy, { type SemiInstructMeta } from './index.js';

/** The strategy (and a Python sandbox) with a model whose semi_instruct reply is always `reply`; `prompts` are what it was sent. */
async function setup(reply: unknown, withExecutor = true) {
  const model = new MockModel().reply({ schema: 'semi_instruct' }, reply);
  const executor = [sandboxExecutor, { languages: ['python'], concurrency: 2, limits: { wallSeconds: 8 } }] as const;
  const h = await createHarness([...(withExecutor ? [executor] : []), [strategy, { testCases: 3 }]], { model });
  const prompts = () => model.requests.map((r) => r.messages.map((m) => m.content).join('\n'));
  return { hooks: h.hooks, runDir: h.runDir, prompts, synthesize: (seed: Seed) => h.synthesize(seed) };
}

const program: Seed = {
  id: 'seed-avg',
  language: 'python',
  code: 'import sys\nnums = [int(x) for x in sys.stdin.read().split()]\nprint(max(nums) - min(nums))\n',
  source: { path: 'tools/spread.py', line: 1 },
  kind: 'file',
  meta: {},
};

const meta = (r: SampleRecord) => r.meta['strategy:semi-instruct'] as SemiInstructMeta;

describe('strategy:semi-instruct', { timeout: 60_000 }, () => {
  it('keeps a program-level sample whose refined solution reproduces every output; failing inputs are discarded with the reason', async () => {
    const refined = 'import sys\nvalues = list(map(int, sys.stdin.read().split()))\nprint(max(values) - min(values))\n';
    const { synthesize, prompts } = await setup({ instruction: 'Read integers from stdin and print the spread between the largest and smallest.', inputs: ['3 9 4', '', '5', '3 9 4'], solution: refined });
    const [r] = await synthesize(program);
    expect(r!.dropped).toBeUndefined();
    expect(prompts()).toHaveLength(1);
    expect(prompts()[0]).toContain('reads its input from standard input');
    expect(prompts()[0]).toContain('exactly 3 different test inputs');
    expect(meta(r!).mode).toBe('program');
    expect(meta(r!).testCases).toEqual([
      { input: '3 9 4', output: '6\n' },
      { input: '5', output: '0\n' },
    ]);
    expect(meta(r!).discardedInputs).toEqual([
      { input: '3 9 4', reason: 'duplicate' },
      { input: '', reason: expect.stringMatching(/^original code failed: error: exited with code 1: .*ValueError/) },
    ]);
    expect(r!.messages).toEqual([
      { role: 'user', content: 'Read integers from stdin and print the spread between the largest and smallest.' },
      { role: 'assistant', content: `\`\`\`python\n${refined.trimEnd()}\n\`\`\`` },
    ]);
    expect(r!.meta.curriculum).toMatchObject({ value: 2, rank: 2 });
    expect(r!.checks[0]).toMatchObject({ plugin: 'strategy:semi-instruct', passed: true });
  });

  it('rejects a refined solution that differs on one case, naming the case, expected and actual output', async () => {
    const wrong = 'import sys\nvalues = list(map(int, sys.stdin.read().split()))\nprint(max(values) - min(values) if len(values) > 1 else 1)\n';
    const { synthesize } = await setup({ instruction: 'Print the spread of the integers given on stdin.', inputs: ['3 9 4', '5'], solution: wrong });
    const [r] = await synthesize(program);
    expect(r!.dropped).toEqual({
      stage: 'synthesized',
      plugin: 'strategy:semi-instruct',
      category: 'mismatch',
      reason: 'test case 2 of 2, input "5": expected "0\\n", got "1\\n" (at line 1: token 1: expected "0", got "1")',
    });
    expect(meta(r!).testCases).toHaveLength(2);
  });

  it('drops a sample none of whose inputs run on the original', async () => {
    const { synthesize } = await setup({ instruction: 'Print the spread of the integers given on stdin.', inputs: ['a b', ''], solution: program.code });
    const [r] = await synthesize(program);
    expect(r!.dropped).toMatchObject({ category: 'no_valid_inputs', reason: expect.stringMatching(/^only 0 of 2 inputs ran on the original code \(need 1\)/) });
  });

  it('drops seeds of a language no executor runs, listing the ones that are run', async () => {
    const { synthesize } = await setup({ instruction: 'unused unused unused', inputs: ['1'], solution: 'x' });
    const [r] = await synthesize({ ...program, language: 'rust', code: 'fn main() {}' });
    expect(r!.dropped).toMatchObject({ category: 'no_executor', reason: 'no executor runs rust code (executors: python)' });
  });

  it('refuses to start without any executor', async () => {
    const { hooks, runDir } = await setup({}, false);
    const err = await hooks.runStart.promise({ runDir, dryRun: false }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(PluginError);
    expect(err).toMatchObject({ plugin: 'strategy:semi-instruct', hook: 'runStart', message: expect.stringMatching(/no executor is configured/) });
    expect((err as PluginError).cause).toBeInstanceOf(ConfigError);
  });
});
