/**
 * The export pretokenizer's helper process (core/export/pretokenize.ts), speaking the tool-server
 * protocol (core/verify/tool-server.ts): a request `{id, spillDir, tokenizer: TokenizerRecipe,
 * samples: [{key, messages}]}` (weighted messages) appends one JSON line per sample (a `SpillLine`)
 * to this process's spill file in `spillDir`, and answers `stdout` = `{file, spans: [[offset,
 * length], ...]}`: the file's name and each sample's byte span in it, in the samples' order. The
 * tokenizer loads once per recipe. Exits when stdin closes (serve-lines.ts).
 */
import { appendFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage } from '../record.js';
import { ambiguity } from './ambiguity.js';
import type { ChatTokenizer, TokenizerRecipe } from './chat-tokenizer.js';
import { tokenizeConversation } from './mask.js';
import type { SpillLine } from './pretokenize.js';
import { SampleExportError } from './sample-error.js';
import { serveLines } from '../verify/serve-lines.js';

const tokenizers = new Map<string, Promise<ChatTokenizer>>();

async function tokenizerOf(recipe: TokenizerRecipe): Promise<ChatTokenizer> {
  const key = JSON.stringify(recipe);
  let tok = tokenizers.get(key);
  if (!tok) {
    tok = import(recipe.module).then((m: Record<string, (spec: string) => ChatTokenizer | Promise<ChatTokenizer>>) => {
      const load = m[recipe.export];
      if (typeof load !== 'function') throw new Error(`${recipe.module} exports no function ${recipe.export}`);
      return load(recipe.spec);
    });
    tokenizers.set(key, tok);
  }
  return tok;
}

/** One line of the spill file: the result with the mask as trained spans (labels are the input ids there, -100 elsewhere). */
function resultOf(tok: ChatTokenizer, messages: ChatMessage[]): SpillLine {
  const out: SpillLine = {};
  const amb = ambiguity(messages, tok);
  if (amb) out.ambiguity = amb;
  try {
    const t = tokenizeConversation(tok, messages);
    out.input_ids = t.input_ids;
    out.trained = trainedSpans(t.assistant_masks);
  } catch (err) {
    if (!(err instanceof SampleExportError)) throw err;
    out.error = { reason: err.reason, message: err.message };
  }
  return out;
}

/** `[start, end)` runs of 1 in a 0/1 mask. */
function trainedSpans(mask: readonly number[]): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 1) continue;
    const start = i;
    while (i < mask.length && mask[i] === 1) i++;
    spans.push([start, i]);
  }
  return spans;
}

async function handle(request: { spillDir: string; tokenizer: TokenizerRecipe; samples: Array<{ key: string; messages: ChatMessage[] }> }): Promise<string> {
  const tok = await tokenizerOf(request.tokenizer);
  // One spill file per helper process, so helpers running side by side never append to the same file.
  const file = `results-${process.pid}.jsonl`;
  const spill = join(request.spillDir, file);
  let offset = existsSync(spill) ? statSync(spill).size : 0;
  const spans: Array<[number, number]> = [];
  const lines: string[] = [];
  for (const sample of request.samples) {
    const line = `${JSON.stringify(resultOf(tok, sample.messages))}\n`;
    const length = Buffer.byteLength(line) - 1;
    spans.push([offset, length]);
    offset += length + 1;
    lines.push(line);
  }
  appendFileSync(spill, lines.join(''));
  return JSON.stringify({ file, spans });
}

serveLines(async (request) => ({ exitCode: 0, stdout: await handle(request as unknown as Parameters<typeof handle>[0]) }));
