import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePlugin, z } from '../../core/index.js';
import { createHarness, MockModel, PluginTester, runPreset } from '../../core/testing/index.js';
import { builtinPlugins, implicitPlugins } from '../../plugins/index.js';
import { HUMANEVAL } from './helpers.js';

// A filter dropping responses that mention "bad": enough to make one case pass and one fail.
const noBad = definePlugin({
  name: 'filter:no-bad',
  description: 'test: drops responses containing "bad"',
  options: z.object({}).strict(),
  apply(ctx) {
    ctx.hooks.filter.tapPromise(async (record) => {
      if (record.messages.some((m) => m.role === 'assistant' && m.content.includes('bad'))) ctx.drop(record, 'says bad', 'bad');
      return undefined;
    });
  },
});

/** The test kit's folders (`instructsmith-<kind>-*`) in the temp folder right now. */
const kitFolders = () => new Set(readdirSync(tmpdir()).filter((n) => /^instructsmith-(tester|test|preset|cwd)-/.test(n)));
const added = (before: Set<string>) => [...kitFolders()].filter((n) => !before.has(n));

describe('the test kit removes the temporary folders it makes', () => {
  // A temp folder of this file's own (os.tmpdir() reads TMPDIR at each call): other test files running
  // beside it make kit folders too.
  const previous = process.env.TMPDIR;
  beforeAll(() => {
    process.env.TMPDIR = mkdtempSync(join(tmpdir(), 'kit-temp-'));
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  });

  it('PluginTester: a passing case leaves nothing; a failing one keeps its run directory and names it', async () => {
    const before = kitFolders();
    await new PluginTester().run(noBad, { valid: [{ response: 'fine' }], invalid: [{ response: 'bad', error: { category: 'bad' } }] });
    expect(added(before)).toEqual([]);

    const failed = await new PluginTester().run(noBad, { valid: [{ name: 'wrongly valid', response: 'bad' }] }).then(
      () => undefined,
      (err: Error) => err.message,
    );
    const kept = /run directory kept: (\S+)\)/.exec(failed ?? '')?.[1];
    expect(kept, failed).toBeDefined();
    expect(readdirSync(kept!)).toContain('rejected.jsonl');
    expect(added(before)).toEqual([dirname(kept!).split('/').at(-1)]);
  });

  it('PluginTester.runCase: the caller disposes of the run directory', async () => {
    const run = await new PluginTester().runCase(noBad, { response: 'fine' });
    expect(run.kept).toHaveLength(1);
    expect(existsSync(join(run.runDir, 'samples.jsonl'))).toBe(true);
    await run.dispose();
    expect(existsSync(dirname(run.runDir))).toBe(false);
    await run.dispose();
  });

  it('createHarness: dispose removes the folder it made, never one it was given', async () => {
    const h = await createHarness([noBad]);
    writeFileSync(join(h.runDir, 'written-by-a-plugin.txt'), 'x');
    await h[Symbol.asyncDispose]();
    expect(existsSync(h.runDir)).toBe(false);

    const given = mkdtempSync(join(tmpdir(), 'given-'));
    const g = await createHarness([noBad], { runDir: given });
    await g.dispose();
    expect(existsSync(given)).toBe(true);
  });

  it('runPreset: no working folder is left; dispose removes the run; a run that throws leaves nothing', async () => {
    const before = kitFolders();
    const run = await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, builtins: builtinPlugins, implicit: implicitPlugins, model: new MockModel(), overrides: { limit: 1, plugins: { 'strategy:backfeeding': false } } });
    expect(existsSync(join(run.runDir, 'run.json'))).toBe(true);
    expect(added(before).filter((n) => n.startsWith('instructsmith-cwd-'))).toEqual([]);
    await run.dispose();
    expect(added(before)).toEqual([]);

    await expect(runPreset({ preset: 'infinite-instruct', seeds: join(tmpdir(), 'no-such-seeds'), builtins: builtinPlugins, implicit: implicitPlugins, model: new MockModel() })).rejects.toThrow(/does not exist/);
    expect(added(before)).toEqual([]);
  });
});
