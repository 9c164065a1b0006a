import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { cacheKey, canonicalRequest, LlmCache, type CacheKeyParts } from './cache.js';

const BASE: CacheKeyParts = {
  provider: 'openai',
  model: 'gpt-4o',
  request: { messages: [{ role: 'user', content: 'write fizzbuzz' }], temperature: 0.7, seed: 1 },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'instructsmith-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cacheKey', () => {
  it('is the SHA-256 of the sorted-key JSON of the canonical request, with or without schema and operation', () => {
    const schema = { name: 'verdict', jsonSchema: { type: 'object', properties: { score: { type: 'number' }, reason: { type: 'string' } }, required: ['score', 'reason'] } };
    const variants: CacheKeyParts[] = [
      BASE,
      { ...BASE, request: { ...BASE.request, schema } },
      { ...BASE, request: { ...BASE.request, schema, stop: ['```'], maxTokens: 64, topP: 0.9 } },
      { ...BASE, operation: 'prompt_logprobs' },
      { provider: 'ollama', model: 'qwen', request: { messages: [{ role: 'system', content: '"quoted"\n' }, { role: 'user', content: 'é 🎉' }] } },
    ];
    for (const parts of variants) {
      const expected = createHash('sha256').update(stringify(canonicalRequest(parts))!).digest('hex');
      expect(cacheKey(parts)).toBe(expected);
      expect(cacheKey(parts)).toBe(expected); // the schema's memoised JSON gives the same key again
    }
    expect(new Set(variants.map(cacheKey)).size).toBe(variants.length);
  });

  it('is a SHA-256 hex digest, stable across key order and exporter weights', () => {
    const k = cacheKey(BASE);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    const reordered: CacheKeyParts = { model: 'gpt-4o', request: { seed: 1, temperature: 0.7, messages: [{ content: 'write fizzbuzz', role: 'user', weight: 1 }] }, provider: 'openai' };
    expect(cacheKey(reordered)).toBe(k);
  });

  it('changes with provider, model, messages, every sampling parameter and the schema', () => {
    const k = cacheKey(BASE);
    const variants: CacheKeyParts[] = [
      { ...BASE, provider: 'ollama' },
      { ...BASE, model: 'gpt-4o-mini' },
      { ...BASE, request: { ...BASE.request, messages: [{ role: 'user', content: 'write fizzbuzz!' }] } },
      { ...BASE, request: { ...BASE.request, messages: [{ role: 'system', content: 'write fizzbuzz' }] } },
      { ...BASE, request: { ...BASE.request, temperature: 0.2 } },
      { ...BASE, request: { ...BASE.request, topP: 0.9 } },
      { ...BASE, request: { ...BASE.request, maxTokens: 10 } },
      { ...BASE, request: { ...BASE.request, seed: 2 } },
      { ...BASE, request: { ...BASE.request, stop: ['\n'] } },
      { ...BASE, request: { ...BASE.request, schema: { name: 'a', jsonSchema: { type: 'object' } } } },
      { ...BASE, request: { ...BASE.request, schema: { name: 'b', jsonSchema: { type: 'object' } } } },
      { ...BASE, request: { ...BASE.request, schema: { name: 'a', jsonSchema: { type: 'object', properties: {} } } } },
    ];
    const keys = variants.map(cacheKey);
    expect(keys).not.toContain(k);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('LlmCache', () => {
  const reply = { content: 'def fizzbuzz(): ...', promptTokens: 4, completionTokens: 5, finishReason: 'stop' };

  it('stores one file per entry under a two-character fan-out directory and reads it back', async () => {
    const cache = new LlmCache(dir);
    const key = cacheKey(BASE);
    await cache.set(LlmCache.entry(BASE, key, reply));
    expect(cache.pathOf(key)).toBe(join(dir, key.slice(0, 2), `${key}.json`));
    expect(await readdir(join(dir, key.slice(0, 2)))).toEqual([`${key}.json`]);
    expect(await new LlmCache(dir).get(key)).toMatchObject({ key, ...reply, provider: 'openai', model: 'gpt-4o' });
  });

  it('treats a truncated or foreign entry as a miss, and a later write repairs it', async () => {
    const cache = new LlmCache(dir);
    const key = cacheKey(BASE);
    await mkdir(join(dir, key.slice(0, 2)), { recursive: true });
    await writeFile(cache.pathOf(key), '{"key": "' + key + '", "content": "half', 'utf8');
    expect(await cache.get(key)).toBeUndefined();
    await writeFile(cache.pathOf(key), JSON.stringify({ ...LlmCache.entry(BASE, key, reply), key: 'other' }), 'utf8');
    expect(await cache.get(key)).toBeUndefined();
    await cache.set(LlmCache.entry(BASE, key, reply));
    expect((await cache.get(key))?.content).toBe(reply.content);
  });

  it('leaves no temporary files behind and never stores secrets from the request', async () => {
    const cache = new LlmCache(dir);
    const key = cacheKey(BASE);
    await Promise.all([1, 2, 3].map(() => cache.set(LlmCache.entry(BASE, key, reply))));
    const files = await readdir(join(dir, key.slice(0, 2)));
    expect(files).toEqual([`${key}.json`]);
    const text = await readFile(cache.pathOf(key), 'utf8');
    expect(text).not.toMatch(/api[_-]?key|authorization|base_?url/i);
  });
});

describe('LlmCache write failures', () => {
  it('fails loudly, naming the entry path, when the directory cannot be written', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const cache = new LlmCache(blocker);
    const key = cacheKey(BASE);
    await expect(cache.set(LlmCache.entry(BASE, key, { content: 'c', promptTokens: 1, completionTokens: 1 }))).rejects.toMatchObject({ code: 'LLM_CACHE_WRITE', message: expect.stringContaining(blocker) });
  });
});

describe('LlmCache under SIGKILL', () => {
  it('never leaves a truncated entry when the writer is killed mid-write', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const writer = fileURLToPath(new URL('./testdata/cache-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    });
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const cache = new LlmCache(dir);
    const entries: string[] = [];
    for (const sub of await readdir(dir)) for (const f of await readdir(join(dir, sub))) if (f.endsWith('.json')) entries.push(f.slice(0, -5));
    expect(entries.length).toBeGreaterThan(0);
    for (const key of entries) expect((await cache.get(key))?.content.length, key).toBe(2 * 1024 * 1024);
  }, 30_000);
});
