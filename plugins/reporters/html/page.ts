import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../../../core/index.js';
import type { ReportData } from './data.js';

const require = createRequire(import.meta.url);

/** The page's script source: plugins/reporters/html/client/app.js (plain browser JS, bundled below). */
export function clientEntry(): string {
  return join(packageRoot(), 'plugins', 'reporters', 'html', 'client', 'app.js');
}

let bundled: Promise<string> | undefined;

/**
 * The client bundled with esbuild into one IIFE (chart.js, sigma, graphology, highlight.js inside),
 * so the page needs no network. Built once per process (~0.5 s).
 */
export function clientBundle(): Promise<string> {
  bundled ??= (async () => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      entryPoints: [clientEntry()],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      write: false,
      legalComments: 'none',
      logLevel: 'silent',
    });
    return result.outputFiles[0]!.text;
  })();
  bundled.catch(() => (bundled = undefined));
  return bundled;
}

/** Code colours: highlight.js's GitHub theme (BSD-3-Clause, shipped with highlight.js). */
function highlightCss(): string {
  return readFileSync(require.resolve('highlight.js/styles/github.css'), 'utf8');
}

/** JSON safe inside `<script>`: `<` escaped so `</script>` or `<!--` in a sample cannot end the block. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** The whole report as one HTML document: styles, data and script inline. */
export async function renderReport(data: ReportData): Promise<string> {
  const script = await clientBundle();
  const css = readFileSync(join(packageRoot(), 'plugins', 'reporters', 'html', 'client', 'style.css'), 'utf8');
  const title = `instructsmith report: ${data.run.name ?? data.run.preset ?? data.runDir}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
<style>${highlightCss()}</style>
</head>
<body>
<div id="app"><p>Loading the report…</p></div>
<script id="report-data" type="application/json">${scriptJson(data)}</script>
<script>${script.replace(/<\/script/gi, '<\\/script')}</script>
</body>
</html>
`;
}
