import type { RunResult } from '../core/runner/runner.js';
import { formatSelection } from '../core/runner/selection-run.js';

/** The end-of-run summary printed to stdout: where the files are, the funnel, and tokens. */
export function formatSummary(result: RunResult): string {
  const f = result.funnel;
  const lines: string[] = [];
  const status = result.alreadyComplete ? 'already complete' : result.status === 'interrupted' ? 'interrupted (run the same command to resume)' : result.resumed ? 'complete (resumed)' : 'complete';
  lines.push(`run ${status}: ${result.runDir}`);
  if (f.selection) lines.push(...formatSelection(f.selection));
  const skipped = Object.entries(f.seeds.skipped).map(([k, v]) => `${k} ${v}`).join(', ');
  lines.push(`  seeds read      ${f.seeds.read}${skipped ? `   (skipped: ${skipped})` : ''}`);
  for (const [name, s] of Object.entries(f.stages)) {
    const drops = Object.entries(s.dropped).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(`  ${name.padEnd(15)} in ${String(s.in).padStart(6)}  out ${String(s.out).padStart(6)}${drops ? `   dropped: ${drops}` : ''}`);
  }
  const filters = Object.entries(f.filters ?? {});
  if (filters.length) lines.push(`  filters         ${filters.map(([name, c]) => `${name} checked ${c.checked}, dropped ${c.dropped}`).join('; ')}`);
  const analyzers = Object.entries(result.verify?.analyzers ?? {});
  if (analyzers.length) {
    lines.push(`  analyzer calls  ${analyzers.map(([language, a]) => `${language} ${a.calls} (${a.samples} samples, mean ${a.meanBatch.toFixed(1)}, max ${a.maxBatch} per call, ${(a.wallMs / 1000).toFixed(1)} s)`).join('; ')}`);
  }
  lines.push(`  kept ${f.kept}, rejected ${f.rejected}`);
  for (const [model, u] of Object.entries(result.usage)) {
    lines.push(`  ${model}: ${u.calls} calls, ${u.promptTokens} prompt + ${u.completionTokens} completion tokens`);
  }
  if (result.exported.length) lines.push(`  exported: ${result.exported.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
