/**
 * Test helper for cache.test.ts: writes large cache entries in a loop until killed, printing
 * "ready" after the first one. The test SIGKILLs it mid-write and checks no entry is corrupt.
 * Usage: node --import tsx cache-writer.ts CACHE_DIR
 */
import { cacheKey, LlmCache } from '../cache.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: cache-writer.ts CACHE_DIR');
const cache = new LlmCache(dir);
// ~2 MB per entry so a kill lands inside a write with high probability.
const content = 'x'.repeat(2 * 1024 * 1024);
for (let i = 0; ; i++) {
  const parts = { provider: 'openai', model: 'm', request: { messages: [{ role: 'user' as const, content: `prompt ${i}` }] } };
  await cache.set(LlmCache.entry(parts, cacheKey(parts), { content, promptTokens: 1, completionTokens: 1 }));
  if (i === 0) process.stdout.write('ready\n');
}
