import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../../core/index.js';
import type { ReportData } from './data.js';

const require = createRequire(import.meta.url);

/** The page's script source: plugins/reporters/html/client/app.js (plain browser JS, bundled below). */
export function clientEntry(): string {
  return join(packageRoot(), 'plugins', 'reporters', 'html', 'client', 'app.js');
}

let bundled: Promise<string> | undefined;

/** The bundle's inputs besides app.js: their versions change the output. */
const BUNDLED_PACKAGES = ['chart.js', 'graphology', 'sigma', 'highlight.js', 'esbuild'];
const BUILD_OPTIONS = { bundle: true, format: 'iife', platform: 'browser', target: 'es2020', minify: true, write: false, legalComments: 'none', logLevel: 'silent' } as const;

/**
 * The client bundled with esbuild into one IIFE (chart.js, sigma, graphology, highlight.js inside),
 * so the page needs no network. Built once per machine and kept in the OS temp folder under a hash of
 * app.js, the bundled packages' versions and the build options (~0.5 s of CPU, which would otherwise
 * fall in every run's tail); read from there by later processes.
 */
export function clientBundle(): Promise<string> {
  bundled ??= (async () => {
    const entry = clientEntry();
    const hash = createHash('sha256').update(readFileSync(entry)).update(JSON.stringify(BUILD_OPTIONS));
    for (const name of BUNDLED_PACKAGES) hash.update(`${name}@${packageVersion(name)}`);
    const cached = join(tmpdir(), 'instructsmith-report-client', `${hash.digest('hex').slice(0, 24)}.js`);
    if (existsSync(cached)) return readFileSync(cached, 'utf8');
    const esbuild = await import('esbuild');
    const result = await esbuild.build({ entryPoints: [entry], ...BUILD_OPTIONS });
    const text = result.outputFiles[0]!.text;
    try {
      mkdirSync(dirname(cached), { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, cached);
    } catch {
      // an unwritable temp folder only costs the next process a rebuild
    }
    return text;
  })();
  bundled.catch(() => (bundled = undefined));
  return bundled;
}

/** A dependency's installed version, from the package.json above its entry (not every package exports its package.json). */
function packageVersion(name: string): string {
  try {
    for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? 'unknown';
    }
  } catch {
    // not resolvable from here: esbuild's build reports it
  }
  return 'unknown';
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
