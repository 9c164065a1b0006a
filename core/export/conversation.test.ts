import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../record.js';
import { weightConversation } from './conversation.js';

const u = (content: string): ChatMessage => ({ role: 'user', content });
const a = (content: string): ChatMessage => ({ role: 'assistant', content });
const s = (content: string): ChatMessage => ({ role: 'system', content });

describe('weightConversation', () => {
  it('weights prompts 0 and trained responses 1', () => {
    const w = weightConversation([s('sys'), u('a'), a('b'), u('c'), a('d')], 'last');
    expect(w.map((m) => m.weight)).toEqual([0, 0, 0, 0, 1]);
    expect(weightConversation([u('a'), a('b'), u('c'), a('d')], 'all').map((m) => m.weight)).toEqual([0, 1, 0, 1]);
  });
  it.each([
    [[u('only a question')], 'no_assistant_turn'],
    [[u('a'), a('b'), u('follow-up with no answer')], 'last_turn_not_assistant'],
    [[u('a'), s('late system'), a('b')], 'system_not_first'],
    [[], 'empty_conversation'],
    [[s('sys'), u('q')], 'no_assistant_turn'],
  ] as Array<[ChatMessage[], string]>)('rejects %j with %s', (messages, reason) => {
    expect(() => weightConversation(messages, 'all')).toThrow(expect.objectContaining({ reason }));
  });
});
