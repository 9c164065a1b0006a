import { describe, expect, it } from 'vitest';
import { parseJsonReply } from './json-reply.js';

describe('parseJsonReply', () => {
  it('parses bare, fenced and think-prefixed JSON', () => {
    expect(parseJsonReply(' {"a": 1} ')).toEqual({ a: 1 });
    expect(parseJsonReply('```json\n{"a": [1, 2]}\n```')).toEqual({ a: [1, 2] });
    expect(parseJsonReply('```\n{"a": 2}\n```\n')).toEqual({ a: 2 });
    expect(parseJsonReply('Here you go:\n```json\n{"a": 3}\n```\nDone.')).toEqual({ a: 3 });
    expect(parseJsonReply('<think>\nlet me see {"no": 1}\n</think>\n{"a": 4}')).toEqual({ a: 4 });
  });

  it('explains what is wrong, quoting the start of the reply', () => {
    expect(() => parseJsonReply('')).toThrow(/empty/);
    expect(() => parseJsonReply('{"score": 7,')).toThrow(/not valid JSON.*\{\\"score\\": 7,/);
    const long = `{"x": "${'y'.repeat(500)}`;
    const msg = (() => {
      try {
        parseJsonReply(long);
      } catch (e) {
        return (e as Error).message;
      }
    })()!;
    expect(msg.length).toBeLessThan(400);
  });
});
