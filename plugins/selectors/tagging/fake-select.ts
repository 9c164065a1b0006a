import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SelectContext, Seed } from '../../../core/index.js';
import type { PluginHarness } from '../../../core/testing/index.js';

/** A drop a selector recorded. */
export interface RecordedDrop {
  seed: Seed;
  reason: string;
  category: string;
}

/**
 * Drain the `select` waterfall of a harness over `seeds` with a SelectContext that records drops and
 * reports, for selector tests (until the test kit's own `harness.select`).
 */
export async function drainSelect(h: PluginHarness, seeds: readonly Seed[]): Promise<{ selected: Seed[]; dropped: RecordedDrop[]; report: Record<string, unknown> }> {
  const dropped: RecordedDrop[] = [];
  const report: Record<string, unknown> = {};
  const sctx: SelectContext = {
    signal: new AbortController().signal,
    dryRun: false,
    dir: () => mkdtempSync(join(tmpdir(), 'select-')),
    drop: (seed, reason, category = 'other') => void dropped.push({ seed, reason, category }),
    report: (values) => void Object.assign(report, values),
  };
  async function* source() {
    yield* seeds;
  }
  const out = await h.hooks.select.promise(source(), sctx);
  const selected: Seed[] = [];
  for await (const s of out) selected.push(s);
  return { selected, dropped, report };
}
