import type { Redis } from 'ioredis';
import { parseCacheEntry, type CacheEntry, type RequestCache } from '../../core/llm/cache.js';
import { InstructsmithError } from '../../core/errors.js';
import { KEY_PREFIX } from './connection.js';
import { currentJob, type JobScope } from './job-scope.js';

/** How long a claim lives without renewal, in ms: a killed worker's claim lets waiters call after at most this. Our choice. */
const LEASE_MS = 10_000;
/**
 * How often a waiter looks again when no message came, in ms: a message missed (the subscriber
 * reconnected) or a lapsed lease costs at most this much more waiting. Our choice.
 */
const POLL_MS = 1_000;

/** Set the claim's expiry again if `token` still holds it. KEYS: claim; ARGV: token, lease ms. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;
/** Give the claim up if `token` holds it, and wake its waiters. KEYS: claim; ARGV: token, channel. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end redis.call('publish', ARGV[2], 'released') return 1`;
/** Store the entry, give the claim up if `token` holds it, wake the waiters. KEYS: value, claim; ARGV: entry, token, channel. */
const STORE = `redis.call('set', KEYS[1], ARGV[1]) if redis.call('get', KEYS[2]) == ARGV[2] then redis.call('del', KEYS[2]) end redis.call('publish', ARGV[3], 'stored') return 1`;

interface Claim {
  scope: JobScope;
  timer: NodeJS.Timeout;
}

/** Timings (for tests that cannot wait for the defaults), and where failed reads are reported. */
export interface RedisCacheTimings {
  leaseMs?: number;
  pollMs?: number;
  /** Told each time a read from Redis fails (the lookup is then a miss); the worker logs it as a warning. */
  onReadError?: (message: string) => void;
}

/**
 * The LLM request cache in Redis, shared by every worker of every run on that server: the same
 * content-addressed keys and entries as the directory cache (core/llm/cache.ts), one string value
 * per entry at `instructsmith:llm-cache:<sha256>`. A reply one worker obtained is a cache hit for
 * all others, so a seed redone after a worker died, or a resumed run, costs no second call.
 * Entries never expire (a resumed run relies on them); delete them with
 * `redis-cli --scan --pattern 'instructsmith:llm-cache:*' | xargs redis-cli del`.
 *
 * Identical calls in flight on several workers at once are coalesced, as the client's in-process
 * single-flight does within one process: the job that misses first claims the key
 * (`instructsmith:llm-flight:<sha256>`, SET NX with a {@link LEASE_MS} lease renewed while its job runs)
 * and calls the endpoint; the others subscribe to the key's channel and take the entry it stores,
 * counted as shared ({@link JobScope.sharedFromPeer}). A claim is given up when its entry is stored,
 * when its job ends (a call that failed stores nothing: a waiter then calls itself, no error is
 * shared), and lapses when its worker dies or the job held it past `maxHoldMs`; a waiter then takes
 * the claim over. Only calls made inside a job ({@link currentJob}) claim; others just read and write.
 */
export class RedisRequestCache implements RequestCache {
  private readonly claims = new Map<string, Claim>();
  private subscriber?: Redis;
  private readonly wakers = new Map<string, Set<() => void>>();
  private readonly leaseMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly timings: RedisCacheTimings = {},
  ) {
    this.leaseMs = timings.leaseMs ?? LEASE_MS;
    this.pollMs = timings.pollMs ?? POLL_MS;
  }

  static keyOf(key: string): string {
    return `${KEY_PREFIX}llm-cache:${key}`;
  }

  /** The key of the claim on `key`'s call in flight; its value is the holder's {@link JobScope.token}. */
  static claimOf(key: string): string {
    return `${KEY_PREFIX}llm-flight:${key}`;
  }

  private static channelOf(key: string): string {
    return `${KEY_PREFIX}llm-flight:${key}:done`;
  }

  /**
   * The entry; or, on a miss inside a job, undefined once this job holds the claim on the key (it is
   * to call the endpoint and `set` the reply), after waiting for another job's call when one holds it.
   * A torn or foreign entry is a miss, overwritten by the next call. So is a lookup Redis fails
   * (a timeout, a dropped connection after ioredis's own retries), reported to `onReadError`: the job
   * calls the endpoint itself, perhaps beside another worker, rather than failing the call and
   * dropping its sample; if Redis is gone for good, storing the reply then stops the run
   * (`LLM_CACHE_WRITE`, fatal), resumably.
   */
  async get(key: string): Promise<CacheEntry | undefined> {
    try {
      return await this.lookup(key);
    } catch (err) {
      this.timings.onReadError?.(`reading the LLM cache entry ${key} from Redis failed (${(err as Error).message}); calling the endpoint instead`);
      return undefined;
    }
  }

  private async lookup(key: string): Promise<CacheEntry | undefined> {
    const hit = await this.read(key);
    const scope = currentJob();
    if (hit || !scope) return hit;
    for (;;) {
      if (this.claims.get(key)?.scope === scope) return undefined; // this job's own call (the client's single-flight joins it)
      if ((await this.redis.set(RedisRequestCache.claimOf(key), scope.token, 'PX', this.leaseMs, 'NX')) === 'OK') {
        this.hold(key, scope);
        return undefined;
      }
      const wait = await this.waitFor(key);
      try {
        const before = await this.read(key); // stored between the claim attempt and the subscription
        if (before) return this.shared(before, scope);
        await wait.woken;
      } finally {
        wait.dispose();
      }
      const after = await this.read(key);
      if (after) return this.shared(after, scope);
      // Released without an entry (its call failed) or lapsed (its worker died): claim it again.
    }
  }

  /**
   * Store an entry (one SET: whole or absent), give up this process's claim on it, wake its waiters.
   * @throws InstructsmithError `LLM_CACHE_WRITE` (fatal) when Redis refuses the write (out of memory, read-only replica)
   */
  async set(entry: CacheEntry): Promise<void> {
    const claim = this.claims.get(entry.key);
    if (claim) this.drop(entry.key, claim);
    try {
      await this.redis.eval(STORE, 2, RedisRequestCache.keyOf(entry.key), RedisRequestCache.claimOf(entry.key), JSON.stringify(entry), claim?.scope.token ?? '', RedisRequestCache.channelOf(entry.key));
    } catch (err) {
      throw new InstructsmithError('LLM_CACHE_WRITE', `cannot write the LLM cache entry ${entry.key} to Redis: ${(err as Error).message}`, {
        hint: 'check the Redis server (maxmemory, a read-only replica) or run with cache.enabled: false',
        fatal: true,
        cause: err,
      });
    }
  }

  /** The call this process claimed `key` for failed: give the claim up now and wake the waiters, one of which calls itself. */
  async abandon(key: string): Promise<void> {
    const claim = this.claims.get(key);
    if (claim) await this.release(key, claim);
  }

  /** Give up every claim `scope` still holds (its job ended: those calls failed or were never made) and wake their waiters. */
  async releaseAll(scope: JobScope): Promise<void> {
    const mine = [...this.claims].filter(([, c]) => c.scope === scope);
    await Promise.all(mine.map(([key, claim]) => this.release(key, claim)));
  }

  /** Give up every claim, stop listening. */
  async close(): Promise<void> {
    await Promise.all([...this.claims].map(([key, claim]) => this.release(key, claim)));
    this.subscriber?.disconnect();
  }

  private async read(key: string): Promise<CacheEntry | undefined> {
    const text = await this.redis.get(RedisRequestCache.keyOf(key));
    return text === null ? undefined : parseCacheEntry(text, key);
  }

  private shared(entry: CacheEntry, scope: JobScope): CacheEntry {
    scope.sharedFromPeer(`${entry.provider}:${entry.model}`);
    return entry;
  }

  /** Keep the claim alive every third of a lease while the job runs, up to its maxHoldMs. */
  private hold(key: string, scope: JobScope): void {
    const since = Date.now();
    const timer = setInterval(() => {
      const claim = this.claims.get(key);
      if (!claim || claim.scope !== scope) return;
      if (Date.now() - since > scope.maxHoldMs) {
        this.drop(key, claim); // lapses within a lease: a waiter takes over
        return;
      }
      this.redis.eval(RENEW, 1, RedisRequestCache.claimOf(key), scope.token, this.leaseMs).catch(() => undefined); // a missed renewal at worst lets a waiter call too
    }, Math.max(1, Math.floor(this.leaseMs / 3)));
    timer.unref();
    this.claims.set(key, { scope, timer });
  }

  private drop(key: string, claim: Claim): void {
    clearInterval(claim.timer);
    if (this.claims.get(key) === claim) this.claims.delete(key);
  }

  private async release(key: string, claim: Claim): Promise<void> {
    this.drop(key, claim);
    await this.redis.eval(RELEASE, 1, RedisRequestCache.claimOf(key), claim.scope.token, RedisRequestCache.channelOf(key)).catch(() => undefined); // unreleased, it lapses within a lease
  }

  /** Subscribe to `key`'s channel: `woken` resolves on its next message or after a poll interval. */
  private async waitFor(key: string): Promise<{ woken: Promise<void>; dispose: () => void }> {
    const channel = RedisRequestCache.channelOf(key);
    const sub = this.subscriberConnection();
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const poll = setTimeout(wake, this.pollMs);
    let set = this.wakers.get(channel);
    const first = !set;
    if (!set) this.wakers.set(channel, (set = new Set()));
    set.add(wake);
    // A second waiter does not wait for the first one's subscription: a message before it is covered by the poll.
    // A failed subscription is covered by the poll as well: waiting is an optimisation, never a reason to fail a call.
    if (first) await sub.subscribe(channel).catch(() => undefined);
    return {
      woken,
      dispose: () => {
        clearTimeout(poll);
        set.delete(wake);
        if (set.size === 0 && this.wakers.get(channel) === set) {
          this.wakers.delete(channel);
          sub.unsubscribe(channel).catch(() => undefined);
        }
      },
    };
  }

  private subscriberConnection(): Redis {
    if (!this.subscriber) {
      // No handshake commands: ioredis 5.8.2+ can send its ready check (INFO) and CLIENT SETINFO after a
      // SUBSCRIBE it queued, which Redis refuses in subscriber mode ("ERR Can't execute 'info'"; ioredis
      // issues #2037, #2099). Seen once in CI, in the kill -9 queue test.
      this.subscriber = this.redis.duplicate({ enableReadyCheck: false, disableClientInfo: true });
      this.subscriber.on('error', () => undefined); // ioredis reconnects; the poll covers what is missed meanwhile
      this.subscriber.on('message', (channel: string) => {
        for (const wake of this.wakers.get(channel) ?? []) wake();
      });
    }
    return this.subscriber;
  }
}
