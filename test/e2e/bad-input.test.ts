import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';
import type { SampleRecord } from '../../core/index.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { HUMANEVAL, readJsonl, runPreset, tempDir } from './helpers.js';

/** Run the CLI in-process; returns exit code and what it wrote to stderr. */
async function cli(args: string[], cwd?: string): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const prevCwd = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const code = await main(args);
    return { code, stderr };
  } finally {
    if (cwd) process.chdir(prevCwd);
    spy.mockRestore();
    out.mockRestore();
  }
}

const base = (out: string, url: string) => ['run', '--preset', 'infinite-instruct', '--seeds', HUMANEVAL, '--model', 'openai:scripted-coder', '--base-url', url, '--out', out, '--limit', '3'];

describe('bad input gets a clear error and loses nothing', () => {
  let double: LlmDouble;
  beforeAll(async () => {
    double = await startLlmDouble({ requireKey: 'sk-test-SECRET-1234567890' });
  });
  afterAll(async () => double?.close());

  it('an unknown preset lists the known ones and suggests the closest', async () => {
    const r = await cli(['run', '--preset', 'infinit-instruct', '--seeds', HUMANEVAL, '--model', 'openai:x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown preset "infinit-instruct"/);
    expect(r.stderr).toMatch(/did you mean "infinite-instruct"/);
  });

  it('an unknown config key names the file, the key path and the closest valid key', async () => {
    const dir = tempDir('cfg');
    writeFileSync(join(dir, '.instructsmithrc.yaml'), 'preset: infinite-instruct\nconcurency: 4\nllm:\n  timeoutMS: 5\n');
    const r = await cli(['run', '--seeds', HUMANEVAL, '--model', 'openai:x', '--dry-run'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.instructsmithrc.yaml');
    expect(r.stderr).toMatch(/unknown key "concurency"; did you mean "concurrency"/);
    expect(r.stderr).toMatch(/unknown key "llm.timeoutMS"; did you mean "llm.timeoutMs"/);
  });

  it('a mistyped plugin option names plugins.<name>.<key>', async () => {
    const dir = tempDir('cfg');
    writeFileSync(join(dir, 'instructsmith.config.json'), JSON.stringify({ preset: 'infinite-instruct', plugins: { 'judge:quality': { treshold: 7 } } }));
    const r = await cli(['run', '--seeds', HUMANEVAL, '--model', 'openai:x', '--dry-run'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown key "plugins\.judge:quality\.treshold"; did you mean "plugins\.judge:quality\.threshold"/);
  });

  it('a missing seeds path is named', async () => {
    const r = await cli(['run', '--preset', 'infinite-instruct', '--seeds', '/nonexistent/code', '--model', 'openai:x', '--out', tempDir('x')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\/nonexistent\/code: seeds path does not exist/);
  });

  it('an unreachable endpoint names the URL and says how to fix it; nothing is written as kept or rejected', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const out = tempDir('unreach');
    const r = await cli(base(out, `http://127.0.0.1:${port}/v1`));
    expect(r.code).toBe(75); // stopped, resumable
    expect(r.stderr).toContain('resume with:');
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
    expect(r.stderr).toMatch(/OPENAI_BASE_URL|--base-url/);
    expect(readJsonl(join(out, 'rejected.jsonl'))).toHaveLength(0);
  });

  it('a rejected API key stops the run without printing the key', async () => {
    const prev = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-wrong-KEY-abcdefghijkl';
    try {
      const out = tempDir('auth');
      const r = await cli(base(out, double.url));
      expect(r.code).toBe(75); // stopped, resumable
      expect(r.stderr).toMatch(/OPENAI_API_KEY/);
      expect(r.stderr).not.toContain('abcdefghijkl');
      expect(r.stderr).not.toContain('sk-wrong');
    } finally {
      if (prev === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = prev;
    }
  });
});

describe('misbehaving endpoints', () => {
  let double: LlmDouble;
  beforeAll(async () => {
    double = await startLlmDouble();
  });
  afterAll(async () => double?.close());
  const fast = { backoffBaseMs: 1, backoffMaxMs: 20 };

  it('a model that keeps returning invalid JSON gets its samples rejected with that reason', async () => {
    double.reset();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    double.fault({ malformed: 'content', times: 1000 }, (req) => req.body !== undefined && JSON.stringify(req.body).includes('reverse_problem'));
    const out = tempDir('invalid');
    const result = await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: 'openai:scripted-coder', baseUrl: double.url, out, limit: 3, llm: fast, plugins: { 'strategy:backfeeding': false } });
    expect(result.status).toBe('complete');
    const rejected = readJsonl<SampleRecord>(join(out, 'rejected.jsonl'));
    expect(rejected).toHaveLength(3);
    for (const r of rejected) {
      expect(r.dropped).toMatchObject({ stage: 'synthesized', plugin: 'strategy:reverse', category: 'invalid_output' });
    }
  }, 120_000);

  it('a storm of 429s with retry-after backs off and finishes with the same samples', async () => {
    double.reset();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    const calm = tempDir('calm');
    await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: 'openai:scripted-coder', baseUrl: double.url, out: calm, limit: 3, llm: fast, plugins: { 'strategy:backfeeding': false } });
    double.reset();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    double.fault({ status: 429, retryAfterMs: 5, times: 12 });
    const stormy = tempDir('storm');
    const result = await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: 'openai:scripted-coder', baseUrl: double.url, out: stormy, limit: 3, llm: fast, plugins: { 'strategy:backfeeding': false } });
    expect(result.status).toBe('complete');
    expect(double.pendingFaults()).toBe(0);
    expect(double.requests.filter((r) => r.status === 429)).toHaveLength(12);
    const ids = (dir: string) => readJsonl<SampleRecord>(join(dir, 'samples.jsonl')).map((r) => r.id);
    expect(ids(stormy)).toEqual(ids(calm));
  }, 120_000);
});
