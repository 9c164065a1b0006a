import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { CodeSample } from '../hooks.js';
import { runBatched, ToolCrash, type BatchToolSpec } from './batch.js';
import { createToolServer, nodeScriptCommand, type ToolServer } from './tool-server.js';

/**
 * A fake tool server on the real `node`: per request `{cwd, files}` it reads each file and answers
 * one JSON finding per line containing `BAD`; a file containing `CRASH` makes the process exit 3,
 * `HANG` makes it never answer, `GARBAGE` makes it write a line that is not a reply. It counts its
 * requests in `served`, so a test can tell a fresh process from a reused one.
 */
const FAKE_SERVER = `
const fs = require('fs');
const path = require('path');
let served = 0;
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const req = JSON.parse(line);
  served++;
  const out = [];
  for (const f of req.files) {
    const text = fs.readFileSync(path.join(req.cwd, f), 'utf8');
    if (text.includes('CRASH')) { process.stderr.write('segfault-ish'); process.exit(3); }
    if (text.includes('HANG')) return;
    if (text.includes('GARBAGE')) { process.stdout.write('Traceback (most recent call last)\\n'); return; }
    text.split('\\n').forEach((l, i) => { if (l.includes('BAD')) out.push({ file: f, line: i + 1 }); });
  }
  process.stdout.write(JSON.stringify({ id: req.id, exitCode: 0, stdout: JSON.stringify({ served, pid: process.pid, out }) }) + '\\n');
});
`;

async function fakeServer(size = 1, niceness?: number): Promise<{ server: ToolServer; script: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tool-server-test-'));
  const script = join(dir, 'server.cjs');
  await writeFile(script, FAKE_SERVER);
  return { server: createToolServer({ name: 'fake server', command: process.execPath, args: [script], size, niceness }), script };
}

/** runBatched over the fake server; `seen` collects the (served, pid) pairs of the answers. */
function servedSpec(server: ToolServer, seen: Array<{ served: number; pid: number }>): BatchToolSpec {
  return {
    plugin: 'analyzer:fake',
    tool: 'fake',
    language: 'fake',
    command: process.execPath,
    install: 'apt-get install fake',
    fileName: (_s, i) => `s${i}.txt`,
    args: () => [],
    exec: (files, dir, options) => server.request({ cwd: dir, files: files.map((f) => f.path) }, options),
    parse(result) {
      let reply: { served: number; pid: number; out: Array<{ file: string; line: number }> };
      try {
        reply = JSON.parse(result.stdout);
      } catch {
        throw new ToolCrash(`not JSON: ${result.stdout.slice(0, 40)}`);
      }
      seen.push({ served: reply.served, pid: reply.pid });
      return reply.out.map((f) => ({ file: f.file, line: f.line, tool: 'fake', rule: 'bad', severity: 'error' as const, message: 'BAD here' }));
    },
    timeoutMs: () => 1_500,
  };
}

const samples = (codes: string[]): CodeSample[] => codes.map((code, i) => ({ key: `r#${i}`, language: 'fake', code }));

/** Process ids of this process's live children (Linux /proc). */
function children(): number[] {
  return readdirSync('/proc/self/task').flatMap((t) => readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
}

/** True while `pid` runs (a zombie waiting for its parent to reap it has already ended). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Whether `pid` still runs after up to 5 s: an exit signalled a moment ago may take that long under load. */
async function alive(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && running(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return running(pid);
}

describe('createToolServer under runBatched', () => {
  it('starts one process lazily, serves consecutive batches from it and maps findings back', async () => {
    const { server } = await fakeServer();
    expect(server.running).toBe(0);
    const seen: Array<{ served: number; pid: number }> = [];
    const spec = servedSpec(server, seen);
    const first = await runBatched(samples(['ok', 'x\nBAD']), spec);
    const second = await runBatched(samples(['BAD']), spec);
    expect(first.map((c) => c.passed)).toEqual([true, false]);
    expect(first[1]!.diagnostics).toEqual([expect.objectContaining({ rule: 'bad', line: 2 })]);
    expect(second[0]!.diagnostics).toEqual([expect.objectContaining({ line: 1 })]);
    expect(seen.map((s) => s.served)).toEqual([1, 2]);
    expect(new Set(seen.map((s) => s.pid)).size).toBe(1);
    const [pid] = server.pids();
    expect(children()).toContain(pid);
    await server.close();
    expect(server.running).toBe(0);
    expect(await alive(pid!)).toBe(false);
  }, 30_000);

  it('isolates a sample that crashes the server and one that hangs it by bisection, then restarts for the next batch', async () => {
    const { server } = await fakeServer();
    const seen: Array<{ served: number; pid: number }> = [];
    const spec = servedSpec(server, seen);
    const results = await runBatched(samples(['ok', 'BAD', 'CRASH', 'ok', 'ok', 'HANG', 'ok', 'GARBAGE']), spec);
    expect(results.map((r) => r.passed)).toEqual([true, false, false, true, true, false, true, false]);
    expect(results[2]!.diagnostics).toEqual([expect.objectContaining({ rule: 'tool-crash', message: expect.stringMatching(/fake server exited with code 3[\s\S]*segfault-ish/) })]);
    expect(results[5]!.diagnostics).toEqual([expect.objectContaining({ rule: 'tool-timeout', message: expect.stringContaining('timed out after 1500 ms') })]);
    expect(results[7]!.diagnostics).toEqual([expect.objectContaining({ rule: 'tool-crash', message: expect.stringContaining('instead of a reply') })]);
    const before = new Set(seen.map((s) => s.pid));
    const next = await runBatched(samples(['ok', 'BAD']), spec);
    expect(next.map((r) => r.passed)).toEqual([true, false]);
    // A fresh process: its first request, and not one of the processes that were killed.
    expect(seen.at(-1)!.served).toBe(1);
    expect(before.has(seen.at(-1)!.pid)).toBe(false);
    await server.close();
  }, 60_000);

  it('starts its processes at the given nice value', async () => {
    const { server } = await fakeServer(1, 12);
    const dir = await mkdtemp(join(tmpdir(), 'tool-server-nice-'));
    await writeFile(join(dir, 'a.txt'), 'ok');
    const result = await server.request({ cwd: dir, files: ['a.txt'] }, { timeoutMs: 10_000 });
    const { pid } = JSON.parse(result.stdout) as { pid: number };
    expect(getPriority(pid)).toBe(Math.max(12, getPriority()));
    await server.close();
  });

  it('runs up to `size` processes for concurrent batches and queues the rest', async () => {
    const { server } = await fakeServer(2);
    const seen: Array<{ served: number; pid: number }> = [];
    const spec = servedSpec(server, seen);
    const all = await Promise.all(Array.from({ length: 6 }, (_, i) => runBatched(samples([i % 2 ? 'BAD' : 'ok']), spec)));
    expect(all.map((r) => r[0]!.passed)).toEqual([true, false, true, false, true, false]);
    expect(new Set(seen.map((s) => s.pid)).size).toBe(2);
    expect(server.running).toBe(2);
    await server.close();
    expect(server.pids()).toEqual([]);
  }, 30_000);

  it('kills the process on abort and rejects with the reason', async () => {
    const { server } = await fakeServer();
    const dir = await mkdtemp(join(tmpdir(), 'tool-server-abort-'));
    await writeFile(join(dir, 'a.txt'), 'HANG');
    const controller = new AbortController();
    const pending = server.request({ cwd: dir, files: ['a.txt'] }, { timeoutMs: 60_000, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 200));
    const [pid] = server.pids();
    controller.abort(new Error('stopped by the test'));
    await expect(pending).rejects.toThrow('stopped by the test');
    await server.close();
    expect(await alive(pid!)).toBe(false);
  }, 30_000);

  it('lets the owning process exit with an idle server left open, and the server dies with it', async () => {
    const { script } = await fakeServer();
    const dir = await mkdtemp(join(tmpdir(), 'tool-server-exit-'));
    await writeFile(join(dir, 'a.txt'), 'BAD');
    const main = join(dir, 'main.mts');
    const api = new URL('./tool-server.ts', import.meta.url).href;
    await writeFile(
      main,
      `import { createToolServer } from ${JSON.stringify(api)};
const server = createToolServer({ name: 'fake', command: process.execPath, args: [${JSON.stringify(script)}] });
const r = await server.request({ cwd: ${JSON.stringify(dir)}, files: ['a.txt'] }, { timeoutMs: 20000 });
console.log(JSON.stringify({ pid: server.pids()[0], stdout: r.stdout }));
`,
    );
    // No close(): the idle server must not keep the event loop alive (it would hit execa's timeout).
    const { command, args } = nodeScriptCommand(new URL(`file://${main}`));
    const run = await execa(command, args, { timeout: 30_000, reject: false });
    expect(run.timedOut).toBe(false);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const out = JSON.parse(run.stdout) as { pid: number; stdout: string };
    expect(JSON.parse(out.stdout).out).toEqual([{ file: 'a.txt', line: 1 }]);
    expect(await alive(out.pid)).toBe(false);
  }, 60_000);
});
