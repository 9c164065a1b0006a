import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.js';
import type { ChatMessage } from '../record.js';

/**
 * Reading existing instruction datasets for `instructsmith verify`: JSON Lines in OpenAI messages,
 * ShareGPT or Alpaca form, streamed line by line (a `.gz` file is decompressed on the fly).
 */

export type DatasetFormat = 'messages' | 'sharegpt' | 'alpaca';

/** One dataset line turned into chat messages. `raw` is the parsed line, written back unchanged. */
export interface DatasetRow {
  /** 1-based line number in the file. */
  line: number;
  format: DatasetFormat;
  messages: ChatMessage[];
  /** The line's own `language` / `lang` field, when it has one. */
  language?: string;
  raw: Record<string, unknown>;
}

// ShareGPT speaker names seen in the wild (FastChat, Vicuna, OpenHermes, ...).
const SHAREGPT_ROLES: Record<string, ChatMessage['role']> = {
  system: 'system',
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  chatgpt: 'assistant',
  bard: 'assistant',
  bing: 'assistant',
  model: 'assistant',
};

/**
 * Turn one parsed line into messages, recognising the form by its keys: `messages` (OpenAI:
 * `{role, content}`), `conversations` (ShareGPT: `{from, value}`), or `instruction` + `output`
 * (Alpaca; `input`, when non-empty, is appended to the instruction after a blank line).
 * @throws InputError naming `file:line`, what was found and what is expected.
 */
export function rowFromJson(value: unknown, file: string, line: number): DatasetRow {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(file, line, `expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`, { hint: FORMS });
  }
  const raw = value as Record<string, unknown>;
  const language = typeof raw.language === 'string' ? raw.language : typeof raw.lang === 'string' ? raw.lang : undefined;
  const lang = language ? { language: language.toLowerCase() } : {};
  if (Array.isArray(raw.messages)) {
    const messages = raw.messages.map((m, i) => {
      const msg = m as { role?: unknown; content?: unknown };
      if (!msg || typeof msg !== 'object' || !['system', 'user', 'assistant'].includes(String(msg.role)) || typeof msg.content !== 'string') {
        throw new InputError(file, line, `messages[${i}] must be {"role": "system"|"user"|"assistant", "content": string}`, { hint: FORMS });
      }
      return { role: msg.role as ChatMessage['role'], content: msg.content };
    });
    return { line, format: 'messages', messages, raw, ...lang };
  }
  if (Array.isArray(raw.conversations)) {
    const messages = raw.conversations.map((m, i) => {
      const turn = m as { from?: unknown; value?: unknown };
      const role = SHAREGPT_ROLES[String(turn?.from).toLowerCase()];
      if (!role || typeof turn.value !== 'string') {
        throw new InputError(file, line, `conversations[${i}] must be {"from": ${Object.keys(SHAREGPT_ROLES).map((r) => `"${r}"`).join('|')}, "value": string}`, { hint: FORMS });
      }
      return { role, content: turn.value };
    });
    return { line, format: 'sharegpt', messages, raw, ...lang };
  }
  if (typeof raw.instruction === 'string' && typeof raw.output === 'string') {
    const input = typeof raw.input === 'string' && raw.input.trim() ? `\n\n${raw.input}` : '';
    const messages: ChatMessage[] = [
      ...(typeof raw.system === 'string' && raw.system ? [{ role: 'system' as const, content: raw.system }] : []),
      { role: 'user', content: `${raw.instruction}${input}` },
      { role: 'assistant', content: raw.output },
    ];
    return { line, format: 'alpaca', messages, raw, ...lang };
  }
  throw new InputError(file, line, `unrecognised record with keys ${Object.keys(raw).slice(0, 8).join(', ') || '(none)'}`, { hint: FORMS });
}

const FORMS =
  'each line must be one JSON object in OpenAI form {"messages": [{"role", "content"}]}, ShareGPT form {"conversations": [{"from", "value"}]} or Alpaca form {"instruction", "input", "output"}';

/**
 * Stream the rows of a JSONL dataset (`.jsonl` or `.jsonl.gz`). Blank lines are skipped.
 * @throws InputError for a line that is not JSON or not one of the three forms (names file:line).
 */
export async function* readDataset(file: string): AsyncGenerator<DatasetRow> {
  const stream = createReadStream(file);
  const source = file.endsWith('.gz') ? stream.pipe(createGunzip()) : stream;
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const text of lines) {
      n++;
      if (!text.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new InputError(file, n, `not valid JSON (${(err as Error).message})`, { hint: FORMS });
      }
      yield rowFromJson(value, file, n);
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}
