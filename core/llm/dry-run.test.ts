import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDryRunClient, DryRunLog, dryRunPlaceholder, estimateTokens, promptLanguage } from './dry-run.js';
import { UsageMeter } from './usage.js';
import { structuredOutput } from './zod-schema.js';

const ask = (content: string, system?: string) => ({ messages: [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user' as const, content }] });

describe('dry-run client', () => {
  it('answers structured calls with values that pass constraints the sent schema drops (minLength), different per call', async () => {
    const log = new DryRunLog();
    const client = createDryRunClient('openai:x', log, new UsageMeter());
    const Problem = structuredOutput('problem', z.object({ analysis: z.string().min(1), problem: z.string().min(60).max(80), score: z.number().int().min(1).max(10) }).strict());
    const a = await client.structured(ask('write a problem'), Problem.schema, Problem.validate, { plugin: 'strategy:x' });
    const b = await client.structured(ask('write a problem'), Problem.schema, Problem.validate, { plugin: 'strategy:x' });
    expect(a.value.problem.length).toBeGreaterThanOrEqual(60);
    expect(a.value.problem.length).toBeLessThanOrEqual(80);
    expect(a.value.score).toBe(10);
    expect(a.value.analysis).not.toBe(b.value.analysis);
    expect(log.estimate().byPlugin['strategy:x']).toMatchObject({ calls: 2 });
  });

  it('makes replies as long as expectReplies says, counting their completion tokens', async () => {
    const log = new DryRunLog();
    log.expectReplies({ 'strategy:x': 200, 'responder:chat': 300 });
    const client = createDryRunClient('openai:x', log, new UsageMeter());
    const Problem = structuredOutput('problem', z.object({ problem: z.string().min(20), tags: z.array(z.string()) }).strict());
    const r = await client.structured(ask('write a problem'), Problem.schema, Problem.validate, { plugin: 'strategy:x' });
    expect(estimateTokens(JSON.stringify(r.value))).toBeGreaterThanOrEqual(200);
    expect(estimateTokens(JSON.stringify(r.value))).toBeLessThan(210);
    expect(r.value.tags.every((t) => t.length < 40)).toBe(true);
    const plain = await client.complete(ask('Write a function `f`.', 'You are an expert python programmer.'), { plugin: 'responder:chat' });
    expect(Math.abs(estimateTokens(plain.content) - 300)).toBeLessThan(15);
    const e = log.estimate();
    expect(e.completionTokens).toBe(r.usage[0]!.completionTokens + plain.usage.completionTokens);
    expect(e.byPlugin['responder:chat']!.completionTokens).toBe(plain.usage.completionTokens);
  });

  it('answers plain calls with a fenced block in the language the prompt names, saying it is a placeholder', async () => {
    const client = createDryRunClient('openai:x', new DryRunLog(), new UsageMeter());
    const plain = await client.complete(ask('Solve it.', 'You are an expert typescript programmer. Tag blocks with the language (typescript).'), { plugin: 'responder:chat' });
    expect(plain.content).toContain('dry run');
    expect(plain.content).toMatch(/```typescript\n\/\/ dry run[^\n]*\n```\n$/);
  });
});

describe('promptLanguage', () => {
  it('prefers a fence tag, then the most frequent language word, else none', () => {
    expect(promptLanguage(ask('Here is code:\n```go\nfunc f() {}\n```\nin python?').messages)).toBe('go');
    expect(promptLanguage(ask('A javascript question for a javascript and java shop').messages)).toBe('javascript');
    expect(promptLanguage(ask('Expert sql writer. Write sql for this.').messages)).toBe('sql');
    expect(promptLanguage(ask('Write a haiku about autumn.').messages)).toBe('');
  });

  it('comments the placeholder code in the language\'s syntax', () => {
    expect(dryRunPlaceholder('m', 'python')).toContain('```python\n# dry run');
    expect(dryRunPlaceholder('m', 'sql')).toContain('```sql\n-- dry run');
    expect(dryRunPlaceholder('m')).toContain('```\n// dry run');
  });
});
