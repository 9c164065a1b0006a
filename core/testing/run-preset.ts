import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { ConfigInput } from '../config/schema.js';
import type { Logger, Plugin } from '../plugin.js';
import type { SampleRecord } from '../record.js';
import { runPipeline, type RunOptions, type RunResult } from '../runner/runner.js';
import { readRecordFile } from './harness.js';
import type { MockModel } from './mock-model.js';

export interface RunPresetOptions {
  /** Preset name (presets/) or path to a preset YAML. */
  preset: string;
  /** `--seeds`: a directory of code or a JSONL dataset. */
  seeds: string;
  /** Every plugin the preset may name (a program passes its built-ins, e.g. instructsmith's plugins/index.ts). */
  builtins: readonly Plugin[];
  /** Plugins applied even when the preset does not name them (providers, seed sources, tokenizers). */
  implicit?: readonly Plugin[];
  /** An in-process model, served as provider `mock` with model id `mock:test`; omit to use `overrides.model`. */
  model?: MockModel;
  /** Anything else a config file or a flag could set (`limit`, `plugins`, `out`). */
  overrides?: ConfigInput;
  log?: Logger;
  /** Aborting stops the run after the seeds in flight, checkpointed (status `interrupted`), as Ctrl-C does. */
  signal?: AbortSignal;
  /** Called after every seed is written (RunOptions.onProgress). */
  onProgress?: RunOptions['onProgress'];
}

export interface PresetRun {
  result: RunResult;
  runDir: string;
  kept: SampleRecord[];
  rejected: SampleRecord[];
  /**
   * Remove the temporary folder holding the run directory (nothing when `overrides.out` named one);
   * safe to call twice. Also `await using run = await runPreset(...)` (`Symbol.asyncDispose`).
   */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Run a whole preset in a test, exactly as `instructsmith run --preset` does (config loading and
 * validation included), into a temporary run directory unless `overrides.out` names one
 * ({@link PresetRun.dispose} removes it; a run that throws leaves none behind).
 * @throws what `instructsmith run` would report (ConfigError, InputError, fatal LlmError)
 */
export async function runPreset(options: RunPresetOptions): Promise<PresetRun> {
  const ownOut = options.overrides?.out === undefined;
  const out = options.overrides?.out ?? join(mkdtempSync(join(tmpdir(), 'instructsmith-preset-')), 'run');
  const dispose = async () => {
    if (ownOut) rmSync(dirname(out), { recursive: true, force: true });
  };
  try {
    // An empty working directory, so that no config file of the test's own folder is picked up; nothing reads it after loading.
    const cwd = mkdtempSync(join(tmpdir(), 'instructsmith-cwd-'));
    const { config } = await loadConfig({ cwd, overrides: { ...options.overrides, preset: options.preset, seeds: options.seeds, out, ...(options.model ? { model: 'mock:test' } : {}) } }).finally(() => rmSync(cwd, { recursive: true, force: true }));
    const implicit = [...(options.model ? [options.model.plugin('mock')] : []), ...(options.implicit ?? [])];
    const result = await runPipeline({ config, builtins: [...implicit, ...options.builtins], implicit, log: options.log ?? { info() {}, warn() {}, debug() {} }, signal: options.signal, onProgress: options.onProgress });
    return { result, runDir: result.runDir, kept: await readRecordFile(join(result.runDir, 'samples.jsonl')), rejected: await readRecordFile(join(result.runDir, 'rejected.jsonl')), dispose, [Symbol.asyncDispose]: dispose };
  } catch (err) {
    // The caller gets no run directory to look at: nothing of it may outlive the error.
    await dispose();
    throw err;
  }
}
