import type { Seed } from '../../core/index.js';
import { recordTexts } from '../filters/text.js';

/**
 * The texts of a pool row the selectors look at: `instruction` = its user turns, `response` = its
 * assistant turns, each joined by a blank line (as the filters join a record's turns). A seed without
 * a conversation (code cut from a file) is all instruction: its `code`.
 */
export function seedTexts(seed: Pick<Seed, 'code' | 'messages'>): { instruction: string; response: string } {
  if (!seed.messages?.length) return { instruction: seed.code, response: '' };
  return recordTexts({ messages: seed.messages });
}

/** `pool.jsonl:12` (the row's file and 1-based line), or the path alone when the seed has no line. */
export function seedWhere(seed: Pick<Seed, 'source'>): string {
  return seed.source.line === undefined ? seed.source.path : `${seed.source.path}:${seed.source.line}`;
}
