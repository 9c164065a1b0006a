import type { ChatMessage } from '../../../core/index.js';
import type { PoolOptions } from './options.js';

/** The conversation layouts a pool row may have. */
export type PoolFormat = 'messages' | 'sharegpt' | 'alpaca';

/** A pool row as parsed: a JSON object (JSONL) or a Parquet row with its nulls left out. */
export type Row = Record<string, unknown>;

/**
 * What one row is: a conversation (with the fields it was read from, left out of `meta`), a skip
 * (a stable reason, counted in the funnel), or malformed (a stable reason and what is wrong).
 */
export type Converted =
  | { format: PoolFormat; messages: ChatMessage[]; used: string[] }
  | { skip: 'empty_conversation' | 'empty_turn' | 'no_user_turn' | 'too_large' }
  | { malformed: 'no_conversation' | 'bad_turn'; message: string };

/**
 * ShareGPT `from` values (and OpenAI `role` values) and the chat role each stands for. ShareGPT
 * dumps use `human`/`gpt`; some use `user`/`assistant`, `chatgpt`, `bing`, `bard` or Gemini's `model`.
 * Our choice of the set, from the ShareGPT-layout datasets we know.
 */
const ROLES: Record<string, ChatMessage['role']> = {
  system: 'system',
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  gpt: 'assistant',
  chatgpt: 'assistant',
  bing: 'assistant',
  bard: 'assistant',
  model: 'assistant',
};

/**
 * The format of `row` from its keys: the configured format, or under `auto` the first of OpenAI
 * `messages` (an array), ShareGPT `conversations` (an array), Alpaca (`instruction` and `output`
 * strings) the row has, with the column names of `options.fields`. Undefined when it has none.
 */
export function detectFormat(row: Row, options: Pick<PoolOptions, 'format' | 'fields'>): PoolFormat | undefined {
  const f = options.fields;
  const has: Record<PoolFormat, () => boolean> = {
    messages: () => Array.isArray(row[f.messages]),
    sharegpt: () => Array.isArray(row[f.conversations]),
    alpaca: () => typeof row[f.instruction] === 'string' && typeof row[f.output] === 'string',
  };
  if (options.format !== 'auto') return has[options.format]() ? options.format : undefined;
  return (['messages', 'sharegpt', 'alpaca'] as const).find((k) => has[k]());
}

/** The column(s) a format reads, for log lines and error messages. */
export function formatFields(format: PoolFormat, fields: PoolOptions['fields']): string[] {
  if (format === 'messages') return [fields.messages];
  if (format === 'sharegpt') return [fields.conversations];
  return [fields.instruction, fields.input, fields.output];
}

/**
 * Turn a pool row into a chat conversation (OpenAI roles), see {@link detectFormat} for the formats.
 * Alpaca's user turn is `instruction + "\n\n" + input` (just `instruction` when `input` is blank), the
 * layout of the Alpaca prompt (Taori et al., 2023, "Stanford Alpaca"), and `output` the assistant turn.
 * A string in the `fields.system` column becomes the first turn when the conversation has no system
 * turn; `system: drop` removes every system turn instead.
 *
 * Malformed (the row cannot be read as meant): no conversation in the expected format
 * (`no_conversation`); a turn that is not an object, has an unknown role, or whose content is not a
 * string (`bad_turn`). Skipped (a real but unusable conversation): no turns (`empty_conversation`), a
 * turn with blank content (`empty_turn`), no user turn (`no_user_turn`), more than `maxRowBytes` UTF-8
 * bytes of turns (`too_large`).
 */
export function toConversation(row: Row, options: PoolOptions): Converted {
  const format = detectFormat(row, options);
  if (format === undefined) return { malformed: 'no_conversation', message: noConversation(row, options) };
  const f = options.fields;

  let messages: ChatMessage[];
  const used = formatFields(format, f);
  if (format === 'alpaca') {
    const instruction = row[f.instruction] as string;
    const input = row[f.input];
    if (input !== undefined && input !== null && typeof input !== 'string') {
      return { malformed: 'bad_turn', message: `field "${f.input}" is ${describeType(input)}, expected a string` };
    }
    const user = typeof input === 'string' && input.trim() !== '' ? `${instruction}\n\n${input}` : instruction;
    messages = [
      { role: 'user', content: user },
      { role: 'assistant', content: row[f.output] as string },
    ];
  } else {
    const turns = row[format === 'messages' ? f.messages : f.conversations] as unknown[];
    const read = readTurns(turns, format === 'messages' ? f.messages : f.conversations);
    if ('malformed' in read) return read;
    messages = read.messages;
  }

  const system = row[f.system];
  if (typeof system === 'string') {
    used.push(f.system);
    if (system.trim() !== '' && !messages.some((m) => m.role === 'system')) messages.unshift({ role: 'system', content: system });
  }
  if (options.system === 'drop') messages = messages.filter((m) => m.role !== 'system');

  if (messages.length === 0) return { skip: 'empty_conversation' };
  if (messages.some((m) => m.content.trim() === '')) return { skip: 'empty_turn' };
  if (!messages.some((m) => m.role === 'user')) return { skip: 'no_user_turn' };
  let bytes = 0;
  for (const m of messages) bytes += Buffer.byteLength(m.content, 'utf8');
  if (bytes > options.maxRowBytes) return { skip: 'too_large' };
  return { format, messages, used };
}

// Both turn layouts are read in both list formats: datasets mix them up ({from, value} under `messages`).
function readTurns(turns: unknown[], field: string): { messages: ChatMessage[] } | { malformed: 'bad_turn'; message: string } {
  const messages: ChatMessage[] = [];
  for (const [i, t] of turns.entries()) {
    const where = `${field}[${i}]`;
    if (t === null || typeof t !== 'object' || Array.isArray(t)) {
      return { malformed: 'bad_turn', message: `${where} is ${describeType(t)}, expected an object {role, content} or {from, value}` };
    }
    const turn = t as Row;
    const who = turn.role ?? turn.from;
    const role = typeof who === 'string' ? ROLES[who.toLowerCase()] : undefined;
    if (!role) {
      return {
        malformed: 'bad_turn',
        message: `${where} has role ${JSON.stringify(who ?? null)}; expected one of ${Object.keys(ROLES).join(', ')} (in "role" or "from")`,
      };
    }
    const content = turn.content ?? turn.value;
    if (typeof content !== 'string') {
      return { malformed: 'bad_turn', message: `${where} content is ${describeType(content)}, expected a string (in "content" or "value")` };
    }
    messages.push({ role, content });
  }
  return { messages };
}

function noConversation(row: Row, options: PoolOptions): string {
  const f = options.fields;
  const expected: Record<PoolFormat, string> = {
    messages: `"${f.messages}" (OpenAI: an array of {role, content})`,
    sharegpt: `"${f.conversations}" (ShareGPT: an array of {from, value})`,
    alpaca: `"${f.instruction}" and "${f.output}" strings (Alpaca)`,
  };
  const wanted = options.format === 'auto' ? Object.values(expected).join(', or ') : expected[options.format];
  return `no conversation: expected ${wanted}; the row has ${listFields(row)}`;
}

export function describeType(v: unknown): string {
  if (v === null || v === undefined) return 'missing';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

export function listFields(row: Row): string {
  const keys = Object.keys(row);
  if (keys.length === 0) return 'no fields';
  const shown = keys
    .slice(0, 20)
    .map((k) => `${k} (${describeType(row[k]).replace(/^an? /, '')})`)
    .join(', ');
  return `fields: ${shown}${keys.length > 20 ? `, ... (${keys.length} in all)` : ''}`;
}
