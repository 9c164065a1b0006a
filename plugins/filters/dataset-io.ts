import { createReadStream, mkdirSync, writeFileSync, createWriteStream, type WriteStream } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { contentId, InputError, type ChatMessage } from '../../core/index.js';

/** One sample of a dataset file, as the filter commands see it. */
export interface DatasetRow {
  /** 1-based line number. */
  line: number;
  /** The parsed line, written back unchanged. */
  value: Record<string, unknown>;
  id: string;
  language: string;
  messages: ChatMessage[];
}

/**
 * Stream a JSONL (or .jsonl.gz) dataset of samples: run records and `messages` exports
 * (`messages: [{role, content}]`), ShareGPT (`conversations: [{from, value}]`) or Alpaca
 * (`instruction`, `input`, `output`). The id is the record's `id` when it is 16 hex characters, else
 * the content address of the messages.
 * @throws InputError naming the file and line of a line that is not JSON or has none of these shapes
 */
export async function* readDataset(file: string): AsyncGenerator<DatasetRow> {
  const input = createReadStream(file);
  const lines = createInterface({ input: file.endsWith('.gz') ? input.pipe(createGunzip()) : input, crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n += 1;
    if (!text.trim()) continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new InputError(file, n, `not valid JSON: ${(err as Error).message}`, { hint: 'each line must be one JSON object' });
    }
    const messages = messagesOf(value);
    if (!messages) {
      throw new InputError(file, n, 'no sample found: expected "messages" [{role, content}], "conversations" [{from, value}] or "instruction" + "output"', {
        hint: 'pass samples.jsonl of a run, or an export in the messages, sharegpt or alpaca format',
      });
    }
    const language = typeof value.language === 'string' ? value.language : 'text';
    const id = typeof value.id === 'string' && /^[0-9a-f]{16}$/.test(value.id) ? value.id : contentId({ language, messages });
    yield { line: n, value, id, language, messages };
  }
}

function messagesOf(v: Record<string, unknown>): ChatMessage[] | undefined {
  if (Array.isArray(v.messages)) return v.messages.map((m: { role?: string; content?: unknown }) => ({ role: (m.role ?? 'user') as ChatMessage['role'], content: String(m.content ?? '') }));
  if (Array.isArray(v.conversations)) {
    return v.conversations.map((m: { from?: string; value?: unknown }) => ({ role: m.from === 'gpt' || m.from === 'assistant' ? 'assistant' : m.from === 'system' ? 'system' : 'user', content: String(m.value ?? '') }));
  }
  if (typeof v.instruction === 'string' && typeof v.output === 'string') {
    const user = typeof v.input === 'string' && v.input ? `${v.instruction}\n\n${v.input}` : v.instruction;
    return [
      { role: 'user', content: user },
      { role: 'assistant', content: v.output },
    ];
  }
  return undefined;
}

/** Where a filter command writes: `--out DIR`, default `<file without .jsonl[.gz]>.<command>/` beside the input. */
export function outputDir(file: string, command: string, out: unknown): string {
  if (typeof out === 'string') return resolve(out);
  return join(dirname(resolve(file)), `${basename(file).replace(/\.jsonl(\.gz)?$/, '')}.${command}`);
}

/** kept.jsonl, removed.jsonl and summary.json in `dir`. */
export class FilterOutput {
  private readonly kept: WriteStream;
  private readonly removed: WriteStream;
  readonly counts = { read: 0, kept: 0, removed: 0, byCategory: {} as Record<string, number> };

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.kept = createWriteStream(join(dir, 'kept.jsonl'));
    this.removed = createWriteStream(join(dir, 'removed.jsonl'));
  }

  keep(row: DatasetRow): void {
    this.counts.read += 1;
    this.counts.kept += 1;
    this.kept.write(`${JSON.stringify(row.value)}\n`);
  }

  /** Write the row to removed.jsonl with `removed: {category, reason, ...details}`. */
  remove(row: DatasetRow, category: string, reason: string, details: Record<string, unknown>): void {
    this.counts.read += 1;
    this.counts.removed += 1;
    this.counts.byCategory[category] = (this.counts.byCategory[category] ?? 0) + 1;
    this.removed.write(`${JSON.stringify({ ...row.value, removed: { line: row.line, category, reason, ...details } })}\n`);
  }

  /** Close the files and write summary.json; returns the summary. */
  async close(extra: Record<string, unknown>): Promise<Record<string, unknown>> {
    await Promise.all([this.kept, this.removed].map((s) => new Promise((r) => s.end(r))));
    const summary = { ...extra, ...this.counts, files: { kept: join(this.dir, 'kept.jsonl'), removed: join(this.dir, 'removed.jsonl') } };
    writeFileSync(join(this.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  }
}

/** Summary lines for the terminal. */
export function formatSummary(command: string, s: { read: number; kept: number; removed: number; byCategory: Record<string, number> }, dir: string): string {
  const cats = Object.entries(s.byCategory).map(([k, v]) => `${k} ${v}`).join(', ');
  return `${command}: ${s.read} samples read, ${s.kept} kept, ${s.removed} removed${cats ? ` (${cats})` : ''}\n  ${join(dir, 'kept.jsonl')}\n  ${join(dir, 'removed.jsonl')}\n  ${join(dir, 'summary.json')}\n`;
}
