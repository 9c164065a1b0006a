import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/paths.js';

/**
 * The import rules of ARCHITECTURE.md ("Layers"): core names nothing outside itself; plugins and
 * training reach core only through its public entries (`instructsmith`, `instructsmith/testing`,
 * `instructsmith/tool-server`),
 * exactly as a third-party plugin does; training never imports plugins; nothing but cli/ imports cli/.
 * Test files are exempt (a plugin's test may drive the CLI).
 */
const root = packageRoot();
const PUBLIC = new Set(['core/index.ts', 'core/testing/index.ts', 'core/verify/serve-lines.ts']);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Project-relative `.ts` paths a file imports (relative specifiers only; packages are not ours). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(root, resolve(root, dirname(file), s)).replace(/\.js$/, '.ts'));
}

const layer = (path: string) => path.split('/')[0]!;
const edges = ['core', 'plugins', 'training', 'cli'].flatMap(sources).flatMap((from) => importsOf(from).map((to) => ({ from, to })));

describe('import rules', () => {
  it('finds the imports it checks (the rule test is not vacuous)', () => {
    expect(edges.filter((e) => layer(e.from) === 'plugins' && e.to === 'core/index.ts').length).toBeGreaterThan(20);
    expect(edges.filter((e) => layer(e.from) === 'core').length).toBeGreaterThan(50);
  });

  it('core imports nothing of plugins/, training/ or cli/', () => {
    expect(edges.filter((e) => layer(e.from) === 'core' && layer(e.to) !== 'core').map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('plugins and training import core only through its public entries', () => {
    const bad = edges.filter((e) => ['plugins', 'training'].includes(layer(e.from)) && layer(e.to) === 'core' && !PUBLIC.has(e.to));
    expect(bad.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('training imports no plugin, and nothing outside cli/ imports cli/', () => {
    const bad = edges.filter((e) => (layer(e.from) === 'training' && layer(e.to) === 'plugins') || (layer(e.from) !== 'cli' && layer(e.to) === 'cli'));
    expect(bad.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });
});
