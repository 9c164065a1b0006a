import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_STOPPED_RESUMABLE } from '../../cli/main.js';
import { packageRoot } from '../../core/paths.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { HUMANEVAL, tempDir } from './helpers.js';

/**
 * Issue #17, point 3: a key planted in each place a user can put one (the key's environment
 * variable, URL user-info, a URL query string, a config-file value, a header option) is used by the
 * run, and appears in no file the run writes (records, run.json, checkpoint, cache) and in neither
 * stdout nor stderr, through retries, rejected samples and a fatal stop.
 */

const PLANTED = {
  env: 'sk-planted-ENV-a1b2c3d4e5f6',
  userinfo: 'planted-USERINFO-77aa88bb99',
  query: 'planted-QUERY-12ab34cd56',
  config: 'planted-CONFIG-fe98dc76ba',
  header: 'planted-HEADER-0a1b2c3d4e',
};

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

/** A pass-through HTTP proxy in front of the double that records each request's full URL and headers (the double keeps no query string). */
async function recordingProxy(target: string): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const to = new URL(target);
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, seen };
}

function cli(args: string[], config: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'cli/bin.ts'), ...args, '--config', config], {
    cwd: packageRoot(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true', INSTRUCTSMITH_DEBUG: '1', ...env },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

/** Every file under `dir`, with its text. */
function filesUnder(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push([p, readFileSync(p, 'latin1')]);
  }
  return out;
}

/** The planted keys found in `text`, as `place` names, in every form a writer might use. */
function leaks(text: string): string[] {
  return Object.entries(PLANTED)
    .filter(([, key]) => text.includes(key) || text.includes(encodeURIComponent(key)) || text.includes(Buffer.from(key).toString('base64')) || text.includes(Buffer.from(`user:${key}`).toString('base64')))
    .map(([place]) => place);
}

describe('secrets never reach what a run writes', () => {
  let double: LlmDouble;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  beforeAll(async () => {
    double = await startLlmDouble();
    proxy = await recordingProxy(double.url);
  });
  afterAll(async () => {
    await double?.close();
    await new Promise((r) => proxy?.server.close(r));
  });

  /** Healthy replies with a few faults: broken bodies and a 500 (retried), and invalid JSON content (rejected samples). */
  function faulty() {
    double.reset();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    double.fault({ malformed: 'body', times: 2 });
    double.fault({ status: 500, message: 'upstream failed', times: 1 });
    // Every attempt of one seed's problem call: that sample is rejected as invalid_output.
    double.fault({ malformed: 'content', times: 3 }, (req) => {
      const body = JSON.stringify(req.body ?? '');
      return body.includes('reverse_problem') && body.includes('has_close_elements');
    });
  }

  const base = `127.0.0.1:PORT/v1`;
  const runArgs = (out: string) => ['run', '--preset', 'infinite-instruct', '--seeds', HUMANEVAL, '--model', 'openai:scripted-coder', '--out', out, '--limit', '3', '--concurrency', '2'];

  it('keys from the environment, a config file (URL value and header option) and the URL user-info and query are used, and written nowhere', async () => {
    const config = join(tempDir('secrets-cfg'), 'instructsmith.config.json');
    const url = `http://${base.replace('PORT', String(proxy.port))}`;
    writeFileSync(
      config,
      JSON.stringify({
        llm: { backoffBaseMs: 1, backoffMaxMs: 10 },
        plugins: { 'provider:openai': { baseUrl: `${url}?token=${PLANTED.config}`, headers: { 'x-api-key': PLANTED.header } } },
      }),
    );
    const written: Array<[string, string]> = [];
    const outputs: string[] = [];

    // Run A: key in the environment, a config-file URL carrying a token, a header option.
    faulty();
    const a = tempDir('secrets-a');
    const ra = await cli(runArgs(a), config, { OPENAI_API_KEY: PLANTED.env });
    expect(ra.out).not.toMatch(/^instructsmith:/m);
    expect(ra.code).toBe(0);
    const seenA = proxy.seen.splice(0);
    expect(seenA.some((s) => s.headers.authorization === `Bearer ${PLANTED.env}`)).toBe(true);
    expect(seenA.some((s) => s.headers['x-api-key'] === PLANTED.header)).toBe(true);
    expect(seenA.some((s) => s.url === `/v1/chat/completions?token=${PLANTED.config}`)).toBe(true);
    expect(double.requests.some((r) => r.status === 500)).toBe(true);
    written.push(...filesUnder(a));
    outputs.push(ra.out);

    // Run B: --base-url with user-info and a query key (the CLI flag wins over the config's URL).
    faulty();
    const b = tempDir('secrets-b');
    const keyed = `http://user:${PLANTED.userinfo}@${base.replace('PORT', String(proxy.port))}?api-key=${PLANTED.query}`;
    const rb = await cli([...runArgs(b), '--base-url', keyed], config, { OPENAI_API_KEY: PLANTED.env });
    expect(rb.out).not.toMatch(/^instructsmith:/m);
    expect(rb.code).toBe(0);
    const seenB = proxy.seen.splice(0);
    expect(seenB.some((s) => s.headers.authorization === `Basic ${Buffer.from(`user:${PLANTED.userinfo}`).toString('base64')}`)).toBe(true);
    expect(seenB.some((s) => s.url === `/v1/chat/completions?api-key=${PLANTED.query}`)).toBe(true);
    written.push(...filesUnder(b));
    outputs.push(rb.out);

    // Run C: the same URL against an endpoint that only sends garbage: a fatal stop, and the printed resume command.
    double.reset();
    double.fault({ malformed: 'body', times: 1_000_000 });
    const c = tempDir('secrets-c');
    const rc = await cli([...runArgs(c), '--base-url', keyed], config, { OPENAI_API_KEY: PLANTED.env });
    expect(rc.code).toBe(EXIT_STOPPED_RESUMABLE);
    expect(rc.out).toContain('resume with:');
    expect(rc.out).toContain('credentials were removed');
    expect(rc.out).toContain(`http://127.0.0.1:${proxy.port}/v1?api-key=***`);
    written.push(...filesUnder(c));
    outputs.push(rc.out);

    // The runs wrote what a run writes, so the scan covers records, rejected samples, run.json, checkpoint and cache.
    const names = written.map(([p]) => p);
    for (const f of ['samples.jsonl', 'rejected.jsonl', 'run.json']) expect(names.some((n) => n.endsWith(f))).toBe(true);
    expect(names.some((n) => n.includes(`${join('cache', '')}`))).toBe(true);
    expect(written.find(([p]) => p === join(a, 'rejected.jsonl'))![1]).toMatch(/invalid_output/);
    const runJson = JSON.parse(written.find(([p]) => p === join(a, 'run.json'))![1]);
    expect(runJson.config.plugins['provider:openai'].headers).toEqual({ 'x-api-key': '[REDACTED]' });

    const found = [...written.map(([p, text]) => leaks(text).map((place) => `${place} in ${p}`)), ...outputs.map((o, i) => leaks(o).map((place) => `${place} in output of run ${'ABC'[i]}`))].flat();
    expect(found).toEqual([]);
  }, 300_000);
});
