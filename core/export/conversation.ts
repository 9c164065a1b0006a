import type { ChatMessage } from '../record.js';
import { SampleExportError } from './sample-error.js';

/** Which assistant turns carry the loss: every one, or only the final one (earlier turns are context). */
export type TrainOn = 'all' | 'last';

/**
 * Give each message of a conversation its loss weight: 0 on system and user turns, 1 on the
 * assistant turns that are trained (all of them, or only the last with `trainOn: 'last'`), 0 on
 * assistant turns kept as context. This is the paper's "prompt loss weight 0.0, response 1.0"
 * (Infinite-Instruct, arXiv 2505.23177, SFT setup), extended to multi-turn as OpenAI's fine-tuning
 * `weight` key does.
 *
 * Returns new message objects `{role, content, weight}`; the input is not changed.
 * @throws SampleExportError `empty_conversation`, `bad_message` (a role or content of the wrong
 *   type), `system_not_first` (a system turn after the first message), `no_assistant_turn`,
 *   `last_turn_not_assistant` (the conversation ends on a prompt, so the last turn has no response)
 */
export function weightConversation(messages: readonly ChatMessage[], trainOn: TrainOn): ChatMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new SampleExportError('empty_conversation', 'the sample has no messages');
  }
  messages.forEach((m, i) => {
    if (!m || !['system', 'user', 'assistant'].includes(m.role) || typeof m.content !== 'string') {
      throw new SampleExportError('bad_message', `message ${i} must be {role: system|user|assistant, content: string}, got ${JSON.stringify(m)?.slice(0, 120)}`);
    }
    if (m.role === 'system' && i > 0) {
      throw new SampleExportError('system_not_first', `message ${i} is a system turn; only the first message may be a system prompt`);
    }
  });
  const last = messages[messages.length - 1]!;
  if (!messages.some((m) => m.role === 'assistant')) {
    throw new SampleExportError('no_assistant_turn', 'the sample has no assistant turn to train on');
  }
  if (last.role !== 'assistant') {
    throw new SampleExportError('last_turn_not_assistant', `the sample ends on a ${last.role} turn; its last turn must be the assistant's response`);
  }
  const lastIndex = messages.length - 1;
  return messages.map((m, i) => ({
    role: m.role,
    content: m.content,
    weight: m.role === 'assistant' && (trainOn === 'all' || i === lastIndex) ? 1 : 0,
  }));
}

/** The system prompt (if the first message is one) and the remaining turns. */
export function splitSystem(messages: readonly ChatMessage[]): { system?: string; turns: ChatMessage[] } {
  const first = messages[0];
  if (first?.role === 'system') return { system: first.content, turns: messages.slice(1) };
  return { turns: [...messages] };
}

/**
 * Pair the non-system turns as (user, assistant) exchanges, the shape ShareGPT and Alpaca
 * (LLaMA-Factory's `history`) require.
 * @throws SampleExportError `not_alternating` when turns do not strictly alternate user, assistant
 */
export function toExchanges(turns: readonly ChatMessage[]): Array<{ user: ChatMessage; assistant: ChatMessage }> {
  if (turns.length % 2 !== 0) {
    throw new SampleExportError('not_alternating', `expected user/assistant pairs after the system prompt, got ${turns.length} turns (${turns.map((t) => t.role).join(', ')})`);
  }
  const out: Array<{ user: ChatMessage; assistant: ChatMessage }> = [];
  for (let i = 0; i < turns.length; i += 2) {
    const user = turns[i]!;
    const assistant = turns[i + 1]!;
    if (user.role !== 'user' || assistant.role !== 'assistant') {
      throw new SampleExportError('not_alternating', `turns ${i} and ${i + 1} are ${user.role}, ${assistant.role}; expected user, assistant (roles: ${turns.map((t) => t.role).join(', ')})`);
    }
    out.push({ user, assistant });
  }
  return out;
}
