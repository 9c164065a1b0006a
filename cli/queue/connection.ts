import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError, InstructsmithError, redactSecrets } from '../../core/errors.js';

/**
 * Names shared by the coordinator (`run --queue`) and the workers (`worker --queue`). One BullMQ
 * queue serves every run on a Redis server; a job carries its run id, so one worker can serve
 * several runs one after another.
 */
export const QUEUE_NAME = 'instructsmith-seeds';
/** Redis key prefix of everything instructsmith stores besides BullMQ's own keys (our choice). */
export const KEY_PREFIX = 'instructsmith:';

/** The Redis key of a run's published config (redacted ResolvedConfig as JSON). */
export function configKey(runId: string): string {
  return `${KEY_PREFIX}run:${runId}:config`;
}

/**
 * `--queue redis://[user:password@]host:port[/db]` (or `rediss://` for TLS) as ioredis options.
 * `maxRetriesPerRequest: null` is what BullMQ requires of its connections (a blocking command must
 * wait through a reconnect instead of failing).
 * @throws ConfigError (code USAGE) naming the flag when the URL is not a Redis URL; the password is never shown
 */
export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badUrl(url);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw badUrl(url);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw badUrl(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

function badUrl(url: string): ConfigError {
  return new ConfigError(`--queue expects a Redis URL, got "${redactSecrets(url)}"`, { code: 'USAGE', hint: 'e.g. --queue redis://localhost:6379 (rediss:// for TLS, /N for database N)' });
}

/** How long the start-up check waits for Redis to answer, in ms; our choice (a LAN round trip is well under). */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Check once that Redis answers, so a wrong host fails at start-up with a clear error instead of
 * BullMQ reconnecting forever.
 * @throws InstructsmithError `QUEUE_UNREACHABLE` naming host and port (never the password)
 */
export async function checkRedis(options: RedisOptions): Promise<void> {
  const probe = new Redis({ ...options, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: CONNECT_TIMEOUT_MS, enableOfflineQueue: false });
  probe.on('error', () => undefined); // reported below
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new InstructsmithError('QUEUE_UNREACHABLE', `cannot reach Redis at ${options.host}:${options.port}: ${redactSecrets((err as Error).message)}`, {
      hint: 'start redis-server there (or fix --queue), and make sure this machine can reach its port',
      cause: err,
    });
  } finally {
    probe.disconnect();
  }
}
