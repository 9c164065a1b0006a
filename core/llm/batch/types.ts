import type { ChatRequest, ChatResult, LlmError } from '../types.js';

/**
 * The provider side of batch mode (`--batch`, config `llm.batch`): a provider whose endpoint has a
 * batch API (OpenAI's Batch API: `POST /v1/files` with purpose `batch`, `POST /v1/batches`,
 * `GET /v1/batches/{id}`, `GET /v1/files/{id}/content`) exposes it as `ChatProvider.batch`. Core's
 * collector (`collector.ts`) decides what goes into a batch, when to submit and poll, and what to
 * resubmit; the provider only moves requests and replies. Implementations throw {@link LlmError}
 * for every failed HTTP call and never put secrets into errors.
 */

/** One request of a batch: `customId` is unique within its batch. */
export interface BatchRequestLine {
  customId: string;
  request: ChatRequest;
}

/** OpenAI Batch API statuses. Terminal: completed, failed, expired, cancelled. */
export type BatchStatusName = 'validating' | 'in_progress' | 'finalizing' | 'completed' | 'failed' | 'expired' | 'cancelling' | 'cancelled';

export const TERMINAL_BATCH_STATUSES: ReadonlySet<BatchStatusName> = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** What a poll of one batch tells. */
export interface BatchStatus {
  id: string;
  status: BatchStatusName;
  /** The file of the lines that got an answer (successful or not); set once the batch is terminal. */
  outputFileId?: string;
  /** The file of the lines that failed before getting an answer. */
  errorFileId?: string;
  /** The endpoint's reasons for a `failed` batch (input validation, enqueued-token limit), scrubbed of secrets. */
  errors?: string[];
}

/**
 * One line of a batch's output or error file, decoded: the reply, or the failure of this line
 * classified as a normal call's would be (a non-2xx `response.status_code` by its status, an error
 * file line as `server`). Lines of the batch absent from both files did not run (expiry, cancellation).
 */
export type BatchResultLine = { customId: string; result: ChatResult } | { customId: string; error: LlmError };

/** Per-HTTP-call options, as for a chat call. */
export interface BatchCallOptions {
  signal?: AbortSignal;
  /** Wall-clock limit of one HTTP call, in milliseconds. */
  timeoutMs: number;
}

/** A provider's batch API, bound to its endpoint. */
export interface BatchApi {
  /**
   * Upload `lines` as one JSONL input file and create a batch over it for `model`.
   * @returns the batch id.
   */
  submit(model: string, lines: readonly BatchRequestLine[], options: BatchCallOptions): Promise<string>;
  /** The batch's current status. */
  retrieve(batchId: string, options: BatchCallOptions): Promise<BatchStatus>;
  /** The decoded lines of a terminal batch's output and error files. */
  results(batch: BatchStatus, model: string, options: BatchCallOptions): Promise<BatchResultLine[]>;
}
