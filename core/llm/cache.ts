import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import stringify from 'safe-stable-stringify';
import { InstructsmithError } from '../errors.js';
import type { ChatRequest } from './types.js';

/**
 * The content-addressed request cache (DESIGN.md, "LLM access"): one JSON file per successful,
 * validated reply, at `cacheDir/<first 2 hex>/<sha256>.json`.
 *
 * The key covers what gives a request its meaning (provider, model, messages, sampling parameters,
 * schema) and nothing about throughput or place (base URL, API key, timeout, concurrency), so the
 * same prompt hits the cache whether it ran against a local vLLM or through a proxy, and a cache
 * directory can be shared between machines. Entries never contain secrets: only the request's
 * meaning and the reply.
 */

/** Bumped when the key's canonical form changes, so old entries stop matching instead of being misread. */
const KEY_VERSION = 1;

/** What the cache key is computed from. */
export interface CacheKeyParts {
  provider: string;
  model: string;
  request: ChatRequest;
  /**
   * Set for calls that are not chat completions: `prompt_logprobs` (the request's one user message
   * is the scored text). Part of the key, so such a call never shares an entry with a chat call;
   * absent for chat calls, whose keys are unchanged by it.
   */
  operation?: 'prompt_logprobs';
}

/** One stored reply. */
export interface CacheEntry {
  key: string;
  provider: string;
  model: string;
  content: string;
  promptTokens: number;
  completionTokens: number;
  finishReason?: string;
  /** ISO time the entry was written. */
  createdAt: string;
  /** The request's meaning (messages, sampling, schema name), for humans inspecting the cache. */
  request: unknown;
}

/**
 * SHA-256 (hex) of the canonical JSON (sorted keys, undefined dropped) of provider, model, messages
 * (role and content only; an exporter's `weight` is not part of the prompt), sampling parameters
 * and schema (name and JSON Schema).
 */
export function cacheKey(parts: CacheKeyParts): string {
  // The canonical JSON with its sorted keys written in two parts: everything before "schema" (all
  // its keys sort earlier), then the schema, whose JSON is computed once per schema object (a plugin
  // makes its OutputSchema once and sends it with every call), then "v". Same text as
  // stringify(canonicalRequest(parts)), which the tests check.
  const { v: _v, schema: _s, ...head } = canonicalRequest(parts, false);
  const text = `${stringify(head)!.slice(0, -1)},"schema":${schemaJson(parts.request.schema)},"v":${KEY_VERSION}}`;
  return createHash('sha256').update(text).digest('hex');
}

/** The canonical JSON of each schema object's part of the key, by identity. */
const schemaJsonOf = new WeakMap<NonNullable<ChatRequest['schema']>, string>();

function schemaJson(schema: ChatRequest['schema']): string {
  if (!schema) return 'null';
  let text = schemaJsonOf.get(schema);
  if (text === undefined) schemaJsonOf.set(schema, (text = stringify({ name: schema.name, jsonSchema: schema.jsonSchema })!));
  return text;
}

/** What the key is the hash of; `withSchema: false` leaves the schema out (cacheKey adds its memoised JSON). */
export function canonicalRequest({ provider, model, request, operation }: CacheKeyParts, withSchema = true) {
  return {
    v: KEY_VERSION,
    ...(operation ? { operation } : {}),
    provider,
    model,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    sampling: {
      temperature: request.temperature,
      topP: request.topP,
      maxTokens: request.maxTokens,
      seed: request.seed,
      stop: request.stop,
    },
    schema: withSchema && request.schema ? { name: request.schema.name, jsonSchema: request.schema.jsonSchema } : null,
  };
}

/**
 * Where cached replies are kept: the directory cache ({@link LlmCache}), or another store behind the
 * same two calls (e.g. a Redis store shared by queue workers on several machines).
 */
export interface RequestCache {
  /** The entry for `key`, or undefined when there is none (or it is unreadable: a miss). */
  get(key: string): Promise<CacheEntry | undefined>;
  /** Store an entry; a failure must be thrown as a fatal InstructsmithError (`LLM_CACHE_WRITE`). */
  set(entry: CacheEntry): Promise<void>;
  /**
   * Optional: the call made after `get(key)` missed has failed (every retry spent), so no entry will
   * come. A store that coalesces identical calls across processes (the Redis cache of `run --queue`)
   * gives up its claim here, so a waiting process makes the call itself at once rather than after the lease.
   */
  abandon?(key: string): Promise<void>;
}

// Synchronous file calls, on purpose: an entry is a few KB written to the page cache (no fsync), tens
// of microseconds, while each asynchronous call is a round trip through libuv's thread pool that, on
// a loaded machine, costs the event loop far more (a wake-up, a context switch, a wait for the CPU)
// and delays every reply in flight (measured in test/bench/scale/utilisation.ts). The run store
// writes its records synchronously for the same reason.

/** Numbers the temporary files of this thread, so no two writes share one (pid + thread + counter is unique). */
let tmpCounter = 0;

export class LlmCache implements RequestCache {
  /** Subdirectories known to exist: each is created once, not before every write. */
  private readonly made = new Set<string>();

  /** @param dir the cache directory; created on first write. */
  constructor(readonly dir: string) {}

  /** Path of the entry for `key`: `dir/ab/abcdef….json`. */
  pathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /**
   * The entry for `key`, or undefined when there is none or it is unreadable (a truncated or
   * hand-edited file is a miss, and is overwritten by the next successful call).
   */
  async get(key: string): Promise<CacheEntry | undefined> {
    const file = this.pathOf(key);
    // A miss is the common case in a fresh run: a stat, not an ENOENT error built and thrown.
    if (!existsSync(file)) return undefined;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    return parseCacheEntry(text, key);
  }

  /**
   * Store an entry atomically: write a unique temporary file beside it, then rename over the final
   * name (atomic on POSIX file systems), so a process killed mid-write leaves either no entry or a
   * whole one, never a truncated one.
   * @throws InstructsmithError `LLM_CACHE_WRITE` (fatal) naming the directory when it cannot be written
   *   (read-only, disk full): a run that cannot cache would silently lose its resumability.
   */
  async set(entry: CacheEntry): Promise<void> {
    const file = this.pathOf(entry.key);
    const tmp = `${file}.${process.pid}.${threadId}.${++tmpCounter}.tmp`;
    const sub = join(this.dir, entry.key.slice(0, 2));
    const text = JSON.stringify(entry);
    try {
      if (!this.made.has(sub)) {
        mkdirSync(sub, { recursive: true });
        this.made.add(sub);
      }
      try {
        writeFileSync(tmp, text, 'utf8');
      } catch (err) {
        // The subdirectory was removed under a running process (a user clearing the cache): make it again, once.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        mkdirSync(sub, { recursive: true });
        writeFileSync(tmp, text, 'utf8');
      }
      renameSync(tmp, file);
    } catch (err) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // the temporary file could not be removed either; the write error is the one to report
      }
      throw new InstructsmithError('LLM_CACHE_WRITE', `cannot write the LLM cache entry ${file}: ${(err as Error).message}`, {
        hint: 'make the cache directory writable (llm.cacheDir) or free disk space',
        fatal: true,
        cause: err,
      });
    }
  }

  /** Build an entry from a request and its reply. */
  static entry(parts: CacheKeyParts, key: string, reply: { content: string; promptTokens: number; completionTokens: number; finishReason?: string }): CacheEntry {
    const canon = canonicalRequest(parts, false);
    return {
      key,
      provider: parts.provider,
      model: parts.model,
      content: reply.content,
      promptTokens: reply.promptTokens,
      completionTokens: reply.completionTokens,
      ...(reply.finishReason ? { finishReason: reply.finishReason } : {}),
      createdAt: new Date().toISOString(),
      request: { messages: canon.messages, sampling: canon.sampling, schema: parts.request.schema?.name ?? null },
    };
  }
}

/**
 * A stored entry read back: the entry when `text` is a whole entry for `key`, else undefined (a torn
 * or foreign entry is a miss, overwritten by the next call). Shared by every cache store.
 */
export function parseCacheEntry(text: string, key: string): CacheEntry | undefined {
  try {
    const entry = JSON.parse(text) as CacheEntry;
    if (entry?.key !== key || typeof entry.content !== 'string' || typeof entry.promptTokens !== 'number' || typeof entry.completionTokens !== 'number') return undefined;
    return entry;
  } catch {
    return undefined;
  }
}
