import cliProgress from 'cli-progress';
import type { Logger } from '../core/index.js';
import type { RunProgress } from '../core/runner/runner.js';

/** How progress is shown: bars on a terminal, plain lines in CI, nothing otherwise (pipes). */
export type ProgressMode = 'tty' | 'lines' | 'off';

/** US dollars per million tokens, per model id (reporter:html's `prices` option). */
export type Prices = Record<string, { inputPerMTok: number; outputPerMTok: number }>;

export interface Progress {
  update(p: RunProgress): void;
  stop(): void;
  /**
   * A logger whose lines go above the bars while they are shown (cli-progress's MultiBar.log), and
   * straight to `base` otherwise, so no log line lands inside a bar.
   */
  logger(base: Logger): Logger;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  prices?: Prices;
}

/** In `lines` mode, one line per this share of a pass's known total (our choice: at most ~10 lines a pass). */
const LINE_STEP = 0.1;

/**
 * Progress of `instructsmith run`.
 * - `tty`: one bar per pass (cli-progress MultiBar): seeds done/total with ETA when the total is
 *   known (the `--seeds` pass, counted in the background), a bare count for derived passes
 *   (backfeeding), whose size is not known until they end; then per-stage counts, calls/s, tokens
 *   and, with prices, cost. Finished passes keep their final bar.
 * - `lines`: the same figures as plain lines (no escape codes), at each tenth of a known total and at each pass's end.
 * - `off`: nothing (the CLI prints a summary at the end).
 */
export function createProgress(mode: ProgressMode, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (mode === 'off') return { update: () => undefined, stop: () => undefined, logger: (base) => base };
  if (mode === 'lines') return lineProgress(stream, options.prices ?? {});

  const multi = new cliProgress.MultiBar(
    {
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 50,
      barsize: 20,
      linewrap: false,
      // Bars skip drawing an unchanged line, but a log line written above moves them down a row: draw every time.
      forceRedraw: true,
      stream,
      format: (opts, params, payload: Payload) => formatBar(opts, params, payload),
    },
    cliProgress.Presets.shades_classic,
  );
  let active = false;
  let phase = 0;
  let bar: cliProgress.SingleBar | undefined;
  let known = false;
  return {
    update(p) {
      const payload = payloadOf(p, options.prices ?? {});
      if (p.phase !== phase) {
        // The runner reports the next pass (at 0 seeds) before it knows whether there is one: the bar waits for its first seed.
        if (p.seedsDone === 0 && p.seedsTotal === undefined) {
          bar?.update({ ...payloadOf(p, options.prices ?? {}), phase, known } as never);
          return;
        }
        // A new pass: the previous bar stays with its final count; a new one starts below it.
        phase = p.phase;
        known = payload.known;
        bar = multi.create(p.seedsTotal ?? 0, p.seedsDone, payload);
        active = true;
        return;
      }
      known = payload.known;
      if (p.seedsTotal !== undefined) bar!.setTotal(Math.max(p.seedsTotal, p.seedsDone));
      bar!.update(p.seedsDone, payload);
    },
    stop() {
      if (!active) return;
      active = false;
      // MultiBar.stop() does not write log lines still buffered; render once to flush them above the bars.
      (multi as unknown as { update(): void }).update();
      multi.stop();
    },
    logger(base) {
      const above = (line: string, fallback: (m: string) => void) => (m: string) => (active ? multi.log(`${line}${m}\n`) : fallback(m));
      return {
        info: above('', (m) => base.info(m)),
        warn: above('warning: ', (m) => base.warn(m)),
        debug: (m) => {
          if (process.env.INSTRUCTSMITH_DEBUG) (active ? multi.log(`debug: ${m}\n`) : base.debug(m));
        },
      };
    },
  };
}

interface Payload {
  phase: number;
  known: boolean;
  stages: string;
  rate: string;
  tokens: string;
  cost: string;
}

/** The figures after the seed count: what each stage let through, calls/s, tokens, cost. */
function payloadOf(p: RunProgress, prices: Prices): Payload {
  const f = p.funnel;
  const usage = Object.entries(p.usage);
  const calls = usage.reduce((a, [, u]) => a + u.calls, 0);
  const tokens = usage.reduce((a, [, u]) => a + u.promptTokens + u.completionTokens, 0);
  const priced = usage.filter(([m]) => prices[m]);
  // The LLM layer's live cost (`llm.prices`) when configured, else the report's prices.
  const cost = p.cost ? p.cost.total : priced.reduce((a, [m, u]) => a + (u.promptTokens * prices[m]!.inputPerMTok + u.completionTokens * prices[m]!.outputPerMTok) / 1e6, 0);
  return {
    phase: p.phase,
    known: p.seedsTotal !== undefined,
    stages: `synthesized ${f.stages.synthesized.out} judged ${f.stages.judged.out} responded ${f.stages.responded.out} verified ${f.stages.verified.out} kept ${f.kept} rejected ${f.rejected}`,
    rate: p.elapsedMs > 0 ? ((calls / p.elapsedMs) * 1000).toFixed(1) : '0.0',
    tokens: tokens >= 1e6 ? `${(tokens / 1e6).toFixed(2)}M` : tokens >= 1000 ? `${(tokens / 1000).toFixed(1)}k` : String(tokens),
    cost: p.cost || priced.length ? ` | $${cost.toFixed(cost < 1 ? 4 : 2)}` : '',
  };
}

function formatBar(opts: cliProgress.Options, params: cliProgress.Params, payload: Payload): string {
  const tail = `| ${payload.stages} | ${payload.rate} calls/s | ${payload.tokens} tokens${payload.cost}`;
  // Derived passes (backfeeding) are not counted ahead; the --seeds pass is, in the background.
  if (!payload.known) return `pass ${payload.phase} ${params.value} seeds (total not known yet) ${tail}`;
  const size = opts.barsize ?? 20;
  const done = Math.round(params.progress * size);
  const bar = (opts.barCompleteString ?? '█').slice(0, done) + (opts.barIncompleteString ?? '░').slice(0, size - done);
  const eta = params.value >= params.total ? 'done' : `ETA ${formatEta(params.eta)}`;
  return `pass ${payload.phase} ${bar} ${params.value}/${params.total} seeds | ${eta} ${tail}`;
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function lineProgress(stream: NodeJS.WriteStream, prices: Prices): Progress {
  let phase = 0;
  let step = -1;
  let last: RunProgress | undefined;
  let printed: RunProgress | undefined;
  const print = (p: RunProgress) => {
    if (p === printed) return;
    printed = p;
    const x = payloadOf(p, prices);
    const count = p.seedsTotal !== undefined ? `${p.seedsDone}/${p.seedsTotal}` : String(p.seedsDone);
    stream.write(`progress: pass ${p.phase} ${count} seeds | ${x.stages} | ${x.rate} calls/s | ${x.tokens} tokens${x.cost}\n`);
  };
  return {
    update(p) {
      if (p.phase !== phase) {
        if (p.seedsDone === 0 && p.seedsTotal === undefined) return; // maybe no next pass (see the tty mode)
        if (last) print(last); // the previous pass's final figures
        phase = p.phase;
        step = -1;
      }
      last = p;
      if (p.seedsTotal === undefined || p.seedsTotal === 0) return;
      const s = Math.floor(p.seedsDone / p.seedsTotal / LINE_STEP);
      if (s > step) {
        step = s;
        print(p);
      }
    },
    stop() {
      if (last) print(last);
      last = undefined;
    },
    logger: (base) => base,
  };
}
