import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SERVE = fileURLToPath(new URL('./serve.ts', import.meta.url));

describe('serve.ts (standalone double)', () => {
  it('prints its URLs, serves both APIs, and exits on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', SERVE, '--port', '0', '--model', 'demo-model'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('OLLAMA_HOST=')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`serve.ts exited early with ${code}`)));
      });
      const openaiUrl = /OPENAI_BASE_URL=(\S+)/.exec(out)![1]!;
      const ollamaUrl = /OLLAMA_HOST=(\S+)/.exec(out)![1]!;
      expect(openaiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const models = (await (await fetch(`${openaiUrl}/models`)).json()) as { data: Array<{ id: string }> };
      expect(models.data.map((m) => m.id)).toEqual(['demo-model']);
      const tags = (await (await fetch(`${ollamaUrl}/api/tags`)).json()) as { models: Array<{ name: string }> };
      expect(tags.models.map((m) => m.name)).toEqual(['demo-model']);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);

  it('rejects a bad port with usage', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', SERVE, '--port', 'eighty'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (err += c));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(err).toContain('--port must be an integer');
  }, 30_000);
});
