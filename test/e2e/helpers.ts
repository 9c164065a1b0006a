import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../core/config/load.js';
import type { ConfigInput } from '../../core/config/schema.js';
import type { Logger } from '../../core/index.js';
import { packageRoot } from '../../core/paths.js';
import { runPipeline } from '../../core/runner/runner.js';
import { builtinPlugins, implicitPlugins } from '../../plugins/index.js';

export const HUMANEVAL = join(packageRoot(), '..', 'shared', 'data', 'humaneval', 'HumanEval.jsonl.gz');

export const quietLog: Logger = { info: () => undefined, warn: () => undefined, debug: () => undefined };

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `instructsmith-${prefix}-`));
}

/** Run a preset in-process, exactly as the CLI does (config loading included). */
export async function runPreset(overrides: ConfigInput) {
  const { config } = await loadConfig({ cwd: tempDir('cwd'), overrides });
  return runPipeline({ config, builtins: builtinPlugins, implicit: implicitPlugins, log: quietLog });
}

export function readJsonl<T = Record<string, unknown>>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}
