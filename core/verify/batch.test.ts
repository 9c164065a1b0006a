import { existsSync, readdirSync } from 'node:fs';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolMissingError } from '../errors.js';
import type { CodeSample } from '../hooks.js';
import { runBatched, ToolCrash, type BatchToolSpec } from './batch.js';

/**
 * A fake analyzer run by the real `node` binary: for each file argument it prints a JSON finding for
 * every line containing `BAD`; a file containing `CRASH` makes the whole process exit 3, `HANG`
 * makes it sleep forever, `GARBAGE` makes it print non-JSON.
 */
const FAKE_TOOL = `
const fs = require('fs');
const out = [];
for (const f of process.argv.slice(2)) {
  const text = fs.readFileSync(f, 'utf8');
  if (text.includes('CRASH')) { process.stderr.write('segfault-ish'); process.exit(3); }
  if (text.includes('HANG')) setInterval(() => {}, 1000);
  if (text.includes('GARBAGE')) { process.stdout.write('Traceback (most recent call last)'); process.exit(0); }
  text.split('\\n').forEach((l, i) => { if (l.includes('BAD')) out.push({ file: f, line: i + 1 }); });
}
if (!fs.readFileSync(process.argv[2], 'utf8').includes('HANG')) process.stdout.write(JSON.stringify(out));
`;

async function fakeSpec(over: Partial<BatchToolSpec> = {}): Promise<{ spec: BatchToolSpec; processes: number[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'batch-test-'));
  const script = join(dir, 'tool.cjs');
  await writeFile(script, FAKE_TOOL);
  const processes: number[] = [];
  const spec: BatchToolSpec = {
    plugin: 'analyzer:fake',
    tool: 'fake',
    language: 'fake',
    command: process.execPath,
    install: 'apt-get install fake',
    fileName: (_s, i) => `s${i}.txt`,
    args: (files) => [script, ...files.map((f) => f.path)],
    parse(result) {
      let found: Array<{ file: string; line: number }>;
      try {
        found = JSON.parse(result.stdout);
      } catch {
        throw new ToolCrash(`not JSON: ${result.stdout.slice(0, 40)}`);
      }
      return found.map((f) => ({ file: f.file, line: f.line, tool: 'fake', rule: 'bad', severity: 'error' as const, message: 'BAD here' }));
    },
    timeoutMs: () => 1_500,
    ...over,
  };
  return { spec, processes };
}

const samples = (codes: string[]): CodeSample[] => codes.map((code, i) => ({ key: `r#${i}`, language: 'fake', code }));

describe('runBatched', () => {
  it('checks many samples with one process and maps findings back by file and line', async () => {
    const { spec } = await fakeSpec();
    let processes = 0;
    const results = await runBatched(samples(['ok', 'a\nBAD', 'fine', 'BAD\nx\nBAD']), spec, { onProcess: () => processes++ });
    expect(processes).toBe(1);
    expect(results.map((r) => r.passed)).toEqual([true, false, true, false]);
    expect(results[3]!.diagnostics.map((d) => d.line)).toEqual([1, 3]);
    expect(results[1]).toMatchObject({ plugin: 'analyzer:fake', tool: 'fake', language: 'fake' });
  });

  it('isolates a crashing sample by bisection; the others keep their real verdicts', async () => {
    const { spec } = await fakeSpec();
    const codes = Array.from({ length: 16 }, (_, i) => (i === 11 ? 'CRASH' : i % 5 === 0 ? 'BAD' : 'ok'));
    let processes = 0;
    const results = await runBatched(samples(codes), spec, { onProcess: () => processes++ });
    expect(results[11]).toMatchObject({ passed: false, diagnostics: [expect.objectContaining({ rule: 'tool-crash', severity: 'error' })] });
    expect(results[11]!.diagnostics[0]!.message).toMatch(/exited with code 3: segfault-ish/);
    expect(results.map((r, i) => (i === 11 ? null : r.passed))).toEqual(codes.map((c, i) => (i === 11 ? null : c === 'ok')));
    expect(processes).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(16)));
  });

  it('isolates a hanging sample as tool-timeout, and unparseable output as tool-crash', async () => {
    const { spec } = await fakeSpec();
    const results = await runBatched(samples(['ok', 'HANG', 'BAD', 'GARBAGE']), spec);
    expect(results.map((r) => r.diagnostics.map((d) => d.rule))).toEqual([[], ['tool-timeout'], ['bad'], ['tool-crash']]);
  }, 20_000);

  it('stops, instead of rejecting every sample, when the tool fails the same way on each sample alone', async () => {
    const { spec } = await fakeSpec({ args: () => ['-e', 'process.stderr.write("bad option --frobnicate"); process.exit(2)'] });
    await expect(runBatched(samples(['a', 'b', 'c', 'd']), spec)).rejects.toThrow(/failed on each of 4 samples alone with the same error: fake exited with code 2: bad option --frobnicate/);
    // Fewer samples than the threshold: each is judged (and fails) on its own.
    expect((await runBatched(samples(['a', 'b']), spec)).map((r) => r.diagnostics[0]!.rule)).toEqual(['tool-crash', 'tool-crash']);
  }, 20_000); // 7 + 3 node processes: 2 s alone, over 5 s on a loaded 2-core machine

  it('takes lines inside a wrapper out of the sample and says so', async () => {
    const { spec } = await fakeSpec({ prepare: (s) => ({ content: `BAD wrapper\n${s.code}\nend`, lineOffset: 1 }) });
    const [r] = await runBatched(samples(['x\nBAD']), spec);
    expect(r!.diagnostics).toEqual([
      expect.objectContaining({ message: expect.stringContaining('in the wrapper added around the snippet, line 1') }),
      expect.objectContaining({ line: 2 }),
    ]);
    expect(r!.diagnostics[0]).not.toHaveProperty('line');
  });

  it('cuts long sample lists into maxFiles chunks', async () => {
    const { spec } = await fakeSpec({ maxFiles: 3 });
    let processes = 0;
    const results = await runBatched(samples(['a', 'b', 'BAD', 'c', 'd', 'e', 'f']), spec, { onProcess: () => processes++ });
    expect(processes).toBe(3);
    expect(results.map((r) => r.passed)).toEqual([true, true, false, true, true, true, true]);
  });

  it('removes its private temporary directory', async () => {
    const { spec } = await fakeSpec();
    let seen = '';
    await runBatched(samples(['ok']), { ...spec, setup: (dir) => void (seen = dir) });
    expect(seen).not.toBe('');
    expect(existsSync(seen)).toBe(false);
  });

  it('throws ToolMissingError naming the install command when the tool is absent', async () => {
    const { spec } = await fakeSpec({ command: 'no-such-analyzer-xyz' });
    await expect(runBatched(samples(['ok']), spec)).rejects.toBeInstanceOf(ToolMissingError);
    await expect(runBatched(samples(['ok']), spec)).rejects.toMatchObject({ hint: 'install it with: apt-get install fake' });
  });

  it('refuses file names outside the batch directory', async () => {
    const { spec } = await fakeSpec({ fileName: () => '../escape.txt' });
    await expect(runBatched(samples(['ok']), spec)).rejects.toThrow(/distinct relative paths/);
    expect(readdirSync(tmpdir()).includes('escape.txt')).toBe(false);
  });
});
