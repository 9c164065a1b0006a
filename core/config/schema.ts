import { z } from 'zod';
import { llmSettingsSchema } from '../llm/settings.js';

/**
 * The configuration schema. One shape for presets (presets/*.yaml), user config files
 * (`instructsmith.config.*`, `.instructsmithrc*`, package.json `instructsmith` key) and CLI flags,
 * merged in that order (later wins). Every object is strict: an unknown key is an error that names
 * the key path and the closest valid key.
 */

const modelId = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*:.+$/, 'expected "provider:model", e.g. "ollama:qwen2.5-coder:7b" or "openai:gpt-4o"');

/**
 * The `llm` section: the LLM middleware's own settings schema (core/llm/settings.ts), less
 * `cacheDir`, which is configured under `cache`. One schema, so config and middleware agree on bounds.
 */
export const llmConfigSchema = llmSettingsSchema.omit({ cacheDir: true }).partial();

export const configSchema = z
  .object({
    /** Preset to start from (a name in presets/ or a path to a YAML file). */
    preset: z.string().optional(),
    name: z.string().optional(),
    description: z.string().optional(),
    /** The paper a preset reproduces, e.g. "Infinite-Instruct (arXiv 2505.23177)". */
    paper: z.string().optional(),
    /** Default model for every plugin that does not name its own: "provider:model". */
    model: modelId.optional(),
    /** Base URL of the default model's endpoint (vLLM, SGLang, llama.cpp, LM Studio, Ollama host). */
    baseUrl: z.string().url().optional(),
    /** Seeds: a directory of code or a JSONL file. */
    seeds: z.string().optional(),
    /** Run directory. */
    out: z.string().optional(),
    /** Process at most this many seeds per pass. */
    limit: z.number().int().positive().optional(),
    /**
     * Kept samples the run aims for (`--target`): strategies that grow a population (strategy:genetic)
     * size their generations to it and stop there, and no further derived pass starts once reached.
     */
    target: z.number().int().positive().optional(),
    /** Seeds processed concurrently (each may make several LLM calls). */
    concurrency: z.number().int().positive().default(8),
    /**
     * Most seeds in flight while the LLM limiter has idle slots (seeds spend time off the LLM, so
     * keeping every call slot busy takes more seeds than slots); default 4 x llm.concurrency, never
     * below `concurrency`. Set it to `concurrency` for a fixed window.
     */
    maxConcurrency: z.number().int().positive().optional(),
    llm: llmConfigSchema.default({}),
    cache: z
      .object({
        /** Request cache directory; default `<out>/cache`. */
        dir: z.string().optional(),
        enabled: z.boolean().default(true),
      })
      .strict()
      .default({ enabled: true }),
    /** Extra template directories searched before the built-in templates/. */
    templates: z.array(z.string()).default([]),
    /** Options of the static-verification gate (see core/verify). */
    verify: z.record(z.string(), z.unknown()).default({}),
    /**
     * Plugins to apply, in order: built-in name (`judge:quality`) or module specifier (`./my-plugin.js`)
     * → options (`{}` for defaults, `false` to disable one a preset enables).
     */
    plugins: z.record(z.string(), z.union([z.record(z.string(), z.unknown()), z.literal(false), z.null()])).default({}),
  })
  .strict();

/** A config as written (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** A config after merging and defaults. */
export type ResolvedConfig = z.output<typeof configSchema>;
