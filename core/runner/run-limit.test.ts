import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { definePlugin } from '../plugin.js';
import { createRecord } from '../record.js';
import { configSchema } from '../config/schema.js';
import { MockModel } from '../testing/index.js';
import { runPipeline } from './runner.js';
import { writeFileSync } from 'node:fs';

const seeds = definePlugin({
  name: 'seed:numbers',
  description: 'n seeds',
  options: z.object({}).strict(),
  apply(ctx) {
    ctx.hooks.seedSource.tapPromise(async () =>
      (async function* () {
        for (let i = 0; i < 10; i++) yield { id: `s${i}`, language: 'python', code: `x = ${i}\n`, source: { path: 'n', line: i + 1 }, kind: 'file' as const, meta: {} };
      })(),
    );
  },
});
const strategy = definePlugin({
  name: 'strategy:echo',
  description: 'echo',
  options: z.object({}).strict(),
  apply(ctx) {
    ctx.hooks.synthesize.tapPromise(async (records, seed) => [...records, createRecord({ seed, strategy: ctx.name, messages: [{ role: 'user', content: `Explain ${seed.code}` }, { role: 'assistant', content: 'It assigns.' }] })]);
  },
});

function run(out: string, limit?: number) {
  const model = new MockModel();
  const config = configSchema.parse({ seeds: join(out, '..', 'seeds.txt'), out, model: 'mock:test', limit, plugins: { 'strategy:echo': {} } });
  return runPipeline({ config, builtins: [seeds, strategy, model.plugin()], implicit: [seeds, model.plugin()], log: { info() {}, warn() {}, debug() {} } });
}

describe('a finished run and --limit', () => {
  it('a larger --limit on a finished run is refused with the way out; the same --limit is already complete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-limit-'));
    writeFileSync(join(dir, 'seeds.txt'), '');
    const out = join(dir, 'run');
    expect((await run(out, 3)).funnel.kept).toBe(3);
    expect((await run(out, 3)).alreadyComplete).toBe(true);
    const err = await run(out, 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG_RUN_LIMIT');
    expect((err as Error).message).toBe(`${out} holds a run completed with --limit 3; it does not grow to --limit 5`);
    expect(((await run(out, undefined).catch((e: unknown) => e)) as ConfigError).code).toBe('CONFIG_RUN_LIMIT');
  });
});

describe('--target', () => {
  it('starts no further derived pass once the run kept that many samples', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-target-'));
    writeFileSync(join(dir, 'seeds.txt'), '');
    let asked = 0;
    // A derived source that never runs dry: only the target can end the run.
    const endless = definePlugin({
      name: 'strategy:endless',
      description: 'three more seeds after every pass',
      options: z.object({}).strict(),
      apply(ctx) {
        ctx.hooks.derivedSeeds.tapPromise(async (q) => {
          asked += 1;
          return (async function* () {
            for (let i = 0; i < 3; i++) yield { id: `d${q.phase}-${i}`, language: 'python', code: `y = ${q.phase * 10 + i}\n`, source: { path: 'derived', line: i + 1 }, kind: 'derived' as const, meta: {} };
          })();
        });
      },
    });
    const model = new MockModel();
    const config = configSchema.parse({ seeds: join(dir, 'seeds.txt'), out: join(dir, 'run'), model: 'mock:test', target: 15, plugins: { 'strategy:echo': {}, 'strategy:endless': {} } });
    const result = await runPipeline({ config, builtins: [seeds, strategy, endless, model.plugin()], implicit: [seeds, model.plugin()], log: { info() {}, warn() {}, debug() {} } });
    // 10 seeds, then passes of 3 until 15 are kept: 10 + 3 + 3 = 16, the last pass's seeds not cut short.
    expect(result.funnel.kept).toBe(16);
    expect(asked).toBe(3);
  });
});
