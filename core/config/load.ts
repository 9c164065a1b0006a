import { dirname, resolve } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { ConfigError, InstructsmithError, redactSecrets } from '../errors.js';
import { configErrorFromZod } from './issues.js';
import { parseYamlText, readPreset } from './presets.js';
import { configSchema, type ConfigInput, type ResolvedConfig } from './schema.js';

/** One layer of configuration and where it came from (for errors and run.json). */
export interface ConfigLayer {
  source: string;
  /** Directory relative paths in this layer resolve against. */
  baseDir: string;
  data: Record<string, unknown>;
}

export interface LoadConfigOptions {
  cwd: string;
  /** `--config FILE`; otherwise discovered with cosmiconfig from `cwd`. */
  configFile?: string;
  /** Values from CLI flags; win over everything. */
  overrides?: ConfigInput;
}

export interface LoadedConfig {
  config: ResolvedConfig;
  /** Layers, lowest precedence first: presets (base to derived), user config file, CLI. */
  layers: ConfigLayer[];
}

const MODULE = 'instructsmith';
/** Where a user config is looked for in the working directory, first match wins. */
export const SEARCH_PLACES = [
  'package.json',
  `.${MODULE}rc`,
  `.${MODULE}rc.json`,
  `.${MODULE}rc.yaml`,
  `.${MODULE}rc.yml`,
  `.${MODULE}rc.js`,
  `.${MODULE}rc.mjs`,
  `${MODULE}.config.json`,
  `${MODULE}.config.yaml`,
  `${MODULE}.config.yml`,
  `${MODULE}.config.js`,
  `${MODULE}.config.mjs`,
];

/**
 * Resolve the configuration: preset(s) ← user config file ← CLI flags, deep-merged (objects merge,
 * arrays and scalars replace; a plugin set to `false` is removed). Each layer is validated on its own
 * first, so an error names the file it is in; then the merge is validated and defaults applied.
 * Relative paths (`seeds`, `out`, `cache.dir`, `templates`, plugin module specifiers) resolve against
 * the directory of the layer that set them.
 * @throws ConfigError (unknown key with the closest valid key, unknown preset listing known ones, wrong type)
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const userLayer = await discoverUserConfig(options);
  const cliLayer: ConfigLayer | undefined = options.overrides
    ? { source: 'command-line flags', baseDir: options.cwd, data: stripUndefined(options.overrides as Record<string, unknown>) }
    : undefined;

  const presetName = (cliLayer?.data.preset ?? userLayer?.data.preset) as string | undefined;
  const presetLayers = presetName ? loadPresetChain(presetName, userLayer?.baseDir ?? options.cwd) : [];
  const layers = [...presetLayers, ...(userLayer ? [userLayer] : []), ...(cliLayer ? [cliLayer] : [])];

  for (const layer of layers) {
    const res = configSchema.safeParse(layer.data);
    if (!res.success) throw configErrorFromZod(res.error, configSchema, layer.source);
  }
  const merged = layers.reduce<Record<string, unknown>>((acc, layer) => mergeLayer(acc, resolvePaths(layer)), {});
  for (const [name, value] of Object.entries((merged.plugins as Record<string, unknown>) ?? {})) {
    if (value === false) delete (merged.plugins as Record<string, unknown>)[name];
  }
  const res = configSchema.safeParse(merged);
  if (!res.success) throw configErrorFromZod(res.error, configSchema, 'the merged configuration');
  return { config: res.data, layers };
}

async function discoverUserConfig(options: LoadConfigOptions): Promise<ConfigLayer | undefined> {
  const explorer = cosmiconfig(MODULE, {
    searchStrategy: 'none',
    searchPlaces: SEARCH_PLACES,
    // Our parser for YAML (and `.instructsmithrc`, YAML or JSON), so a syntax error names the file, line
    // and column the same way for presets and user config (yaml's own message has no file).
    loaders: { '.yaml': parseYamlText, '.yml': parseYamlText, noExt: parseYamlText },
  });
  try {
    const found = options.configFile ? await explorer.load(resolve(options.cwd, options.configFile)) : await explorer.search(options.cwd);
    if (!found || found.isEmpty) return undefined;
    if (typeof found.config !== 'object' || found.config === null) {
      throw new ConfigError(`${found.filepath}: expected an object of config keys`, { hint: 'see README "Configuration"' });
    }
    return { source: found.filepath, baseDir: dirname(found.filepath), data: found.config as Record<string, unknown> };
  } catch (err) {
    if (err instanceof InstructsmithError) throw err;
    const e = err as NodeJS.ErrnoException & { filepath?: string };
    if (e.code === 'ENOENT') {
      throw new ConfigError(`config file not found: ${options.configFile}`, { hint: 'check the --config path' });
    }
    // cosmiconfig sets `filepath` on errors from its loaders (JSON, JS); a JSON error quotes source lines.
    const file = e.filepath ?? (options.configFile ? resolve(options.cwd, options.configFile) : undefined);
    const named = file === undefined || e.message.includes(file) ? '' : ` ${file}`;
    throw new ConfigError(`cannot read the config file${named}: ${redactSecrets(e.message)}`, { hint: 'fix the syntax at the line named above' });
  }
}

function loadPresetChain(name: string, cwd: string, seen: string[] = []): ConfigLayer[] {
  const { data, file } = readPreset(name, cwd);
  if (seen.includes(file)) throw new ConfigError(`preset cycle: ${[...seen, file].join(' -> ')}`, { hint: 'remove one `preset:` key' });
  const parent = typeof data.preset === 'string' ? loadPresetChain(data.preset, dirname(file), [...seen, file]) : [];
  const own = { ...data };
  delete own.preset;
  return [...parent, { source: `preset ${name} (${file})`, baseDir: dirname(file), data: own }];
}

const PATH_KEYS = ['seeds', 'out'] as const;

function resolvePaths(layer: ConfigLayer): Record<string, unknown> {
  const data: Record<string, unknown> = { ...layer.data };
  for (const key of PATH_KEYS) if (typeof data[key] === 'string') data[key] = resolve(layer.baseDir, data[key] as string);
  if (data.cache && typeof data.cache === 'object') {
    const cache = { ...(data.cache as Record<string, unknown>) };
    if (typeof cache.dir === 'string') cache.dir = resolve(layer.baseDir, cache.dir);
    data.cache = cache;
  }
  if (Array.isArray(data.templates)) data.templates = data.templates.map((d) => resolve(layer.baseDir, String(d)));
  if (data.plugins && typeof data.plugins === 'object') {
    const plugins: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(data.plugins as Record<string, unknown>)) {
      plugins[name.startsWith('.') ? resolve(layer.baseDir, name) : name] = value;
    }
    data.plugins = plugins;
  }
  return data;
}

function mergeLayer(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? mergeLayer(prev, value) : value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stripUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}
