import { isKnownLanguage, z } from '../../../core/index.js';

const fieldName = z.string().min(1, 'a field name cannot be empty');

/** `text` is no language: no analyzer applies to a seed of that language. */
const poolLanguage = z.string().refine((id) => id === 'text' || isKnownLanguage(id), {
  message: 'unknown language id; use text or an id from core/languages.ts (python, javascript, typescript, java, c, cpp, go, rust, sql, shell, ...)',
});

/**
 * Options of `seed:pool`. Defaults are our choice unless noted.
 *
 * - `format`: `auto` (default) detects each row's format from its keys, in this order: OpenAI
 *   `messages` (an array of `{role, content}`), ShareGPT `conversations` (an array of `{from, value}`),
 *   Alpaca (`instruction` and `output` strings, optional `input`). `messages`, `sharegpt` or `alpaca`
 *   read every row in that one format (a row without it is malformed).
 * - `fields`: the column names of each format, for pools that rename them (default the standard names
 *   `messages`, `conversations`, `instruction`, `input`, `output`, `system`). `fields.system` is an
 *   optional column holding the system prompt (LLaMA-Factory's ShareGPT and Alpaca layouts); it becomes
 *   the first turn when the conversation has no system turn of its own.
 * - `system`: `keep` (default) keeps system turns in `seed.messages`; `drop` removes them (and ignores
 *   the system column), for pools whose boilerplate system prompts should not reach the prompts.
 * - `language`: the seed language when no fenced code block in the conversation names one. Default
 *   `text` (no analyzer applies).
 * - `onMalformed`: `error` (default) fails before any seed is yielded, at the first bad row of any file
 *   (a pre-scan reads the whole pool once: for Parquet only the conversation columns), naming the
 *   file and line (JSONL line, or Parquet row number, 1-based); `skip` records bad rows in the funnel
 *   and goes on. The same policy as seed:jsonl.
 * - `maxRowBytes`: a longer JSONL line (bytes as stored, after gunzip) or a conversation whose turns
 *   add up to more UTF-8 bytes is skipped as `too_large`, never parsed whole. Default 1 MiB, the
 *   same as seed:jsonl `maxLineBytes`.
 */
export const poolOptions = z
  .object({
    format: z.enum(['auto', 'messages', 'sharegpt', 'alpaca']).default('auto'),
    fields: z
      .object({
        messages: fieldName.default('messages'),
        conversations: fieldName.default('conversations'),
        instruction: fieldName.default('instruction'),
        input: fieldName.default('input'),
        output: fieldName.default('output'),
        system: fieldName.default('system'),
      })
      .strict()
      .default({ messages: 'messages', conversations: 'conversations', instruction: 'instruction', input: 'input', output: 'output', system: 'system' }),
    system: z.enum(['keep', 'drop']).default('keep'),
    language: poolLanguage.default('text'),
    onMalformed: z.enum(['error', 'skip']).default('error'),
    maxRowBytes: z.number().int().positive().default(1024 * 1024),
  })
  .strict();

export type PoolOptions = z.output<typeof poolOptions>;
