import { HookMap } from 'tapable';
import { PluginError } from './errors.js';
import type { Hooks, JudgeSubject, SelectContext } from './hooks.js';
import type { Seed } from './record.js';
import { ledgerOf } from './selection.js';

/** Options of one tap: tapable's `stage` (lower runs first; default 0) and `before` (plugin names). */
export interface TapOptions {
  stage?: number;
  before?: string | string[];
}

type Fn<A extends unknown[], R> = (...args: A) => R;

/** A hook as a plugin sees it: taps carry the plugin's name, thrown errors become PluginErrors. */
export interface BoundHook<A extends unknown[], R> {
  tap(fn: Fn<A, R>): void;
  tap(options: TapOptions, fn: Fn<A, R>): void;
  tapPromise(fn: Fn<A, Promise<R>>): void;
  tapPromise(options: TapOptions, fn: Fn<A, Promise<R>>): void;
  /** True when any plugin tapped this hook. */
  isUsed(): boolean;
}

/** A keyed hook (HookMap) as a plugin sees it: `for(key)` gives the bound hook of that key. */
export interface BoundHookMap<K extends string, A extends unknown[], R> {
  for(key: K): BoundHook<A, R>;
}

type ArgsOf<H> = H extends { call(...args: infer A): unknown } ? A : H extends { promise(...args: infer A): unknown } ? A : never;
type ResultOf<H> = H extends { promise(...args: never[]): Promise<infer R> } ? R : never;
type SyncResultOf<H> = H extends { call(...args: never[]): infer R } ? R : never;
type InnerOf<M> = M extends { for(key: string): infer H } ? H : never;

// Tap results: bail hooks return their value or undefined; series/parallel hooks return void.
type TapResult<H> = H extends { call(...args: never[]): unknown } ? SyncResultOf<H> : ResultOf<H> extends void ? void : ResultOf<H> | undefined;

/** The runner's hooks as a plugin's context exposes them (core/hooks.ts documents each). */
export type PluginHooks = {
  readonly [K in keyof Hooks]: K extends 'judge'
    ? BoundHookMap<JudgeSubject, ArgsOf<InnerOf<Hooks[K]>>, void>
    : K extends 'filter'
      ? BoundHook<ArgsOf<Hooks[K]>, void>
      : Hooks[K] extends { for(key: string): unknown }
        ? BoundHookMap<string, ArgsOf<InnerOf<Hooks[K]>>, TapResult<InnerOf<Hooks[K]>>>
        : BoundHook<ArgsOf<Hooks[K]>, TapResult<Hooks[K]>>;
};

/** Hooks whose taps stop at the first drop: the tap's record argument is checked before and after each tap. */
const STOP_AT_DROP = new Set(['judge', 'filter']);

interface RawHook {
  tap(options: { name: string } & TapOptions, fn: Fn<unknown[], unknown>): void;
  tapPromise(options: { name: string } & TapOptions, fn: Fn<unknown[], Promise<unknown>>): void;
  isUsed(): boolean;
}

/**
 * Bind the runner's hooks to one plugin. Every tap is registered under `plugin`; every error a tap
 * throws (or rejects with) is wrapped as a PluginError naming plugin, hook and the record or seed id
 * found among the tap's arguments. On `judge` and `filter`, a tap is skipped for a record already
 * dropped and the series stops once a tap dropped it, so a cheap check spares an expensive one.
 */
export function bindHooks(hooks: Hooks, plugin: string): PluginHooks {
  const out: Record<string, unknown> = {};
  for (const [name, hook] of Object.entries(hooks)) {
    if (hook instanceof HookMap) {
      const h = hook as unknown as { for(key: string): RawHook };
      out[name] = Object.freeze({ for: (key: string) => bindHook(h.for(key), `${name}.for('${key}')`, plugin, STOP_AT_DROP.has(name)) });
    } else {
      out[name] = bindHook(hook as unknown as RawHook, name, plugin, STOP_AT_DROP.has(name));
    }
  }
  return Object.freeze(out) as PluginHooks;
}

function bindHook(raw: RawHook, hookName: string, plugin: string, stopAtDrop: boolean): BoundHook<unknown[], unknown> {
  if (hookName === 'select') return bindSelect(raw, plugin);
  const split = (a: unknown, b: unknown): [TapOptions, Fn<unknown[], unknown>] => (typeof a === 'function' ? [{}, a as Fn<unknown[], unknown>] : [(a ?? {}) as TapOptions, b as Fn<unknown[], unknown>]);
  return Object.freeze({
    tap(a: unknown, b?: unknown) {
      const [options, fn] = split(a, b);
      raw.tap({ ...options, name: plugin }, (...args: unknown[]) => {
        if (stopAtDrop && isDropped(args[0])) return true;
        try {
          const r = fn(...args);
          return stopAtDrop ? (isDropped(args[0]) ? true : undefined) : r;
        } catch (err) {
          throw wrap(err, plugin, hookName, args);
        }
      });
    },
    tapPromise(a: unknown, b?: unknown) {
      const [options, fn] = split(a, b);
      raw.tapPromise({ ...options, name: plugin }, async (...args: unknown[]) => {
        if (stopAtDrop && isDropped(args[0])) return true;
        let r: unknown;
        try {
          r = await fn(...args);
        } catch (err) {
          throw wrap(err, plugin, hookName, args);
        }
        return stopAtDrop ? (isDropped(args[0]) ? true : undefined) : r;
      });
    },
    isUsed: () => raw.isUsed(),
  }) as BoundHook<unknown[], unknown>;
}

/**
 * `select` taps get their own SelectContext (drops and reports under the plugin's name), and their
 * input and output streams are counted for the selection table; an error thrown while the
 * selector's stream is read is wrapped like an error of the tap itself.
 */
function bindSelect(raw: RawHook, plugin: string): BoundHook<unknown[], unknown> {
  type SelectFn = (seeds: AsyncIterable<Seed>, ctx: SelectContext) => AsyncIterable<Seed> | undefined | Promise<AsyncIterable<Seed> | undefined>;
  const register = (options: TapOptions, fn: SelectFn) =>
    raw.tapPromise({ ...options, name: plugin }, async (...args: unknown[]) => {
      const [seeds, runnerCtx] = args as [AsyncIterable<Seed>, SelectContext];
      const ledger = ledgerOf(runnerCtx);
      const view = ledger?.bind(plugin);
      let out: AsyncIterable<Seed> | undefined;
      try {
        out = await fn(view ? view.countIn(seeds) : seeds, view?.ctx ?? runnerCtx);
      } catch (err) {
        throw wrap(err, plugin, 'select', []);
      }
      const stream = rethrowWrapped(out ?? seeds, plugin);
      return view ? view.countOut(stream) : stream;
    });
  const split = (a: unknown, b: unknown): [TapOptions, SelectFn] => (typeof a === 'function' ? [{}, a as SelectFn] : [(a ?? {}) as TapOptions, b as SelectFn]);
  return Object.freeze({
    tap: (a: unknown, b?: unknown) => register(...split(a, b)),
    tapPromise: (a: unknown, b?: unknown) => register(...split(a, b)),
    isUsed: () => raw.isUsed(),
  }) as BoundHook<unknown[], unknown>;
}

async function* rethrowWrapped(seeds: AsyncIterable<Seed>, plugin: string): AsyncGenerator<Seed> {
  try {
    yield* seeds;
  } catch (err) {
    throw wrap(err, plugin, 'select', []);
  }
}

function isDropped(record: unknown): boolean {
  return Boolean((record as { dropped?: unknown } | undefined)?.dropped);
}

function wrap(err: unknown, plugin: string, hook: string, args: readonly unknown[]): unknown {
  if (err instanceof PluginError) return err;
  // An abort is the run stopping, not the plugin failing.
  if ((err as { name?: string } | undefined)?.name === 'AbortError') return err;
  return new PluginError(plugin, hook, subjectOf(args), err);
}

/** `record <id>` or `seed <id>` from a tap's arguments (records, arrays of records, seeds). */
function subjectOf(args: readonly unknown[]): string | undefined {
  for (const a of args) {
    const o = a as { id?: unknown; messages?: unknown; code?: unknown; source?: unknown } | undefined;
    if (o && typeof o === 'object' && typeof o.id === 'string') {
      if (typeof o.code === 'string' && o.source) return `seed ${o.id}`;
      if (Array.isArray(o.messages)) return `record ${o.id}`;
    }
  }
  return undefined;
}
