import type { ChatMessage } from '../record.js';
import type { ChatTokenizer } from './chat-tokenizer.js';

/** A reason to drop a sample under `dropAmbiguous` (see exportSettingsSchema), and the sentence saying why. */
export interface Ambiguity {
  reason: 'control_token_text' | 'leading_newline' | 'empty_turn';
  message: string;
}

/** Why trainers would tokenize this conversation differently from one another (see `dropAmbiguous`), if they would. */
export function ambiguity(messages: readonly ChatMessage[], tok: ChatTokenizer): Ambiguity | undefined {
  for (const [i, m] of messages.entries()) {
    for (const control of tok.addedTokens.keys()) {
      if (m.content.includes(control)) return { reason: 'control_token_text', message: `message ${i + 1} (${m.role}) holds the text ${control}, which trainers that tokenize the rendered template read as the control token` };
    }
    if (/^\s*[\r\n]/.test(m.content)) return { reason: 'leading_newline', message: `message ${i + 1} (${m.role}) starts with a newline, which tokenizes differently alone and inside the rendered template` };
    if (m.role === 'assistant' && m.weight === 1 && m.content === '') return { reason: 'empty_turn', message: `message ${i + 1} is an empty trained assistant turn: axolotl trains nothing of it, the masked export its end-of-turn token` };
  }
  return undefined;
}
