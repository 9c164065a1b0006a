import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PluginError } from './errors.js';
import { definePlugin } from './plugin.js';
import { createRecord, type Seed } from './record.js';
import { configSchema } from './config/schema.js';
import { runPipeline } from './runner/runner.js';
import { createHarness, MockModel } from './testing/index.js';

const seed = (i: number): Seed => ({ id: `s${i}`, language: 'python', code: `x = ${i}\n`, source: { path: 'pool.jsonl', line: i + 1 }, kind: 'record', meta: { n: i } });

/** Drops odd seeds; reports how many it saw. */
const evens = definePlugin({
  name: 'selector:evens',
  description: 'even seeds only',
  options: z.object({}).strict(),
  apply(ctx) {
    ctx.hooks.select.tapPromise(async (seeds, sctx) =>
      (async function* () {
        let seen = 0;
        for await (const s of seeds) {
          seen += 1;
          if ((s.meta.n as number) % 2 === 0) yield s;
          else sctx.drop(s, `n=${String(s.meta.n)} is odd`, 'odd');
        }
        sctx.report({ seen });
      })(),
    );
  },
});

/** Buffers everything (a global view), keeps the first `keep`; with `forget`, loses the rest without dropping them. */
const firstN = definePlugin({
  name: 'selector:first',
  description: 'the first n seeds',
  options: z.object({ keep: z.number(), forget: z.boolean().default(false), failAt: z.number().optional() }).strict(),
  apply(ctx, o) {
    ctx.hooks.select.tapPromise(async (seeds, sctx) =>
      (async function* () {
        const all: Seed[] = [];
        for await (const s of seeds) {
          if (o.failAt === all.length) throw new Error('index broke');
          all.push(s);
        }
        writeFileSync(join(sctx.dir(), 'buffered.txt'), String(all.length));
        yield* all.slice(0, o.keep);
        if (!o.forget) for (const s of all.slice(o.keep)) sctx.drop(s, `beyond the first ${o.keep}`, 'quota');
      })(),
    );
  },
});

describe('select hook (selectors between seedSource and the first stage)', () => {
  it('chains selectors, records each drop under its selector and counts the table', async () => {
    const h = await createHarness([evens, [firstN, { keep: 2 }]]);
    const out = await h.select(Array.from({ length: 9 }, (_, i) => seed(i)));
    expect(out.selected.map((s) => s.id)).toEqual(['s0', 's2']);
    expect(out.dropped.map((d) => [d.plugin, d.category, d.seed.id])).toEqual([
      ['selector:evens', 'odd', 's1'],
      ['selector:evens', 'odd', 's3'],
      ['selector:evens', 'odd', 's5'],
      ['selector:evens', 'odd', 's7'],
      ['selector:first', 'quota', 's4'],
      ['selector:first', 'quota', 's6'],
      ['selector:first', 'quota', 's8'],
    ]);
    expect(out.summary).toMatchObject({ read: 9, selected: 2, complete: true });
    expect(out.summary.selectors).toEqual([
      { plugin: 'selector:evens', in: 9, out: 5, dropped: { odd: 4 }, unaccounted: 0, report: { seen: 9 } },
      { plugin: 'selector:first', in: 5, out: 2, dropped: { quota: 3 }, unaccounted: 0, report: {} },
    ]);
    const lines = readFileSync(join(h.runDir, 'selection', 'rejected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seed: Seed; reason: string });
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatchObject({ plugin: 'selector:evens', reason: 'n=1 is odd', seed: { id: 's1', source: { line: 2 } } });
    expect(readFileSync(join(h.runDir, 'selection', 'selector-first', 'buffered.txt'), 'utf8')).toBe('5');
  });

  it('reports seeds a selector neither yielded nor dropped as unaccounted', async () => {
    const h = await createHarness([[firstN, { keep: 1, forget: true }]]);
    const out = await h.select([seed(0), seed(1), seed(2)]);
    expect(out.summary.selectors[0]).toMatchObject({ in: 3, out: 1, unaccounted: 2 });
  });

  it("wraps an error thrown while a selector's stream is read as a PluginError naming it", async () => {
    const h = await createHarness([evens, [firstN, { keep: 1, failAt: 1 }]]);
    const err = await h.select([seed(0), seed(2), seed(4)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginError);
    expect(err).toMatchObject({ plugin: 'selector:first', hook: 'select' });
  });

  it('a run selects before synthesis: selection table in run.json, drops in selection/rejected.jsonl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'select-run-'));
    const source = definePlugin({
      name: 'seed:pool-test',
      description: 'nine seeds',
      options: z.object({}).strict(),
      apply(ctx) {
        ctx.hooks.seedSource.tapPromise(async () =>
          (async function* () {
            for (let i = 0; i < 9; i++) yield seed(i);
          })(),
        );
      },
    });
    const strategy = definePlugin({
      name: 'strategy:echo',
      description: 'echo',
      options: z.object({}).strict(),
      apply(ctx) {
        ctx.hooks.synthesize.tapPromise(async (records, s) => [...records, createRecord({ seed: s, strategy: ctx.name, messages: [{ role: 'user', content: `Explain ${s.code}` }, { role: 'assistant', content: 'It assigns.' }] })]);
      },
    });
    writeFileSync(join(dir, 'pool.jsonl'), '');
    const model = new MockModel();
    const run = (out: string) =>
      runPipeline({
        config: configSchema.parse({ seeds: join(dir, 'pool.jsonl'), out, model: 'mock:test', plugins: { 'selector:evens': {}, 'selector:first': { keep: 3 }, 'strategy:echo': {} } }),
        builtins: [source, evens, firstN, strategy, model.plugin()],
        implicit: [source, model.plugin()],
        log: { info() {}, warn() {}, debug() {} },
      });
    const first = await run(join(dir, 'a'));
    expect(first.funnel.kept).toBe(3);
    const runJson = JSON.parse(readFileSync(join(dir, 'a', 'run.json'), 'utf8')) as { funnel: { selection: { read: number; selected: number; selectors: { plugin: string; dropped: Record<string, number> }[] } } };
    expect(runJson.funnel.selection).toMatchObject({ read: 9, selected: 3, selectors: [{ plugin: 'selector:evens', dropped: { odd: 4 } }, { plugin: 'selector:first', dropped: { quota: 2 } }] });
    const samples = readFileSync(join(dir, 'a', 'samples.jsonl'), 'utf8');
    expect(samples.trim().split('\n').map((l) => (JSON.parse(l) as { lineage: { seedId: string } }).lineage.seedId)).toEqual(['s0', 's2', 's4']);
    expect(readFileSync(join(dir, 'a', 'selection', 'rejected.jsonl'), 'utf8').trim().split('\n')).toHaveLength(6);
  });
});
