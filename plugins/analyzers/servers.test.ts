import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findExecutable, type CheckResult, type Plugin } from '../../core/index.js';
import { createHarness, type PluginHarness } from '../../core/testing/index.js';
import { loadCorpus, samplesOf } from '../../test/fixtures/analyzers/harness.js';
import javascript from './javascript.js';
import python from './python.js';
import typescript from './typescript.js';

/** Live child processes of this process whose command line contains `marker` (Linux /proc). */
function serverChildren(marker: string): number[] {
  const pids = readdirSync('/proc/self/task').flatMap((t) => readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  return pids.filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return !/^\d+ \(.*\) Z/.test(stat) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false; // exited meanwhile
    }
  });
}

/**
 * A check with its diagnostics in a fixed order: pylint's server may emit one sample's messages in
 * another order than a fresh process (astroid infers from its warm cache: `os.path` as posixpath
 * before ntpath); the set of findings is what must agree.
 */
function canonical(check: CheckResult): CheckResult {
  const key = (d: CheckResult['diagnostics'][number]) => `${String(d.line ?? 0).padStart(6, '0')} ${String(d.column ?? 0).padStart(6, '0')} ${d.rule} ${d.message}`;
  return { ...check, diagnostics: [...check.diagnostics].sort((a, b) => key(a).localeCompare(key(b))) };
}

/** Fire runEnd as a run does at its end; the analyzers close their servers there. */
async function endRun(harness: PluginHarness): Promise<void> {
  await harness.hooks.runEnd.promise({ runDir: harness.runDir, kept: 0, rejected: 0, funnel: {} });
}

/** Wait (up to 5 s, for a loaded machine) until no server with `marker` runs; returns those still running. */
async function settled(marker: string): Promise<number[]> {
  for (let i = 0; i < 50 && serverChildren(marker).length; i++) await new Promise((r) => setTimeout(r, 100));
  return serverChildren(marker);
}

const TOOLS: Array<{ language: string; plugin: Plugin; marker: string; installed: boolean }> = [
  { language: 'python', plugin: python as Plugin, marker: 'pylint_server.py', installed: Boolean(findExecutable('pylint')) },
  { language: 'javascript', plugin: javascript as Plugin, marker: 'eslint-server', installed: true },
  { language: 'typescript', plugin: typescript as Plugin, marker: 'tsc-server', installed: true },
];

describe.each(TOOLS)('analyzer:$language with server: true', ({ language, plugin, marker, installed }) => {
  it.skipIf(!installed)('gives the CheckResults of the CLI on the fixture corpus, from a server that is gone after runEnd', async () => {
    const corpus = loadCorpus(language);
    const samples = samplesOf(language, [...corpus.valid, ...corpus.invalid]);
    const cli = await (await createHarness([[plugin, { server: false }]])).analyze(language, samples);
    expect(serverChildren(marker)).toEqual([]);
    const harness = await createHarness([plugin]);
    const first = await harness.analyze(language, samples);
    const running = serverChildren(marker);
    expect(running.length).toBeGreaterThan(0);
    // A second batch goes to the same process(es), and still agrees.
    const again = await harness.analyze(language, samples.slice().reverse());
    expect(serverChildren(marker)).toEqual(expect.arrayContaining(running));
    expect(first.map(canonical)).toEqual(cli.map(canonical));
    expect(again.map(canonical)).toEqual(cli.map(canonical).reverse());
    expect(cli.some((c) => !c.passed) && cli.some((c) => c.passed)).toBe(true);
    await endRun(harness);
    expect(await settled(marker)).toEqual([]);
  }, 180_000);
});

describe.skipIf(!findExecutable('pylint'))('analyzer:python server and astroid cache', () => {
  it('does not answer a batch from the previous batch\'s modules of the same names', async () => {
    // s1 defines `foo` in the first batch and not in the second; s0 uses s1.foo in both.
    const user = { code: 'import s1\n\nprint(s1.foo)\n' };
    const harness = await createHarness([[python, { thirdParty: 'strict' }]]);
    const [withFoo] = await harness.analyze('python', samplesOf('python', [user, { code: 'foo = 1\n' }]));
    const [withoutFoo] = await harness.analyze('python', samplesOf('python', [user, { code: 'bar = 1\n' }]));
    expect(serverChildren('pylint_server.py').length).toBeGreaterThan(0);
    expect(withFoo!.passed).toBe(true);
    expect(withoutFoo!.diagnostics).toEqual([expect.objectContaining({ rule: 'E1101 no-member', line: 3, message: "Module 's1' has no 'foo' member" })]);
    await endRun(harness);
    expect(await settled('pylint_server.py')).toEqual([]);
  }, 120_000);
});
