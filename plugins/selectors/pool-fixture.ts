import { contentId, type ChatMessage, type Seed, type SelectContext } from '../../core/index.js';

/** A pool row as `seed:pool` makes it (tests of the selectors): `pool.jsonl` line `line`, messages format. */
export function poolSeed(line: number, instruction: string, response?: string, meta: Record<string, unknown> = {}, path = 'pool.jsonl'): Seed {
  const messages: ChatMessage[] = [{ role: 'user', content: instruction }];
  if (response !== undefined) messages.push({ role: 'assistant', content: response });
  return { id: contentId(messages), language: 'text', code: instruction, source: { path, line }, kind: 'record', meta: { format: 'messages', ...meta }, messages };
}

/** What a selector did through a hand-made {@link SelectContext}. */
export interface SelectRecord {
  sctx: SelectContext;
  dropped: { seed: Seed; reason: string; category: string }[];
  report: Record<string, unknown>;
}

/** A SelectContext that records drops and merges reports, with its own folder. */
export function recordingContext(dir: string): SelectRecord {
  const rec: SelectRecord = {
    dropped: [],
    report: {},
    sctx: {
      signal: new AbortController().signal,
      dryRun: false,
      dir: () => dir,
      drop: (seed, reason, category = 'unspecified') => void rec.dropped.push({ seed, reason, category }),
      report: (values) => void Object.assign(rec.report, values),
    },
  };
  return rec;
}

/** A seed array as a stream. */
export async function* streamOf(seeds: readonly Seed[]): AsyncGenerator<Seed> {
  yield* seeds;
}

/** Drain a selector's stream. */
export async function drain(it: AsyncIterable<Seed>): Promise<Seed[]> {
  const out: Seed[] = [];
  for await (const s of it) out.push(s);
  return out;
}
