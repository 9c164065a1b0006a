import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/load.js';
import type { ConfigInput } from '../../core/config/schema.js';
import { InstructsmithError } from '../../core/index.js';
import { packageRoot } from '../../core/paths.js';
import { runPipeline } from '../../core/runner/runner.js';
import { builtinPlugins, implicitPlugins } from '../../plugins/index.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { dataset, HUMANEVAL, quietLog, runPreset, tempDir } from './helpers.js';

const SEEDS = 16;
const CONCURRENCY = 4;

/** Every file under `dir` (cache/ aside) with its bytes, to show a refused rerun changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (name === 'cache') continue;
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(dir.length)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

function cli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'cli/bin.ts'), ...args], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, done };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

describe('run directory: one writer, verified resume, clean start-up failures', () => {
  let double: LlmDouble;
  let reference: string;
  /** While set, every chat request waits for it: runs stand still mid-way, with no timing involved. */
  let hold: Promise<void> | undefined;
  let release = () => undefined as void;
  const holdReplies = () => {
    hold = new Promise<void>((r) => (release = () => ((hold = undefined), (holdAt = undefined), r())));
  };
  /** Hold replies from the request with this (1-based, since the double started) number on. */
  let holdAt: number | undefined;
  let referenceCalls = 0;
  const flags = (out: string) => ['run', '--preset', 'infinite-instruct', '--seeds', HUMANEVAL, '--model', 'openai:scripted-coder', '--base-url', double.url, '--out', out, '--limit', String(SEEDS), '--concurrency', String(CONCURRENCY), '--max-concurrency', String(CONCURRENCY)];
  const overrides = (out: string) => ({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: 'openai:scripted-coder', baseUrl: double.url, out, limit: SEEDS, concurrency: CONCURRENCY, maxConcurrency: CONCURRENCY }) satisfies ConfigInput;

  /** An in-process run stopped (as by Ctrl-C) once `after` seeds are written. */
  async function interruptedRun(out: string, after: number) {
    const { config } = await loadConfig({ cwd: tempDir('cwd'), overrides: overrides(out) });
    const controller = new AbortController();
    return runPipeline({ config, builtins: builtinPlugins, implicit: implicitPlugins, log: quietLog, signal: controller.signal, onProgress: (p) => p.seedsDone >= after && controller.abort() });
  }

  beforeAll(async () => {
    double = await startLlmDouble();
    double.reply(async () => {
      if (!hold && holdAt !== undefined && double.chatRequests().length >= holdAt) holdReplies();
      if (hold) await hold;
      return undefined;
    });
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    reference = tempDir('ref');
    await runPreset(overrides(reference));
    referenceCalls = double.chatRequests().length;
  }, 300_000);
  afterAll(async () => {
    release();
    await double?.close();
  });

  it('a second run on a directory in use refuses at once, naming the holder; the first finishes unharmed', async () => {
    const out = tempDir('two');
    holdReplies();
    const sent = double.chatRequests().length;
    const first = cli(flags(out));
    await until(() => double.chatRequests().length > sent); // past start-up, holding the lock, waiting on the model
    const before = snapshot(out);

    const second = await cli(flags(out)).done;
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`instructsmith: ${out} is in use by another run: pid ${first.child.pid} on host`);
    expect(second.stderr).toMatch(/hint: wait for that run to finish/);
    expect(snapshot(out)).toEqual(before);

    release();
    const result = await first.done;
    expect(result.code).toBe(0);
    expect(dataset(out)).toEqual(dataset(reference));
    expect(existsSync(join(out, 'state', 'lock'))).toBe(false);
  }, 300_000);

  it('a run killed with a record half-written reruns to exactly the uninterrupted dataset', async () => {
    const out = tempDir('torn');
    // Let a third of the reference's calls through, then hold the model and kill the run hard.
    holdAt = double.chatRequests().length + Math.ceil(referenceCalls / 3);
    const first = cli(flags(out));
    await until(() => hold !== undefined);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    release();
    expect(existsSync(join(out, 'state', 'lock'))).toBe(true); // kill -9 leaves the lock; the rerun takes it over
    const checkpoint = JSON.parse(readFileSync(join(out, 'state', 'checkpoint.json'), 'utf8'));
    expect(checkpoint).toMatchObject({ phase: 1 });
    expect(checkpoint.seedsDone).toBeGreaterThan(0);
    expect(checkpoint.seedsDone).toBeLessThan(SEEDS);
    // The torn write: part of a record and no newline, after what the checkpoint covers.
    appendFileSync(join(out, 'samples.jsonl'), '{"id":"0123456789abcdef","messages":[{"role":"user","content":"Write a Py');
    appendFileSync(join(out, 'rejected.jsonl'), '{"id":"fedcba');

    const rerun = await cli(flags(out)).done;
    expect(rerun.stderr).not.toMatch(/^instructsmith:/m);
    expect(rerun.code).toBe(0);
    expect(dataset(out)).toEqual(dataset(reference));
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run).toMatchObject({ status: 'complete', resumed: true });
  }, 300_000);

  it('a directory damaged inside the checkpointed part is refused and left byte for byte as it was', async () => {
    const out = tempDir('corrupt');
    expect((await interruptedRun(out, 6)).status).toBe('interrupted');
    const samples = join(out, 'samples.jsonl');
    const lines = readFileSync(samples, 'utf8').split('\n');
    lines[1] = `#${lines[1]!.slice(1)}`; // same length, no longer JSON
    writeFileSync(samples, lines.join('\n'));
    const edited = snapshot(out);
    const refused = await runPreset(overrides(out)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InstructsmithError);
    expect((refused as InstructsmithError).code).toBe('RUN_DIR_CORRUPT');
    expect((refused as Error).message).toContain(`${samples}:2: line 2 is not valid JSON`);
    expect(snapshot(out)).toEqual(edited);
    expect(await runPreset(overrides(out)).catch((e: unknown) => (e as InstructsmithError).code)).toBe('RUN_DIR_CORRUPT'); // and again: never made worse

    const cut = tempDir('cut');
    await interruptedRun(cut, 6);
    const cp = JSON.parse(readFileSync(join(cut, 'state', 'checkpoint.json'), 'utf8'));
    truncateSync(join(cut, 'rejected.jsonl'), cp.rejectedBytes - 1);
    const truncated = snapshot(cut);
    const err = (await runPreset(overrides(cut)).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(`rejected.jsonl: is ${cp.rejectedBytes - 1} bytes, shorter than the ${cp.rejectedBytes} bytes the checkpoint says`);
    expect(snapshot(cut)).toEqual(truncated);
  }, 300_000);

  it('run.json says resumed for every run that continued from a checkpoint, interrupted ones included', async () => {
    const out = tempDir('resumed');
    const runJson = () => JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect((await interruptedRun(out, 3)).resumed).toBe(false);
    expect(runJson()).toMatchObject({ status: 'interrupted', resumed: false });
    expect((await interruptedRun(out, 9)).resumed).toBe(true);
    expect(runJson()).toMatchObject({ status: 'interrupted', resumed: true });
    const last = await runPreset(overrides(out));
    expect(last).toMatchObject({ status: 'complete', resumed: true });
    expect(runJson()).toMatchObject({ status: 'complete', resumed: true });
    expect(dataset(out)).toEqual(dataset(reference));
  }, 300_000);

  it('a start-up failure leaves nothing that blocks the corrected command on the same --out', async () => {
    const out = join(tempDir('startup'), 'run');
    const missing = await runPreset({ ...overrides(out), seeds: join(out, 'no-such-seeds') }).catch((e: unknown) => e);
    expect((missing as InstructsmithError).code).toBe('SEEDS_NOT_FOUND');
    expect(existsSync(out)).toBe(false); // created for the lock, empty, removed again

    const existing = tempDir('startup-existing');
    const provider = await runPreset({ ...overrides(existing), model: 'nosuch:model' }).catch((e: unknown) => e);
    expect((provider as InstructsmithError).code).toBe('CONFIG_UNKNOWN_PROVIDER');
    expect(existsSync(join(existing, 'run.json'))).toBe(false);
    expect(readdirSync(existing)).toEqual([]); // not even the lock's state/ folder is left

    for (const dir of [out, existing]) {
      const fixed = await runPreset(overrides(dir));
      expect(fixed.status).toBe('complete');
      expect(dataset(dir)).toEqual(dataset(reference));
    }
  }, 300_000);

  it('a directory whose run.json a failed start of an older version left is not taken for another configuration', async () => {
    const out = tempDir('old-failed');
    writeFileSync(join(out, 'run.json'), JSON.stringify({ status: 'running', configHash: 'from-a-config-with-a-wrong-seeds-path', funnel: {} }));
    expect((await runPreset(overrides(out))).status).toBe('complete');
  }, 300_000);
});
