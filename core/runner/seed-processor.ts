import type { ResolvedConfig } from '../config/schema.js';
import type { UsageMeter } from '../llm/usage.js';
import type { SampleRecord, Seed } from '../record.js';

/** Where a seed sits in its run: the pass (1 = the seeds read, then derived passes) and its 0-based index in that pass. */
export interface SeedPosition {
  phase: number;
  index: number;
}

/**
 * What takes one seed through the concurrent stages (synthesize → judge → respond → verify) for the
 * runner. The local one calls `processSeed` in this process; the CLI's queued one hands the seed to
 * workers (`run --queue`). Either way the runner filters, writes and checkpoints the returned records
 * in seed order, so the dataset does not depend on where seeds were processed.
 */
export interface SeedProcessor {
  /**
   * The seed's records, dropped or at stage `verified`, as `processSeed` returns them.
   * @throws what processSeed re-throws (fatal errors), which stops the run resumably
   */
  process(seed: Seed, at: SeedPosition): Promise<SampleRecord[]>;
  /** Release what the processor holds (connections); called once when the run ends, however it ends. */
  close(): Promise<void>;
}

/** What a {@link SeedProcessorFactory} is told about the run it serves. */
export interface SeedProcessorRun {
  runDir: string;
  /** The run's config hash (runner.configHash): the same config and directory give the same hash. */
  configHash: string;
  config: ResolvedConfig;
  /** Aborted when the run is interrupted. */
  signal: AbortSignal;
  /** The run's usage meter (run.json `usage`): a processor that calls the endpoint elsewhere adds that usage here. */
  meter: UsageMeter;
}

/** Builds the run's SeedProcessor once start-up has passed (given in RunOptions by the composition root). */
export type SeedProcessorFactory = (run: SeedProcessorRun) => Promise<SeedProcessor>;
