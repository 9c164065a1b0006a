import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, PluginError } from './errors.js';
import { definePlugin, PLUGIN_API_VERSION, type Plugin } from './plugin.js';
import { createRecord, type SampleRecord, type Seed } from './record.js';
import { createHarness, MockModel } from './testing/index.js';

const seed: Seed = { id: 's1', language: 'python', code: 'def f():\n    return 1\n', source: { path: 'f.py', line: 1 }, kind: 'function', meta: {} };
const record = (text = 'Write f.'): SampleRecord => createRecord({ seed, strategy: 'strategy:test', messages: [{ role: 'user', content: text }] });
const plugin = (name: string, apply: Plugin['apply'], options: z.ZodType = z.object({}).strict()) => definePlugin({ name, description: name, options, apply });

describe('the plugin context', () => {
  it('taps under the plugin name, so hooks know who tapped', async () => {
    const h = await createHarness([plugin('judge:a', (ctx) => ctx.hooks.judge.for('instruction').tapPromise(async () => undefined))]);
    expect(h.hooks.judge.get('instruction')!.taps.map((t) => t.name)).toEqual(['judge:a']);
  });

  it('judges of a stage run in the listed order and stop at the first drop: the next costs nothing', async () => {
    const calls: string[] = [];
    const model = new MockModel().reply({ schema: 'verdict' }, { ok: true });
    const cheap = plugin('judge:cheap', (ctx) =>
      ctx.hooks.judge.for('instruction').tapPromise(async (r) => {
        calls.push('cheap');
        if (r.messages[0]!.content.includes('TODO')) ctx.drop(r, 'placeholder instruction', 'placeholder');
      }),
    );
    const expensive = plugin('judge:expensive', (ctx) =>
      ctx.hooks.judge.for('instruction').tapPromise(async () => {
        calls.push('expensive');
        await ctx.llm().structured({ messages: [{ role: 'user', content: 'judge' }] }, { schema: { name: 'verdict', jsonSchema: { type: 'object' } }, validate: (v) => v });
      }),
    );
    const h = await createHarness([cheap, expensive], { model });
    const dropped = await h.judge(record('TODO'), 'instruction');
    expect(dropped.dropped).toEqual({ stage: 'judged', plugin: 'judge:cheap', reason: 'placeholder instruction', category: 'placeholder' });
    expect(calls).toEqual(['cheap']);
    expect(model.requests).toHaveLength(0);
    const kept = await h.judge(record('Write f.'), 'instruction');
    expect(kept.dropped).toBeUndefined();
    expect(calls).toEqual(['cheap', 'cheap', 'expensive']);
    expect(model.requests).toHaveLength(1);
  });

  it('ctx.drop fills in the stage the record was being taken to and the plugin; ctx.verdict records and drops', async () => {
    const h = await createHarness([
      plugin('judge:v', (ctx) =>
        ctx.hooks.judge.for('response').tapPromise(async (r) => {
          ctx.verdict(r, { judge: ctx.name, model: 'none', score: 4.5, threshold: 6, passed: false, dimensions: { clarity: 4, depth: 5 }, judgments: 1 });
        }),
      ),
    ]);
    const r = await h.judge(record(), 'response');
    expect(r.scores).toHaveLength(1);
    expect(r.dropped).toEqual({ stage: 'verified', plugin: 'judge:v', reason: 'score 4.5 < 6 (clarity 4, depth 5)', category: 'below_threshold' });
  });

  it('an error thrown from a tap becomes a PluginError naming plugin, hook and record, with its cause', async () => {
    const boom = new Error('boom');
    const h = await createHarness([plugin('responder:broken', (ctx) => ctx.hooks.respond.tapPromise(async () => Promise.reject(boom)))]);
    const r = record();
    const err = await h.respond(r).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginError);
    expect(err).toMatchObject({ plugin: 'responder:broken', hook: 'respond', recordId: `record ${r.id}`, cause: boom });
    expect((err as Error).message).toBe(`responder:broken failed in hook respond on record ${r.id}: boom`);
  });

  it('LLM calls are accounted to the plugin that made them', async () => {
    const model = new MockModel().reply({ pattern: /hello/ }, 'hi');
    let plugins: string[] = [];
    const h = await createHarness(
      [
        plugin('responder:x', (ctx) =>
          ctx.hooks.respond.tapPromise(async (r) => {
            const reply = await ctx.llm().complete({ messages: [{ role: 'user', content: 'hello' }] });
            plugins = [reply.usage.plugin];
            r.usage.push(reply.usage);
            return [{ role: 'assistant', content: reply.content }];
          }),
        ),
      ],
      { model },
    );
    expect(await h.respond(record())).toEqual([{ role: 'assistant', content: 'hi' }]);
    expect(plugins).toEqual(['responder:x']);
  });

  it('refuses a plugin written for another plugin API version, naming both', async () => {
    const future = { ...plugin('judge:future', () => undefined), apiVersion: PLUGIN_API_VERSION + 1 };
    const err = await createHarness([future]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(`plugin judge:future was written for plugin API v${PLUGIN_API_VERSION + 1}; this instructsmith implements v${PLUGIN_API_VERSION}`);
  });

  it('definePlugin refuses a name that is not kind:name and stamps the API version', () => {
    expect(() => plugin('Judge', () => undefined)).toThrow(/must be "kind:name"/);
    expect(plugin('judge:ok', () => undefined).apiVersion).toBe(PLUGIN_API_VERSION);
  });
});
