import type { Redis } from 'ioredis';
import { parseCacheEntry, type CacheEntry, type RequestCache } from '../../core/llm/cache.js';
import { InstructsmithError } from '../../core/errors.js';
import { KEY_PREFIX } from './connection.js';

/**
 * The LLM request cache in Redis, shared by every worker of every run on that server: the same
 * content-addressed keys and entries as the directory cache (core/llm/cache.ts), one string value
 * per entry at `instructsmith:llm-cache:<sha256>`. A reply one worker obtained is a cache hit for
 * all others, so a seed redone after a worker died, or a resumed run, costs no second call.
 * Entries never expire (a resumed run relies on them); delete them with
 * `redis-cli --scan --pattern 'instructsmith:llm-cache:*' | xargs redis-cli del`.
 */
export class RedisRequestCache implements RequestCache {
  constructor(private readonly redis: Redis) {}

  static keyOf(key: string): string {
    return `${KEY_PREFIX}llm-cache:${key}`;
  }

  /** The entry, or undefined when absent or not a whole entry (a miss, overwritten by the next call). */
  async get(key: string): Promise<CacheEntry | undefined> {
    const text = await this.redis.get(RedisRequestCache.keyOf(key));
    return text === null ? undefined : parseCacheEntry(text, key);
  }

  /**
   * Store an entry (one SET: whole or absent).
   * @throws InstructsmithError `LLM_CACHE_WRITE` (fatal) when Redis refuses the write (out of memory, read-only replica)
   */
  async set(entry: CacheEntry): Promise<void> {
    try {
      await this.redis.set(RedisRequestCache.keyOf(entry.key), JSON.stringify(entry));
    } catch (err) {
      throw new InstructsmithError('LLM_CACHE_WRITE', `cannot write the LLM cache entry ${entry.key} to Redis: ${(err as Error).message}`, {
        hint: 'check the Redis server (maxmemory, a read-only replica) or run with cache.enabled: false',
        fatal: true,
        cause: err,
      });
    }
  }
}
