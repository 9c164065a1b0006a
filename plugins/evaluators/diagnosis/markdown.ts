import type { Diagnosis } from './types.js';

/** Deficiencies listed in diagnosis.md: our choice (the JSON has them all). */
const MAX_ROWS = 25;
/** Evidence ids shown per row: our choice. */
const MAX_EVIDENCE = 8;

/**
 * `diagnosis.md`: pass@1 overall and per level-2 tag (each item under its primary tag, so the rows
 * add up), the weak abilities ranked with their evidence, and, once the targeted run is done, the
 * targeted samples kept (and rejected) per deficiency.
 */
export function renderDiagnosisMarkdown(d: Diagnosis): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out = [
    `# Diagnosis of ${d.model} on ${d.benchmark}`,
    '',
    `${d.items} items x ${d.samples} sample${d.samples === 1 ? '' : 's'}; pass@1 **${d.passAt1.toFixed(4)}**; ${d.failed} failed item${d.failed === 1 ? '' : 's'} diagnosed by ${d.diagnosedBy}${d.undiagnosed ? ` (${d.undiagnosed} undiagnosed: no valid reply)` : ''}.`,
    '',
    '## pass@1 per level-2 tag',
    '',
    '| level-2 tag | items | passed | pass@1 |',
    '| --- | ---: | ---: | ---: |',
    ...d.byCategory.map((c) => `| ${cell(c.category)} | ${c.items} | ${round(c.passed)} | ${c.passAt1.toFixed(4)} |`),
    `| **all** | ${d.items} | ${round(d.passAt1 * d.items)} | ${d.passAt1.toFixed(4)} |`,
    '',
    '## Weak abilities',
    '',
  ];
  const targeted = d.targeted;
  if (d.deficiencies.length === 0) out.push('No failed item was diagnosed with an ability.');
  else {
    out.push(
      `| rank | ability (level 1) | level 2 | failures | share of failures | ${targeted ? 'targeted kept (rejected) | ' : ''}evidence |`,
      `| ---: | --- | --- | ---: | ---: | ${targeted ? '---: | ' : ''}--- |`,
    );
    for (const def of d.deficiencies.slice(0, MAX_ROWS)) {
      const t = targeted ? targeted.counts[def.key] : undefined;
      const ev = def.evidence.slice(0, MAX_EVIDENCE).join(', ') + (def.evidence.length > MAX_EVIDENCE ? `, … (${def.evidence.length - MAX_EVIDENCE} more)` : '');
      out.push(`| ${def.rank} | ${cell(def.ability)} | ${cell(def.categories.slice(0, 2).join(', '))} | ${def.count} | ${pct(def.count / Math.max(1, d.failed))} | ${targeted ? `${t ? `${t.kept} (${t.rejected})` : '-'} | ` : ''}${cell(ev)} |`);
    }
    if (d.deficiencies.length > MAX_ROWS) out.push('', `${d.deficiencies.length - MAX_ROWS} more in diagnosis.json.`);
  }
  if (targeted) out.push('', `Targeted samples: ${targeted.runDir} (kept samples per deficiency from samples.jsonl, rejected from rejected.jsonl).`);
  return `${out.join('\n')}\n`;
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}
