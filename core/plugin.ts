import type { z } from 'zod';
import type { PluginHooks } from './context-hooks.js';
import type { ExecutionRequest, ExecutionResult } from './exec/types.js';
import type { ChatTokenizer } from './export/chat-tokenizer.js';
import type { CallMeta, ChatRequest, Completion, OutputSchema, PromptLogprobsCompletion, StructuredCompletion } from './llm/types.js';
import type { ChatMessage, JudgeVerdict, SampleRecord } from './record.js';

/**
 * Version of the plugin contract below. `definePlugin` stamps it on every plugin; the runner refuses
 * a plugin stamped with another version, naming the plugin and both versions.
 * v1: `apply(ctx, options)` with a {@link PluginContext}.
 */
export const PLUGIN_API_VERSION = 1;

/**
 * The plugin contract. A plugin is a name, an options schema and an `apply` that taps hooks through
 * its context, the way webpack plugins tap a compiler. Built-in plugins use nothing but
 * `instructsmith`'s public entry (core/index.ts), exactly as a third-party plugin does.
 *
 * ```ts
 * import { definePlugin, z } from 'instructsmith';
 * export default definePlugin({
 *   name: 'judge:length',
 *   description: 'Drops responses longer than maxChars.',
 *   options: z.object({ maxChars: z.number().int().positive().default(4000) }).strict(),
 *   apply(ctx, options) {
 *     ctx.hooks.judge.for('response').tapPromise(async (record) => {
 *       const n = record.messages.at(-1)!.content.length;
 *       if (n > options.maxChars) ctx.drop(record, `response has ${n} chars`, 'too_long');
 *     });
 *   },
 * });
 * ```
 */
export interface Plugin<S extends z.ZodType = z.ZodType> {
  /** Namespaced `kind:name` (`strategy:reverse`, `analyzer:python`, `exporter:messages`). */
  readonly name: string;
  /** One line, shown by `instructsmith presets` and in errors. */
  readonly description: string;
  /** zod schema of the options; unknown keys should be rejected (`.strict()`). Defaults live here. */
  readonly options: S;
  /** Tap hooks. Called once per run, after options are validated. */
  apply(ctx: PluginContext, options: z.output<S>): void | Promise<void>;
  /** CLI subcommands this plugin contributes (e.g. backfeeding's `instructsmith graph`). */
  readonly commands?: readonly PluginCommand[];
  /** Stamped by {@link definePlugin}: the contract version the plugin was written against. */
  readonly apiVersion?: number;
}

/**
 * Everything a plugin may use, bound to that plugin: taps carry its name, LLM calls are accounted to
 * it, drops name it and the stage the record was in.
 */
export interface PluginContext {
  /** The plugin's own name (`judge:quality`). */
  readonly name: string;
  /**
   * The runner's hooks, tapping under this plugin's name: `ctx.hooks.judge.for('response').tapPromise(fn)`.
   * Any error thrown from a tap is reported as a PluginError naming plugin, hook and record id.
   */
  readonly hooks: PluginHooks;
  /**
   * An LLM client for a `provider:model` id (`ollama:qwen2.5-coder:7b`), with core's middleware
   * (cache, retry, concurrency, usage); calls are accounted to this plugin. Without an id: the
   * run's default model (`--model`).
   * @throws ConfigError when no model is given anywhere or the provider is unknown.
   */
  llm(modelId?: string): PluginLlmClient;
  /**
   * Reject a record: it goes to `rejected.jsonl` with `dropped: {stage, plugin, reason, category}`,
   * where stage is the one the record was being taken to and plugin is this plugin. The only way to
   * reject; later taps of the same stage are skipped for it. `category` is the short stable key the
   * funnel counts by (`below_threshold`, `too_long`); default `other`. Returns the record.
   */
  drop(record: SampleRecord, reason: string, category?: string): SampleRecord;
  /**
   * Record a judge's verdict on `record.scores`, and drop the record (category `below_threshold`,
   * reason `score S < T (dimension values)`) when `verdict.passed` is false. Returns `verdict.passed`.
   */
  verdict(record: SampleRecord, verdict: JudgeVerdict): boolean;
  /**
   * Run code with the executor for its language (`hooks.execute`), e.g. the sandbox.
   * @throws ConfigError (`EXECUTOR_MISSING`) listing the languages that have an executor.
   */
  execute(request: ExecutionRequest): Promise<ExecutionResult>;
  /** Languages that have an executor tapped (`hooks.execute`), sorted; call at run start or later, when every plugin is applied. */
  executableLanguages(): string[];
  /**
   * The chat tokenizer for a spec (`qwen2.5`, a folder, or undefined for the default), as the
   * `tokenizer` hook resolves it for the export (`ExportContext.tokenizer`); call at run start or
   * later, when every plugin is applied.
   * @throws ConfigError (`CONFIG_NO_TOKENIZER`) when no tokenizer plugin knows the spec
   */
  tokenizer(spec?: string): ChatTokenizer;
  /** Prompt templates (templates/ and any user template directories). */
  readonly templates: TemplateRenderer;
  /** Lines prefixed with the plugin's name; printed above any progress display. */
  readonly log: Logger;
  /** The run this plugin is applied to. */
  readonly run: RunInfo;
  /**
   * Figures for run.json's `reports["<plugin name>"]`, merged into what this plugin reported
   * before (plain JSON; the last value of a key wins), e.g. Genetic-Instruct's table per
   * generation and colony. Written with every run.json update (and by `instructsmith select` to
   * selection.json).
   */
  report(values: Record<string, unknown>): void;
}

/** {@link LlmClient} with the caller filled in: `meta.plugin` defaults to the plugin's name. */
export interface PluginLlmClient {
  /** `provider:model`. */
  readonly modelId: string;
  /** A plain chat completion. @throws LlmError (fatal kinds stop the run). */
  complete(request: ChatRequest, meta?: Partial<CallMeta>): Promise<Completion>;
  /**
   * A structured call validated against `output` (see `structuredOutput`): the provider's
   * structured-output mode with its JSON Schema, the reply parsed and validated, invalid replies
   * retried, then `LlmError('invalid_output')`.
   */
  structured<T>(request: Omit<ChatRequest, 'schema'>, output: { schema: OutputSchema; validate: (value: unknown) => T }, meta?: Partial<CallMeta>): Promise<StructuredCompletion<T>>;
  /**
   * The model's log-probability of each token of `text` (teacher forcing, no chat template applied),
   * with core's middleware (cache, retry, limiter, usage). Present only when the model's provider
   * implements it (`provider:openai`: a `/completions` call with `echo` and `logprobs`); test with
   * `if (client.promptLogprobs)`. @throws LlmError('unsupported') when the endpoint refuses it.
   */
  promptLogprobs?(text: string, meta?: Partial<CallMeta>): Promise<PromptLogprobsCompletion>;
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

/**
 * A CLI subcommand contributed by a plugin (`instructsmith <name> ...`). The CLI registers it with
 * its own argument parser; core stays free of one.
 */
export interface PluginCommand {
  /** Subcommand name, e.g. `graph`. Must not clash with a built-in command. */
  readonly name: string;
  readonly description: string;
  /** Positional arguments, commander syntax: `<run-dir>` required, `[file]` optional. */
  readonly arguments?: readonly { readonly name: string; readonly description: string }[];
  /** Options, commander syntax: `{ flags: '--top <n>', description, default }`. */
  readonly options?: readonly { readonly flags: string; readonly description: string; readonly default?: string | boolean | number }[];
  /** Examples printed after the help. */
  readonly examples?: readonly string[];
  /**
   * Run the command. `args` are the positional values in order, `options` the parsed flags (camelCase).
   * Returns the exit code (default 0). Throw an InstructsmithError for a user error.
   */
  run(args: readonly string[], options: Readonly<Record<string, unknown>>, io: CommandIo): Promise<number | void> | number | void;
}

export interface CommandIo {
  /** Standard output (results). */
  out(text: string): void;
  readonly log: Logger;
}

const NAME = /^[a-z][a-z0-9-]*:[a-z0-9][a-z0-9-_.]*$/;

/**
 * Declare a plugin: checks the name is `kind:name` in lower case and stamps {@link PLUGIN_API_VERSION}.
 * @returns the plugin, frozen.
 * @throws Error when the name is not namespaced.
 */
export function definePlugin<S extends z.ZodType>(plugin: Plugin<S>): Plugin<S> {
  if (!NAME.test(plugin.name)) {
    throw new Error(`plugin name "${plugin.name}" must be "kind:name" in lower case, e.g. "judge:quality"`);
  }
  return Object.freeze({ ...plugin, apiVersion: plugin.apiVersion ?? PLUGIN_API_VERSION });
}
