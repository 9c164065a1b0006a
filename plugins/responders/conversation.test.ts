import { describe, expect, it } from 'vitest';
import { createRecord, findExecutable, type SampleRecord, type Seed } from '../../core/index.js';
import { createHarness, MockModel, PluginTester, type MockRequest } from '../../core/testing/index.js';
import { python } from '../analyzers/index.js';
import conversation, { FOLLOWUP_KINDS } from './conversation.js';

const INSTRUCTION = 'Write a Python function `clamp(x, lo, hi)` that limits x to the closed range [lo, hi].';
const GOOD = (n: number) => `Answer ${n}.\n\n\`\`\`python\ndef clamp(x, lo, hi):\n    """Limit x to [lo, hi]."""\n    return max(lo, min(x, hi))\n\`\`\``;
const BAD = 'Answer with a bug.\n\n```python\ndef clamp(x, lo, hi):\n    return max(lo, min(x, hi)) + undefined_offset\n```';
const userTurns = (req: MockRequest) => req.messages.filter((m) => m.role === 'user').length;

/** Answers by the number of user turns in the prompt (`bad`: which answer has the undefined name); follow-ups name the kind they were asked for. */
function script(opts: { bad?: number } = {}) {
  return (req: MockRequest) => {
    if (req.schemaName === 'infinity_followup') {
      const kind = /Kind of follow-up: ([A-Za-z ]+?):/.exec(req.lastUser)![1];
      const asked = req.lastUser.split('<turn role="user">').length - 1;
      return { followup: `[${kind}] Please change \`clamp\` once more (request ${asked}).` };
    }
    if (req.json) return undefined;
    const n = userTurns(req);
    return n === opts.bad ? BAD : GOOD(n);
  };
}

const seed: Seed = { id: 's1', language: 'python', code: INSTRUCTION, source: { path: 'pool.jsonl', line: 1 }, kind: 'record', meta: {} };
const recordOf = (instruction = INSTRUCTION): SampleRecord => createRecord({ seed, strategy: 'strategy:test', messages: [{ role: 'user', content: instruction }] });

describe('responder:conversation', () => {
  it('answers, then alternates simulated-user follow-ups and answers over the full history', async () => {
    const model = new MockModel([script()]);
    const h = await createHarness([[conversation, { rounds: [3, 3], temperature: 0.1, userTemperature: 0.9 }]], { model });
    const record = recordOf();
    const turns = await h.respond(record);
    expect(turns!.map((t) => t.role)).toEqual(['assistant', 'user', 'assistant', 'user', 'assistant']);
    expect(turns![0]!.content).toBe(GOOD(1));
    expect(turns![4]!.content).toBe(GOOD(3));
    const kinds = (record.meta['responder:conversation'] as { rounds: number; followups: string[] }).followups;
    expect(record.meta['responder:conversation']).toEqual({ rounds: 3, followups: kinds });
    expect(kinds).toHaveLength(2);
    expect(turns![1]!.content).toBe(`[${FOLLOWUP_KINDS[kinds[0] as keyof typeof FOLLOWUP_KINDS].title}] Please change \`clamp\` once more (request 1).`);
    expect(turns![3]!.content).toMatch(/\(request 2\)\.$/);

    expect(model.requests.map((q) => q.schemaName ?? 'answer')).toEqual(['answer', 'infinity_followup', 'answer', 'infinity_followup', 'answer']);
    const [a1, f1, a2, , a3] = model.requests;
    expect(a1!.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(a1!.system).toMatch(/expert python programmer/i);
    expect(a1).toMatchObject({ temperature: 0.1, lastUser: INSTRUCTION });
    expect(f1).toMatchObject({ temperature: 0.9 });
    expect(f1!.lastUser).toContain(`<turn role="user">\n${INSTRUCTION}\n</turn>`);
    expect(f1!.lastUser).toContain(`<turn role="assistant">\n${GOOD(1)}\n</turn>`);
    // Each answer sees the whole conversation so far, behind the responder's system prompt.
    expect(a2!.messages).toEqual([a1!.messages[0], a1!.messages[1], { role: 'assistant', content: GOOD(1) }, { role: 'user', content: turns![1]!.content }]);
    expect(a3!.messages.slice(1)).toEqual([{ role: 'user', content: INSTRUCTION }, ...turns!.slice(0, 4).map((t) => ({ role: t.role, content: t.content }))]);
    // 3 answers + 2 follow-ups, each accounted to the record.
    expect(record.usage).toHaveLength(5);
  });

  it('draws the number of rounds per record, deterministically, over the whole [min, max] range', async () => {
    const counts = async () => {
      const h = await createHarness([conversation], { model: new MockModel([script()]) });
      const out: number[] = [];
      for (let i = 0; i < 60; i++) out.push((await h.respond(recordOf(`${INSTRUCTION} Variant ${i}.`)))!.filter((t) => t.role === 'assistant').length);
      return out;
    };
    const first = await counts();
    expect(await counts()).toEqual(first);
    expect(new Set(first)).toEqual(new Set([2, 3, 4]));
  });

  it('a failed follow-up or answer fails the whole record with its reason (PluginTester)', async () => {
    await new PluginTester().run(conversation, {
      invalid: [
        {
          name: 'empty answer to a follow-up',
          instruction: INSTRUCTION,
          options: { rounds: [2, 2] },
          model: (req) => (req.json ? script()(req) : userTurns(req) === 2 ? '  ' : GOOD(1)),
          error: { stage: 'responded', reason: 'the model returned an empty response' },
        },
        {
          name: 'follow-up shorter than the schema minimum',
          instruction: INSTRUCTION,
          options: { rounds: [2, 2] },
          model: (req) => (req.schemaName === 'infinity_followup' ? { followup: 'More?' } : script()(req)),
          error: { stage: 'responded', category: 'invalid_output' },
        },
      ],
    });
  });

  it('rejects rounds with min > max', async () => {
    await expect(createHarness([[conversation, { rounds: [4, 2] }]])).rejects.toThrow(/min <= max/);
  });

  describe.skipIf(!findExecutable('pylint'))('with static verification (pylint)', () => {
    it('a bad code block in assistant turn 2 of 3 drops the conversation with its diagnostic; a clean one is kept', async () => {
      const tester = new PluginTester({ plugins: [python] });
      await tester.run(conversation, {
        valid: [
          {
            name: 'three clean answers',
            instruction: INSTRUCTION,
            options: { rounds: [3, 3] },
            model: script(),
            check(kept) {
              expect(kept[0]!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
              expect(kept[0]!.checks).toHaveLength(3);
            },
          },
        ],
      });
      const { kept, rejected, dispose } = await tester.runCase(conversation, { instruction: INSTRUCTION, options: { rounds: [3, 3] }, model: script({ bad: 2 }) });
      await dispose();
      expect(kept).toEqual([]);
      expect(rejected).toHaveLength(1);
      const [r] = rejected;
      expect(r!.dropped).toMatchObject({ stage: 'verified', plugin: 'analyzer:python', category: 'python: E0602 undefined-variable' });
      expect(r!.messages.filter((m) => m.role === 'assistant').map((m) => m.content)).toEqual([GOOD(1), BAD, GOOD(3)]);
      // One check per block, in turn order: only the second turn's fails, naming the undefined name.
      expect(r!.checks.map((c) => c.passed)).toEqual([true, false, true]);
      expect(r!.checks[1]!.diagnostics).toEqual([expect.objectContaining({ tool: 'pylint', rule: 'E0602 undefined-variable', severity: 'error', line: 2, message: expect.stringContaining('undefined_offset') })]);
    });
  });
});
