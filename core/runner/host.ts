import { pathToFileURL } from 'node:url';
import { closest } from 'fastest-levenshtein';
import { configErrorFromZod } from '../config/issues.js';
import { ConfigError } from '../errors.js';
import { createPluginContext, type ContextParts, type PluginReports } from '../context.js';
import type { ResolvedConfig } from '../config/schema.js';
import { createHooks, type Hooks } from '../hooks.js';
import { createLlmFactory, type LlmFactory, type LlmFactoryOptions } from '../llm/factory.js';
import { UsageMeter } from '../llm/usage.js';
import { createTemplateRenderer } from '../templates.js';
import { PLUGIN_API_VERSION, type Logger, type Plugin, type TemplateRenderer } from '../plugin.js';

/** A plugin with its validated options, ready to apply. */
export interface PluginEntry {
  plugin: Plugin;
  options: unknown;
}

/**
 * Resolve the `plugins` map of a config to plugin entries with validated options.
 * Keys are built-in names (`judge:quality`) or module specifiers (a path or package whose default
 * export is a plugin made with `definePlugin`). Plugins in `implicit` (providers, seed sources) are
 * always applied, with the options the config gives them or their defaults.
 * @throws ConfigError naming `plugins.<name>` for an unknown plugin (with the closest built-in name),
 *   a module that does not export a plugin, or invalid options (with the key path inside the options)
 */
export async function resolvePlugins(
  configured: Record<string, unknown>,
  builtins: readonly Plugin[],
  implicit: readonly Plugin[] = [],
): Promise<PluginEntry[]> {
  const byName = new Map(builtins.map((p) => [p.name, p]));
  const entries: PluginEntry[] = [];
  const named = new Set<string>();
  for (const [key, raw] of Object.entries(configured)) {
    const plugin = byName.get(key) ?? (isModuleSpecifier(key) ? await importPlugin(key) : undefined);
    if (!plugin) {
      const names = [...byName.keys()].sort();
      throw new ConfigError(`unknown plugin "plugins.${key}"`, {
        code: 'CONFIG_UNKNOWN_KEY',
        hint: `did you mean "${closest(key, names)}"? built-in plugins: ${names.join(', ')}; a third-party plugin is named by its module path (./my-plugin.js)`,
      });
    }
    named.add(plugin.name);
    entries.push({ plugin, options: validateOptions(plugin, raw ?? {}, `plugins.${key}`) });
  }
  const implicitEntries = implicit.filter((p) => !named.has(p.name)).map((plugin) => ({ plugin, options: validateOptions(plugin, {}, `plugins.${plugin.name}`) }));
  return [...implicitEntries, ...entries];
}

/** Validate a plugin's options with its schema; errors name the key path under `prefix`. */
export function validateOptions(plugin: Plugin, raw: unknown, prefix: string): unknown {
  const res = plugin.options.safeParse(raw);
  if (!res.success) throw configErrorFromZod(res.error, plugin.options, `the options of ${plugin.name}`, [prefix]);
  return res.data;
}

async function importPlugin(specifier: string): Promise<Plugin> {
  let mod: { default?: unknown };
  try {
    mod = (await import(specifier.startsWith('/') ? pathToFileURL(specifier).href : specifier)) as { default?: unknown };
  } catch (err) {
    throw new ConfigError(`cannot load plugin module "${specifier}": ${(err as Error).message}`, {
      code: 'CONFIG_PLUGIN_LOAD',
      hint: 'check the path (relative paths resolve against the config file that names them) or install the package',
    });
  }
  const p = mod.default as Partial<Plugin> | undefined;
  if (!p || typeof p.name !== 'string' || typeof p.apply !== 'function' || !p.options || typeof (p.options as { safeParse?: unknown }).safeParse !== 'function') {
    throw new ConfigError(`plugin module "${specifier}" has no default export made with definePlugin({ name, description, options, apply })`, {
      code: 'CONFIG_PLUGIN_LOAD',
      hint: 'export default definePlugin({...}) from the module',
    });
  }
  return p as Plugin;
}

function isModuleSpecifier(key: string): boolean {
  return key.startsWith('.') || key.startsWith('/') || key.startsWith('@') || !key.includes(':');
}

/**
 * Apply plugins in order, each with its own context (core/context.ts). Errors thrown by `apply` are
 * wrapped to name the plugin.
 * @throws ConfigError for a plugin written against another plugin API version, or one whose apply failed
 */
export async function applyPlugins(parts: ContextParts, entries: readonly PluginEntry[]): Promise<void> {
  for (const { plugin, options } of entries) {
    checkApiVersion(plugin);
    try {
      await plugin.apply(createPluginContext(plugin.name, parts), options as never);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`plugin ${plugin.name} failed to start: ${(err as Error).message}`, { hint: 'check its options' });
    }
  }
}

/** @throws ConfigError when the plugin was stamped with another plugin API version than this core's. */
export function checkApiVersion(plugin: Plugin): void {
  const v = plugin.apiVersion;
  if (v === undefined || v === PLUGIN_API_VERSION) return;
  throw new ConfigError(`plugin ${plugin.name} was written for plugin API v${v}; this instructsmith implements v${PLUGIN_API_VERSION}`, {
    code: 'CONFIG_PLUGIN_API',
    hint: v > PLUGIN_API_VERSION ? 'upgrade instructsmith to a version that implements that API' : `upgrade the plugin to a release written for instructsmith's plugin API v${PLUGIN_API_VERSION}`,
  });
}

/** A logger that writes to stderr; `debug` only with INSTRUCTSMITH_DEBUG set. */
export function stderrLogger(quiet = false): Logger {
  return {
    info: (m) => {
      if (!quiet) process.stderr.write(`${m}\n`);
    },
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
    debug: (m) => {
      if (process.env.INSTRUCTSMITH_DEBUG) process.stderr.write(`debug: ${m}\n`);
    },
  };
}

/** What {@link startPlugins} needs besides the config: the directory plugins work in, and the LLM factory's options. */
export interface StartPluginsOptions {
  config: ResolvedConfig;
  /** `ctx.run.dir`. */
  dir: string;
  builtins: readonly Plugin[];
  implicit?: readonly Plugin[];
  log: Logger;
  /** The LLM middleware settings (`llmSettings(config, dir)` for a run). */
  settings: LlmFactoryOptions['settings'];
  /** Default: `config.model`. */
  defaultModel?: string;
  signal?: AbortSignal;
  batchStateFile?: string;
  cache?: LlmFactoryOptions['cache'];
}

/**
 * One process's plugin host for a configuration: fresh hooks, a usage meter, the LLM factory, and
 * the config's plugins resolved and applied (with `ctx.report` collected in `reports`). What a run,
 * `instructsmith select`, `instructsmith evaluate` and a queue worker each start with.
 * @throws ConfigError as resolvePlugins and applyPlugins do
 */
export async function startPlugins(o: StartPluginsOptions): Promise<{ hooks: Hooks; llm: LlmFactory; meter: UsageMeter; reports: PluginReports; templates: TemplateRenderer }> {
  const hooks = createHooks();
  const meter = new UsageMeter();
  const llm = createLlmFactory({ hooks, settings: o.settings, baseUrl: o.config.baseUrl, defaultModel: o.defaultModel ?? o.config.model, dryRun: false, meter, signal: o.signal, batchStateFile: o.batchStateFile, cache: o.cache });
  const reports: PluginReports = new Map();
  const templates = createTemplateRenderer(o.config.templates);
  await applyPlugins({ hooks, llm, templates, log: o.log, run: { dir: o.dir, dryRun: false, config: o.config }, reports }, await resolvePlugins(o.config.plugins, o.builtins, o.implicit));
  return { hooks, llm, meter, reports, templates };
}
