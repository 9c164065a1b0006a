import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, InstructsmithError } from '../errors.js';
import { loadConfig } from './load.js';

const tmp = mkdtempSync(join(tmpdir(), 'config-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A fresh directory holding `name` with `text`; returns the directory and the file's path. */
function dirWith(name: string, text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmp, 'cfg-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

// The flow sequence opened on line 3 is still open when line 4 starts a block key: yaml reports line 4, column 1.
const BROKEN = ['seeds: ./src', 'model:', '  stop: [a, b', 'out: ./out', ''].join('\n');

async function loadError(options: Parameters<typeof loadConfig>[0]): Promise<InstructsmithError> {
  const err = await loadConfig(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InstructsmithError);
  return err as InstructsmithError;
}

describe('YAML syntax errors in config files', () => {
  it('name the discovered user config file, its line and column', async () => {
    const { dir, file } = dirWith('instructsmith.config.yaml', BROKEN);
    const err = await loadError({ cwd: dir });
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe(file);
    expect((err as InputError).line).toBe(4);
    expect(err.code).toBe('CONFIG_YAML_SYNTAX');
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: invalid YAML at line 4, column \\d+: \\S`));
    expect(err.hint).toContain('YAML syntax');
  });

  it('name the file given with --config, also for .yml and .instructsmithrc', async () => {
    for (const name of ['my.yml', '.instructsmithrc']) {
      const { dir, file } = dirWith(name, BROKEN);
      const err = await loadError({ cwd: dir, configFile: name });
      expect((err as InputError).file).toBe(file);
      expect(err.message).toContain(`${file}:4: invalid YAML at line 4, column`);
    }
  });

  it('name a preset file given by path the same way', async () => {
    const { dir, file: preset } = dirWith('base.yaml', BROKEN);
    writeFileSync(join(dir, 'instructsmith.config.yaml'), 'preset: ./base.yaml\n');
    const err = await loadError({ cwd: dir });
    expect((err as InputError).file).toBe(preset);
    expect(err.message).toContain(`${preset}:4: invalid YAML at line 4, column`);
  });

  it('do not quote the offending line, which may hold a key', async () => {
    const secret = 'sk-abcdefghijklmnop1234';
    // yaml's own message quotes the lines around the error, here the key itself.
    const { dir } = dirWith('instructsmith.config.yaml', `model:\n  headers: [${secret}\nout: y\n`);
    const err = await loadError({ cwd: dir });
    expect(err.message).not.toContain(secret);
    expect(err.describe()).not.toContain(secret);
  });

  it('name the file of a JSON config that does not parse, with keys in the quoted source redacted', async () => {
    const secret = 'sk-abcdefghijklmnop1234';
    const { dir, file } = dirWith('.instructsmithrc.json', `{"model": {"apiKey": "${secret}"},\n "out": }\n`);
    const err = await loadError({ cwd: dir });
    expect(err.message).toContain(`${file}:`);
    expect(err.message).toContain('[REDACTED]');
    expect(err.message).not.toContain(secret);
  });
});
