import { statSync } from 'node:fs';
import { createHooks, type Plugin, type PluginApi, type Seed } from '../../core/index.js';

/** A seed source run the way the runner does it: every seed in order, plus every skip in order. */
export interface SeedRun {
  seeds: Seed[];
  skips: { path: string; reason: string }[];
  /** False when the plugin bailed (returned undefined: the path is not its kind). */
  handled: boolean;
}

/**
 * Test helper: apply one seed-source plugin with `options` (parsed by its own schema, so defaults apply)
 * to fresh hooks, ask it for `path`, and drain the result. Errors thrown while reading propagate.
 * Only `hooks` is usable on the api; anything else throws, since seed sources need nothing else.
 */
export async function runSeedSource(plugin: Plugin, options: unknown, path: string): Promise<SeedRun> {
  const hooks = createHooks();
  const unused = (what: string) => () => {
    throw new Error(`seed sources do not use api.${what}`);
  };
  const api = {
    hooks,
    llm: unused('llm'),
    templates: { render: unused('templates'), chat: unused('templates') },
    log: { info() {}, warn() {}, debug() {} },
    run: { dir: '/nonexistent', dryRun: true, config: {} },
  } satisfies PluginApi;
  await plugin.apply(api, plugin.options.parse(options ?? {}));
  const skips: SeedRun['skips'] = [];
  const source = await hooks.seedSource.promise({
    path,
    isDirectory: statSync(path).isDirectory(),
    skip: (p, reason) => skips.push({ path: p, reason }),
  });
  if (!source) return { seeds: [], skips, handled: false };
  const seeds: Seed[] = [];
  for await (const s of source) seeds.push(s);
  return { seeds, skips, handled: true };
}
