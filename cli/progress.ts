import cliProgress from 'cli-progress';
import type { RunProgress } from '../core/runner/runner.js';

/**
 * Progress on a TTY: one line with seeds done/total, per-stage counts, rate, ETA and tokens.
 * Off the TTY (CI, pipes) it prints nothing; the CLI prints a summary at the end instead.
 */
export function createProgress(enabled: boolean): { update(p: RunProgress): void; stop(): void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format:
        'pass {phase} {bar} {value}/{total} seeds | instructions {instructions} judged {judged} responded {responded} kept {kept} rejected {rejected} | {rate}/s | ETA {eta_formatted} | {tokens} tokens{cost}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const f = p.funnel;
      const tokens = Object.values(p.usage).reduce((a, u) => a + u.promptTokens + u.completionTokens, 0);
      const payload = {
        phase: p.phase,
        instructions: f.stages.synthesized.out,
        judged: f.stages.judged.out,
        responded: f.stages.responded.out,
        kept: f.kept,
        rejected: f.rejected,
        rate: p.elapsedMs > 0 ? ((p.seedsDone / p.elapsedMs) * 1000).toFixed(2) : '0',
        tokens: tokens >= 1000 ? `${(tokens / 1000).toFixed(1)}k` : String(tokens),
        // In the currency of llm.prices; shown only when prices are configured.
        cost: p.cost ? ` | cost ${p.cost.total.toFixed(4)}` : '',
      };
      const total = Math.max(p.seedsTotal ?? p.seedsDone, p.seedsDone);
      if (!started) {
        bar.start(total, p.seedsDone, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(p.seedsDone, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
