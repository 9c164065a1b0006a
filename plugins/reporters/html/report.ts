import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildReportData, type ReportData, type ReportDataOptions } from './data.js';
import { renderReport } from './page.js';

/** Where a run's report goes by default: `RUN_DIR/report.html` (beside samples.jsonl, so the page can fetch it over http). */
export const REPORT_FILE = 'report.html';

/**
 * Write the self-contained HTML report of a run directory. Written to a temporary name and renamed,
 * so a reader never sees half a page. Returns the path written and the data shown.
 * @throws InputError when the directory is not a run directory or a file in it is damaged.
 */
export async function writeReport(runDir: string, options: ReportDataOptions & { out?: string }): Promise<{ path: string; data: ReportData; bytes: number }> {
  const dir = resolve(runDir);
  const data = await buildReportData(dir, options);
  const html = await renderReport(data);
  const path = resolve(options.out ?? join(dir, REPORT_FILE));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, html);
  renameSync(`${path}.tmp`, path);
  return { path, data, bytes: Buffer.byteLength(html) };
}
