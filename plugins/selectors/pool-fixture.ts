import { contentId, type ChatMessage, type Seed } from '../../core/index.js';

/** A pool row as `seed:pool` makes it (tests of the selectors): `pool.jsonl` line `line`, messages format. */
export function poolSeed(line: number, instruction: string, response?: string, meta: Record<string, unknown> = {}, path = 'pool.jsonl'): Seed {
  const messages: ChatMessage[] = [{ role: 'user', content: instruction }];
  if (response !== undefined) messages.push({ role: 'assistant', content: response });
  return { id: contentId(messages), language: 'text', code: instruction, source: { path, line }, kind: 'record', meta: { format: 'messages', ...meta }, messages };
}
