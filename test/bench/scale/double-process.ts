/**
 * The HTTP test double with the scripted model, as its own process (forked with an IPC channel) for
 * the overhead and utilisation benches: its own CPU (JSON parsing, schema-valid replies, the request
 * log) must not be charged to the framework measured in the parent. `LATENCY_MS` delays every chat
 * reply. A request whose last user message starts with `bare:N` (the bare `openai` loop of
 * overhead.ts) is answered with a JSON object holding N characters, without the scripted model.
 * IPC: sends `{ url }` once listening; answers `{ type: 'stats' }` with {@link DoubleStats} and
 * `{ type: 'reset' }` by forgetting the requests so far.
 */
import { scriptedModel } from '../../../plugins/providers/mock/scripted.js';
import { startLlmDouble } from '../../double/index.js';
import { HUMANEVAL } from '../../e2e/helpers.js';

/** What the double saw since the last reset: chat calls and their mean sizes, in characters. */
export interface DoubleStats {
  calls: number;
  /** Mean characters over all messages of a chat request. */
  promptChars: number;
  /** Mean characters of the assistant content sent back. */
  replyChars: number;
  /** Share of chat calls that asked for a JSON schema. */
  structured: number;
  /** Seconds from the first chat request to the last reply (arrival of the last + the latency). */
  spanS: number;
  /** Arrival of the first chat request, ms since the epoch (0 when there was none). */
  firstAt: number;
  /**
   * Mean chat calls in flight at the double per `bucketS`-second interval from the first request:
   * each call counts as in flight for the fixed latency after its arrival (the double's own view).
   */
  inFlight: number[];
  bucketS: number;
  /** CPU (user + system) of the double's process since the last reset, in ms. */
  cpuMs: number;
}

/**
 * Width of the in-flight timeline's intervals, in seconds; our choice (a 30 s run gives 15 points).
 * `SCALE_BUCKET_S` narrows it to look at the ramps.
 */
const BUCKET_S = Number(process.env.SCALE_BUCKET_S ?? 2);

const latencyMs = Number(process.env.LATENCY_MS ?? 0);
const double = await startLlmDouble({ latencyMs });
const scripted = scriptedModel({ humanEvalPath: HUMANEVAL });
double.reply((req) => {
  const bare = /^bare:(\d+)/.exec(req.lastUser);
  return bare ? { text: 'x'.repeat(Number(bare[1])) } : scripted(req);
});
let from = 0;
let cpuFrom = process.cpuUsage();
process.on('message', (msg: { type: string }) => {
  const all = double.chatRequests();
  const cpu = process.cpuUsage(cpuFrom);
  if (msg.type === 'reset') {
    from = all.length;
    cpuFrom = process.cpuUsage();
    process.send!({ type: 'reset' });
    return;
  }
  const chat = all.slice(from);
  const n = chat.length || 1;
  const sum = (f: (r: (typeof chat)[number]) => number) => chat.reduce((s, r) => s + f(r), 0) / n;
  const stats: DoubleStats = {
    calls: chat.length,
    promptChars: sum((r) => (r.messages ?? []).reduce((s, m) => s + m.content.length, 0)),
    replyChars: sum((r) => r.reply?.length ?? 0),
    structured: sum((r) => (r.schema ? 1 : 0)),
    ...timeline(chat.map((r) => r.at)),
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
  process.send!({ type: 'stats', stats });
});
/** The in-flight timeline of calls arriving at `at` (ms), each in flight for `latencyMs`. */
function timeline(at: number[]): Pick<DoubleStats, 'spanS' | 'firstAt' | 'inFlight' | 'bucketS'> {
  if (at.length === 0) return { spanS: 0, firstAt: 0, inFlight: [], bucketS: BUCKET_S };
  const start = at.reduce((a, b) => Math.min(a, b));
  const spanMs = at.reduce((a, b) => Math.max(a, b)) + latencyMs - start;
  const bucketMs = BUCKET_S * 1000;
  const busy = new Array<number>(Math.max(1, Math.ceil(spanMs / bucketMs))).fill(0);
  // Spread each call's [arrival, arrival + latency) over the buckets it overlaps.
  for (const a of at) {
    let from = a - start;
    const to = from + latencyMs;
    while (from < to) {
      const b = Math.floor(from / bucketMs);
      const end = Math.min(to, (b + 1) * bucketMs);
      busy[b] = busy[b]! + (end - from);
      from = end;
    }
  }
  const last = spanMs - (busy.length - 1) * bucketMs;
  return { spanS: spanMs / 1000, firstAt: start, inFlight: busy.map((ms, i) => ms / (i === busy.length - 1 ? last : bucketMs)), bucketS: BUCKET_S };
}

process.on('disconnect', () => void double.close().then(() => process.exit(0)));
process.send!({ type: 'ready', url: double.url });
