import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/paths.js';
import { EVALUATION_FORMATS, readCodeBenchmark, type CodeItem } from '../../plugins/evaluators/code/index.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import type { ReplyRequest } from '../double/types.js';
import { HUMANEVAL, readJsonl, tempDir } from './helpers.js';

const ITEMS = readCodeBenchmark(HUMANEVAL, EVALUATION_FORMATS.humaneval).items;
const MODEL = 'openai:target-coder';

function taskNumber(item: CodeItem): number {
  return Number(item.id.split('/')[1]);
}

/** The item a request asks about: its prompt is in the user turn. */
function itemOf(req: { messages?: { content: string }[] }): CodeItem | undefined {
  const user = req.messages?.at(-1)?.content ?? '';
  return ITEMS.find((i) => user.includes(i.prompt.trim()));
}

/**
 * A planted wrong answer that fails by assertion: the canonical function wrapped so that every result
 * is off by one (negated, +1, one element or character more).
 */
function offByOne(item: CodeItem): string {
  const e = item.entryPoint!;
  return [
    item.prompt + item.solution!,
    `_planted_right = ${e}`,
    'def _planted_off(r):',
    '    if isinstance(r, bool): return not r',
    '    if isinstance(r, (int, float)): return r + 1',
    "    if isinstance(r, str): return r + 'x'",
    '    if isinstance(r, list): return r + [r[0] if r else 0]',
    '    if isinstance(r, tuple): return r + (0,)',
    "    return ('planted', r)",
    `def ${e}(*args, **kwargs):`,
    `    return _planted_off(_planted_right(*args, **kwargs))`,
  ].join('\n');
}

/**
 * Planted answers by task number mod 4: 0 the canonical body (passes), 2 the whole canonical
 * function after some prose (passes), 1 an off-by-one function (assertion), 3 a body that raises
 * ValueError (exception). So exactly half of any 4m first items pass.
 */
function plantedReply(req: ReplyRequest): string | undefined {
  const item = itemOf(req);
  if (!item) return undefined;
  switch (taskNumber(item) % 4) {
    case 0:
      return `\`\`\`python\n${item.solution}\`\`\``;
    case 2:
      return `Here is the function.\n\n\`\`\`python\n${item.prompt}${item.solution}\`\`\`\n\nIt runs in linear time.`;
    case 1:
      return `\`\`\`python\n${offByOne(item)}\n\`\`\``;
    default:
      return "```python\n    raise ValueError('planted failure')\n```";
  }
}

function cli(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'cli/bin.ts'), ...args], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
}

async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = cli(args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stdout, stderr };
}

interface ResultLine {
  task_id: string;
  sample: number;
  completion: string;
  passed: boolean;
  error: { kind: string; type?: string; message: string; stderrTail: string } | null;
  durationMs: number;
}

const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));

describe('instructsmith evaluate (HumanEval through the HTTP double and the sandbox)', () => {
  let double: LlmDouble;
  beforeAll(async () => {
    double = await startLlmDouble({ models: ['target-coder'] });
    double.reply(plantedReply);
  });
  afterAll(async () => double?.close());

  it('measures pass@1 equal to the planted share over 80 items, and each failure carries its error', async () => {
    const out = tempDir('evaluate');
    const res = await runCli(['evaluate', '--model', MODEL, '--base-url', double.url, '--benchmark', HUMANEVAL, '--out', out, '--limit', '80', '--concurrency', '4']);
    expect(res.stderr).not.toMatch(/^instructsmith:/m);
    expect(res.code).toBe(0);
    const lines = readJsonl<ResultLine>(join(out, 'results.jsonl'));
    expect(lines).toHaveLength(80);
    const planted = ITEMS.slice(0, 80).filter((i) => taskNumber(i) % 4 === 0 || taskNumber(i) % 4 === 2).length;
    expect(planted).toBe(40);
    const summary = summaryOf(out);
    expect(summary.status).toBe('complete');
    expect(summary.passAtK['pass@1']).toBe(planted / 80);
    expect(summary.errors).toEqual({ assertion: 20, exception: 20 });
    expect(summary.usage[MODEL].calls).toBe(80);
    expect(res.stdout).toContain('pass@1    0.5000');
    for (const line of lines) {
      const item = ITEMS.find((i) => i.id === line.task_id)!;
      const kind = taskNumber(item) % 4;
      expect(line.passed, line.task_id).toBe(kind === 0 || kind === 2);
      if (kind === 1) {
        // The failing assert of HumanEval's check(), as written in the test.
        expect(line.error).toMatchObject({ kind: 'assertion', type: 'AssertionError' });
        expect(line.error!.message).toMatch(/^assert /);
        expect(item.tests).toContain(line.error!.message.split(': ')[0]);
      } else if (kind === 3) {
        expect(line.error).toMatchObject({ kind: 'exception', type: 'ValueError', message: 'ValueError: planted failure' });
        expect(line.error!.stderrTail).toContain('Traceback');
      } else {
        expect(line.error).toBeNull();
      }
    }
    // A body reply is appended to the prompt; a whole function is kept as the model wrote it.
    const body = lines.find((l) => l.task_id === 'HumanEval/0')!;
    expect(body.completion).toBe(ITEMS[0]!.solution);
    expect(lines.find((l) => l.task_id === 'HumanEval/2')!.completion).toContain(`def ${ITEMS[2]!.entryPoint}(`);
  }, 240_000);

  it('samples n times with distinct seeds and reports pass@k by the unbiased estimator', async () => {
    const out = tempDir('evaluate-n');
    double.reset();
    // Only the sample with seed 1 gets the canonical body.
    double.reply((req) => {
      const item = itemOf(req);
      if (!item) return undefined;
      return req.seed === 1 ? `\`\`\`python\n${item.solution}\`\`\`` : "```python\n    return None\n```";
    });
    const res = await runCli(['evaluate', '--model', MODEL, '--base-url', double.url, '--benchmark', HUMANEVAL, '--out', out, '--limit', '6', '--samples', '3', '--k', '1,2,5']);
    expect(res.code).toBe(0);
    expect(double.chatRequests().map((r) => r.seed).sort()).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
    const summary = summaryOf(out);
    expect(summary.temperature).toBe(0.8);
    expect(summary.passAtK['pass@1']).toBeCloseTo(1 / 3, 12);
    // n = 3, c = 1: 1 - C(2,2)/C(3,2) = 2/3; k = 5 > n is left out.
    expect(summary.passAtK['pass@2']).toBeCloseTo(2 / 3, 12);
    expect(Object.keys(summary.passAtK)).toEqual(['pass@1', 'pass@2']);
    double.reset();
    double.reply(plantedReply);
  }, 120_000);

  it('resumes a killed evaluation without calling the model again for finished items, with the same summary', async () => {
    const args = (out: string) => ['evaluate', '--model', MODEL, '--base-url', double.url, '--benchmark', HUMANEVAL, '--out', out, '--limit', '40', '--concurrency', '2'];
    const reference = tempDir('evaluate-ref');
    expect((await runCli(args(reference))).code).toBe(0);

    double.reset();
    double.reply(plantedReply);
    const out = tempDir('evaluate-killed');
    const first = cli(args(out));
    const results = join(out, 'results.jsonl');
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (existsSync(results) && readFileSync(results, 'utf8').split('\n').length > 12) {
          clearInterval(timer);
          first.kill('SIGKILL');
          resolve();
        }
      }, 5);
    });
    expect(await new Promise((resolve) => first.on('exit', (_c, signal) => resolve(signal)))).toBe('SIGKILL');
    const finished = new Set(readFileSync(results, 'utf8').split('\n').filter((l) => l.endsWith('}')).map((l) => (JSON.parse(l) as ResultLine).task_id));
    expect(finished.size).toBeGreaterThanOrEqual(12);
    expect(finished.size).toBeLessThan(40);
    const before = double.chatRequests().length;

    const second = await runCli(args(out));
    expect(second.stderr).not.toMatch(/^instructsmith:/m);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/resuming: \d+ of 40 samples/);
    const asked = double.chatRequests().slice(before).map((r) => itemOf(r)!.id);
    expect(asked.filter((id) => finished.has(id))).toEqual([]);
    expect(asked.length).toBeLessThanOrEqual(40 - finished.size);

    const lines = readJsonl<ResultLine>(results);
    expect(lines).toHaveLength(40);
    expect(new Set(lines.map((l) => l.task_id)).size).toBe(40);
    // The finished samples were skipped, not asked again and answered by the cache.
    expect(summaryOf(out).resumedSamples).toBe(finished.size);
    const strip = (s: Record<string, unknown>) => ({ ...s, usage: undefined, seconds: undefined, itemsPerSecond: undefined, resumedSamples: undefined, config: undefined });
    expect(strip(summaryOf(out))).toEqual(strip(summaryOf(reference)));
    expect(summaryOf(out).passAtK['pass@1']).toBe(0.5);

    // Results of one sampling are not mixed with another's.
    const other = await runCli([...args(out), '--temperature', '0.5']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('holds an evaluation with another temperature (0, now 0.5)');
  }, 240_000);
});
