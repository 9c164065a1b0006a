import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../../core/config/schema.js';
import type { Logger, SampleRecord } from '../../core/index.js';
import { packageRoot } from '../../core/paths.js';
import type { RunResult } from '../../core/runner/runner.js';
import { runPreset as runKitPreset } from '../../core/testing/index.js';
import { builtinPlugins, implicitPlugins } from '../../plugins/index.js';

export const HUMANEVAL = join(packageRoot(), '..', 'shared', 'data', 'humaneval', 'HumanEval.jsonl.gz');

export const quietLog: Logger = { info: () => undefined, warn: () => undefined, debug: () => undefined };

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `instructsmith-${prefix}-`));
}

/** What flags and a config file would set for a run, the preset and the seeds path among them. */
export type PresetOverrides = ConfigInput & { preset: string; seeds: string };

/**
 * Run a preset in-process with instructsmith's own plugins, exactly as the CLI does (config loading
 * included), through the test kit's runPreset. `overrides` is what flags and a config file would set.
 * @throws what `instructsmith run` would report (ConfigError, InputError, fatal LlmError)
 */
export async function runPreset(overrides: PresetOverrides): Promise<RunResult> {
  const { preset, seeds, ...rest } = overrides;
  const run = await runKitPreset({ preset, seeds, builtins: builtinPlugins, implicit: implicitPlugins, overrides: rest, log: quietLog });
  return run.result;
}

export function readJsonl<T = Record<string, unknown>>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/**
 * A run directory's dataset as content, for comparing a resumed run with an uninterrupted one: the
 * kept then the rejected records, each as JSON, with `usage[].cached` left out (a resumed run replays
 * calls from the cache).
 */
export function dataset(dir: string): string[] {
  const lines = (file: string) => readJsonl<SampleRecord>(join(dir, file)).map((r) => JSON.stringify({ ...r, usage: r.usage.map(({ cached: _c, ...u }) => u) }));
  return [...lines('samples.jsonl'), '---', ...lines('rejected.jsonl')];
}
