/**
 * Why one sample cannot be exported. Thrown by the per-sample steps of an export (weighting,
 * chat-template rendering, loss masking, format conversion) and caught by the export driver,
 * which counts it under `reason` and lists it in `dropped.jsonl`: a sample is never dropped
 * silently and never exported with a guessed mask.
 */
export class SampleExportError extends Error {
  /** Short stable key the export report counts by, e.g. `no_assistant_turn`, `mask_mismatch`. */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = 'SampleExportError';
    this.reason = reason;
  }
}
