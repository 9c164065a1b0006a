import { describe, expect, it } from 'vitest';
import { redactConfigSecrets, redactSecrets } from '../errors.js';
import { parseEndpointUrl, publicUrl } from './http-errors.js';
import { LlmError } from './types.js';

describe('URLs in messages carry no secret', () => {
  it('publicUrl drops user-info and masks secret query values, keeping the rest', () => {
    expect(publicUrl('http://user:sk-abc123456789@gpu:8000/v1?api-version=2024-06-01&api-key=k-1234')).toBe('http://gpu:8000/v1?api-version=2024-06-01&api-key=***');
    expect(publicUrl('http://127.0.0.1:11434')).toBe('http://127.0.0.1:11434');
    expect(publicUrl('not a url with token=abcdef')).toBe('not a url with token=[REDACTED]');
  });

  it('redactSecrets scrubs URLs inside library messages', () => {
    const msg = 'TypeError: Request cannot be constructed from a URL that includes credentials: http://u:PW-secret-99@h:1/v1/chat/completions?key=AIza0000&x=1';
    const out = redactSecrets(msg);
    expect(out).not.toContain('PW-secret-99');
    expect(out).not.toContain('AIza0000');
    expect(out).toContain('http://h:1/v1/chat/completions?key=***&x=1');
  });

  it('parseEndpointUrl turns user-info into Basic auth and the query into a default query', () => {
    const p = parseEndpointUrl('https://me:p%40ss-word@gw.example/v1/?api-key=QQQQ&api-version=1', 'openai');
    expect(p).toEqual({
      url: 'https://gw.example/v1',
      query: { 'api-key': 'QQQQ', 'api-version': '1' },
      basicAuth: `Basic ${Buffer.from('me:p@ss-word').toString('base64')}`,
      endpoint: 'https://gw.example/v1/?api-key=***&api-version=1',
    });
  });

  it('parseEndpointUrl rejects what is no http(s) URL with a fatal error that names it without its credentials', () => {
    for (const bad of ['localhost:8000/v1', 'ftp://u:SECRETPW1@host/v1']) {
      const err = (() => {
        try {
          parseEndpointUrl(bad, 'openai');
        } catch (e) {
          return e as LlmError;
        }
      })();
      expect(err).toBeInstanceOf(LlmError);
      expect(err).toMatchObject({ kind: 'unreachable', fatal: true });
      expect(err!.message).not.toContain('SECRETPW1');
    }
  });

  it('redactConfigSecrets masks header values, secret-named keys and URL secrets, and keeps key names', () => {
    const config = { baseUrl: 'http://u:pw12345@h/v1?token=T0KEN', plugins: { 'provider:openai': { headers: { 'x-api-key': 'H1' }, apiKeyEnv: 'MY_KEY', apiKey: 'direct' } }, limit: 3 };
    expect(redactConfigSecrets(config)).toEqual({
      baseUrl: 'http://h/v1?token=***',
      plugins: { 'provider:openai': { headers: { 'x-api-key': '[REDACTED]' }, apiKeyEnv: 'MY_KEY', apiKey: '[REDACTED]' } },
      limit: 3,
    });
  });
});
