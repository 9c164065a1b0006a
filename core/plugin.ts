import type { z } from 'zod';
import type { Hooks } from './hooks.js';
import type { LlmClient } from './llm/types.js';
import type { ChatMessage } from './record.js';

/**
 * The plugin contract. A plugin is a name, an options schema and an `apply` that taps hooks,
 * the way webpack plugins tap a compiler. Built-in plugins use nothing but this file's exports and
 * the rest of `instructsmith`'s public API (core/index.ts), exactly as a third-party plugin would.
 *
 * ```ts
 * import { definePlugin, z } from 'instructsmith';
 * export default definePlugin({
 *   name: 'judge:length',
 *   description: 'Drops responses longer than maxChars.',
 *   options: z.object({ maxChars: z.number().int().positive().default(4000) }).strict(),
 *   apply(api, options) {
 *     api.hooks.judge.tapPromise('judge:length', async (record) => { ... });
 *   },
 * });
 * ```
 */
export interface Plugin<S extends z.ZodType = z.ZodType> {
  /** Namespaced `kind:name` (`strategy:reverse`, `analyzer:python`, `exporter:axolotl`). */
  readonly name: string;
  /** One line, shown by `instructsmith presets` and in errors. */
  readonly description: string;
  /** zod schema of the options; unknown keys should be rejected (`.strict()`). Defaults live here. */
  readonly options: S;
  /** Tap hooks. Called once per run, after options are validated. */
  apply(api: PluginApi, options: z.output<S>): void | Promise<void>;
}

/** Everything a plugin may use. */
export interface PluginApi {
  readonly hooks: Hooks;
  /**
   * An LLM client for a `provider:model` id (`ollama:qwen2.5-coder:7b`), with core's middleware
   * (cache, retry, concurrency, usage). Without an id: the run's default model (`--model`).
   * Throws ConfigError when no model is given anywhere or the provider is unknown.
   */
  llm(modelId?: string): LlmClient;
  /** Prompt templates (templates/ and any user template directories). */
  readonly templates: TemplateRenderer;
  readonly log: Logger;
  /** The run this plugin is applied to. */
  readonly run: RunInfo;
}

export interface RunInfo {
  /** Absolute run directory (`--out`). Plugins may write files under `${dir}/<plugin-kind>/`. */
  readonly dir: string;
  readonly dryRun: boolean;
  /** The resolved configuration (what run.json records); read-only. */
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * Renders prompt templates (Jinja, via @huggingface/jinja). Names are paths relative to a template
 * root, e.g. `strategy-reverse/user.jinja`. Template text is part of every rendered prompt and so of
 * the LLM cache key: editing a template invalidates exactly the calls that use it.
 */
export interface TemplateRenderer {
  /** Render one template. Throws ConfigError naming the template and the roots searched when missing. */
  render(name: string, vars: Record<string, unknown>): string;
  /**
   * Render a chat prompt from a directory holding `system.jinja` (optional) and `user.jinja`.
   * Returns `[system?, user]` messages with trimmed content.
   */
  chat(dir: string, vars: Record<string, unknown>): ChatMessage[];
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

const NAME = /^[a-z][a-z0-9-]*:[a-z0-9][a-z0-9-_.]*$/;

/**
 * Declare a plugin. Returns it unchanged after checking the name is `kind:name` in lower case.
 * @throws Error when the name is not namespaced.
 */
export function definePlugin<S extends z.ZodType>(plugin: Plugin<S>): Plugin<S> {
  if (!NAME.test(plugin.name)) {
    throw new Error(`plugin name "${plugin.name}" must be "kind:name" in lower case, e.g. "judge:quality"`);
  }
  return plugin;
}
