import { describe, expect, it } from 'vitest';
import { checkRedis, redisOptions } from './connection.js';
import { errorOf, fatalPayload, jobIdOf, runIdOf } from './jobs.js';
import { LlmError } from '../../core/llm/types.js';
import { InstructsmithError } from '../../core/errors.js';

describe('--queue URLs', () => {
  it('reads host, port, credentials, database and TLS from a redis:// or rediss:// URL', () => {
    expect(redisOptions('redis://10.0.0.5:6380/2')).toMatchObject({ host: '10.0.0.5', port: 6380, db: 2, maxRetriesPerRequest: null });
    expect(redisOptions('redis://localhost')).toMatchObject({ host: 'localhost', port: 6379, db: 0 });
    const secure = redisOptions('rediss://user:p%40ss@cache.example:6379');
    expect(secure).toMatchObject({ username: 'user', password: 'p@ss', tls: {} });
  });

  it('refuses anything else with a usage error that shows the URL without its password', () => {
    for (const bad of ['localhost:6379', 'http://host:6379', 'redis://host:6379/x']) {
      expect(() => redisOptions(bad)).toThrow(/--queue expects a Redis URL/);
    }
    try {
      redisOptions('http://me:hunter2secret@host');
      expect.fail('should throw');
    } catch (err) {
      expect((err as InstructsmithError).code).toBe('USAGE');
      expect(String((err as Error).message)).not.toContain('hunter2secret');
    }
  });

  it('says which Redis it cannot reach, without waiting for reconnects', async () => {
    await expect(checkRedis(redisOptions('redis://127.0.0.1:1'))).rejects.toMatchObject({ code: 'QUEUE_UNREACHABLE', message: expect.stringMatching(/cannot reach Redis at 127\.0\.0\.1:1/) });
  });
});

describe('job ids and fatal payloads', () => {
  it('gives one job id per run, pass and seed index, stable across coordinator restarts', () => {
    const run = runIdOf('abc', '/runs/a');
    expect(runIdOf('abc', '/runs/a')).toBe(run);
    expect(runIdOf('abc', '/runs/b')).not.toBe(run);
    expect(jobIdOf(run, { phase: 2, index: 7 })).toBe(`${run}-2-7`);
    expect(jobIdOf(run, { phase: 2, index: 7 })).not.toContain(':'); // BullMQ refuses ':' in custom ids
  });

  it('carries a fatal endpoint error to the coordinator as an LlmError of the same kind (exit 75), secrets removed', () => {
    const payload = fatalPayload(new LlmError('auth', 'key sk-abcdefghijklmnop rejected', { hint: 'set OPENAI_API_KEY' }));
    const err = errorOf(JSON.parse(JSON.stringify(payload)));
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).kind).toBe('auth');
    expect((err as LlmError).fatal).toBe(true);
    expect(err.message).toMatch(/^worker .+:\d+: key \[REDACTED\] rejected$/);
  });

  it('carries other fatal errors with their code and hint', () => {
    const err = errorOf(fatalPayload(new InstructsmithError('TOOL_MISSING', 'pylint is not installed', { hint: 'apt-get install pylint' })));
    expect(err).toBeInstanceOf(InstructsmithError);
    expect(err).toMatchObject({ code: 'TOOL_MISSING', hint: 'apt-get install pylint', fatal: true });
  });
});
