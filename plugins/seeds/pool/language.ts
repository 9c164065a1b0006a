import { languageFromFence, type ChatMessage } from '../../../core/index.js';

// An opening fence: three or more backticks or tildes at the start of a line (CommonMark §4.5), then the info string.
const FENCE = /^ {0,3}(?:`{3,}|~{3,})([^`\n]*)$/gm;

/**
 * The language of a conversation: the first fenced code block, in turn order, whose info string
 * names a language we know (` ```py ` → `python`; untagged and ` ```text ` fences are passed over),
 * else `fallback`. Closing fences have an empty info string, so they are passed over too.
 */
export function conversationLanguage(messages: readonly ChatMessage[], fallback: string): string {
  for (const m of messages) {
    if (!m.content.includes('```') && !m.content.includes('~~~')) continue;
    for (const match of m.content.matchAll(FENCE)) {
      const language = languageFromFence(match[1] ?? '');
      if (language) return language;
    }
  }
  return fallback;
}
