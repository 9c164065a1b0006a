import { describe, expect, it } from 'vitest';
import { detectFormat, toConversation } from './formats.js';
import { conversationLanguage } from './language.js';
import { poolOptions } from './options.js';

const defaults = poolOptions.parse({});

describe('pool row formats', () => {
  it('detects each format from its keys and nothing from other rows', () => {
    expect(detectFormat({ messages: [] }, defaults)).toBe('messages');
    expect(detectFormat({ conversations: [] }, defaults)).toBe('sharegpt');
    expect(detectFormat({ instruction: 'i', output: 'o' }, defaults)).toBe('alpaca');
    // Alpaca needs both strings; a messages field that is not a list is no conversation.
    expect(detectFormat({ instruction: 'i' }, defaults)).toBeUndefined();
    expect(detectFormat({ messages: 'hi', prompt: 'x' }, defaults)).toBeUndefined();
    expect(detectFormat({ messages: [] }, { ...defaults, format: 'alpaca' })).toBeUndefined();
  });

  it('maps ShareGPT speaker names to chat roles, in either turn layout', () => {
    const c = toConversation(
      { conversations: [{ from: 'system', value: 's' }, { from: 'Human', value: 'q' }, { from: 'chatgpt', value: 'a' }, { role: 'user', content: 'q2' }, { from: 'model', value: 'a2' }] },
      defaults,
    );
    expect(c).toEqual({
      format: 'sharegpt',
      used: ['conversations'],
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
        { role: 'user', content: 'q2' },
        { role: 'assistant', content: 'a2' },
      ],
    });
  });

  it('calls a turn that is not an object, or whose content is not text, malformed, saying where', () => {
    expect(toConversation({ messages: ['hi'] }, defaults)).toEqual({ malformed: 'bad_turn', message: 'messages[0] is a string, expected an object {role, content} or {from, value}' });
    expect(toConversation({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }, defaults)).toMatchObject({ malformed: 'bad_turn', message: expect.stringContaining('messages[0] content is an array') });
    expect(toConversation({ messages: [{ content: 'x' }] }, defaults)).toMatchObject({ malformed: 'bad_turn', message: expect.stringContaining('has role null') });
    expect(toConversation({ instruction: 'i', input: 3, output: 'o' }, defaults)).toMatchObject({ malformed: 'bad_turn', message: 'field "input" is a number, expected a string' });
  });

  it('takes the language of the first fence that names one', () => {
    const m = (content: string) => [{ role: 'user' as const, content }];
    expect(conversationLanguage(m('```\nplain\n```\n~~~js\nx\n~~~'), 'text')).toBe('javascript');
    expect(conversationLanguage(m('inline ```py``` is no fence'), 'text')).toBe('text');
    expect(conversationLanguage([...m('```c++\nint x;\n```'), ...m('```python\n```')], 'text')).toBe('cpp');
  });
});
