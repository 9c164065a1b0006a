import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../core/paths.js';
import { HUMANEVAL, readJsonl, runPreset, tempDir } from '../../../test/e2e/helpers.js';
import type { SampleRecord } from '../../../core/index.js';

/**
 * The report in a real browser: Debian's headless Chromium (`apt-get install chromium`, listed in
 * .ci/run) driven by playwright-core, over a small infinite-instruct run with the scripted model.
 * Screenshots go to test-artifacts/ (git-ignored) for a human to look at.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const ARTIFACTS = join(packageRoot(), 'test-artifacts');

interface Funnel {
  seeds: { read: number };
  stages: Record<string, { in: number; out: number; dropped: Record<string, number> }>;
  kept: number;
  rejected: number;
}

let runDir: string;
let run: { funnel: Funnel };
let rejected: SampleRecord[];
let kept: SampleRecord[];
let browser: Browser;

async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]');
  expect(errors).toEqual([]);
  return page;
}

const reasonKey = (r: SampleRecord) => `${r.dropped!.plugin}/${r.dropped!.category ?? 'other'}`;
const listedIds = (page: Page) => page.$$eval('#sample-list li[data-id]', (els) => els.map((e) => e.getAttribute('data-id')!));

beforeAll(async () => {
  runDir = join(tempDir('report'), 'run');
  // 12 seeds: the scripted model's planted faults give drops at judged and at verified, and backfeeding a graph.
  const result = await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, model: 'mock:scripted', limit: 12, out: runDir });
  expect(result.status).toBe('complete');
  run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  kept = readJsonl<SampleRecord>(join(runDir, 'samples.jsonl'));
  rejected = readJsonl<SampleRecord>(join(runDir, 'rejected.jsonl'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
});

describe('report.html written by the run (reporter:html on runEnd)', () => {
  it('shows the funnel numbers of run.json', async () => {
    const page = await open(`file://${join(runDir, 'report.html')}`);
    const f = run.funnel;
    expect(Object.keys(f.stages).length).toBe(5);
    for (const [stage, c] of Object.entries(f.stages)) {
      const cell = (field: string) => page.textContent(`#funnel-table tr[data-stage="${stage}"] td[data-field="${field}"]`);
      expect([await cell('in'), await cell('out'), await cell('dropped')]).toEqual([String(c.in), String(c.out), String(c.in - c.out)]);
      for (const [reason, n] of Object.entries(c.dropped)) {
        expect(await page.textContent(`#funnel-table tr[data-stage="${stage}"] [data-reason="${reason}"]`)).toContain(`: ${n}`);
      }
    }
    expect(await page.textContent('#seeds-read')).toBe(String(f.seeds.read));
    expect(await page.textContent('#kept-total')).toBe(String(f.kept));
    expect(await page.textContent('#rejected-total')).toBe(String(f.rejected));
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await page.close();
  });

  it('filtering the sample browser by a drop reason shows exactly the records with that reason', async () => {
    const page = await open(`file://${join(runDir, 'report.html')}`);
    const reasons = Object.values(run.funnel.stages).flatMap((s) => Object.keys(s.dropped));
    expect(reasons.length).toBeGreaterThanOrEqual(2); // judge and analyzer drops: the test compares two different sets
    for (const reason of reasons) {
      await page.selectOption('#filter-reason', reason);
      const expected = rejected.filter((r) => reasonKey(r) === reason).map((r) => r.id);
      expect(expected.length).toBeGreaterThan(0);
      expect((await listedIds(page)).sort()).toEqual(expected.sort());
    }
    await page.selectOption('#filter-reason', '');
    expect((await listedIds(page)).length).toBe(kept.length + rejected.length);

    // A rejected sample's detail says why it was dropped; a kept one's code is highlighted.
    const victim = rejected[0]!;
    await page.click(`#sample-list li[data-id="${victim.id}"]`);
    expect(await page.textContent('#detail-dropped')).toContain(victim.dropped!.reason);
    await page.selectOption('#filter-stage', 'kept');
    expect((await listedIds(page)).sort()).toEqual(kept.map((r) => r.id).sort());
    await page.click(`#sample-list li[data-id="${kept[0]!.id}"]`);
    expect(await page.$$eval('#sample-detail pre code .hljs-keyword', (els) => els.length)).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'report-samples.png'), fullPage: false, clip: (await (await page.$('#samples'))!.boundingBox())! });
    await page.close();
  });

  it('draws the knowledge graph with sigma.js, and hovering a keyword lists its problems', async () => {
    const graph = JSON.parse(readFileSync(join(runDir, 'graph', 'graph.json'), 'utf8')) as { nodes: Array<{ key: string }> };
    expect(graph.nodes.length).toBeGreaterThan(3);
    const page = await open(`file://${join(runDir, 'report.html')}`);
    await page.locator('#knowledge-graph').scrollIntoViewIfNeeded();
    const drawn = await page.evaluate(() => {
      const r = (window as unknown as { __report: { graphs: Record<string, { getGraph(): { nodes(): string[] }; getNodeDisplayData(k: string): unknown }> } }).__report.graphs['knowledge-graph']!;
      return r.getGraph().nodes().filter((k) => r.getNodeDisplayData(k) !== undefined);
    });
    expect(drawn.sort()).toEqual(graph.nodes.map((n) => n.key).sort());

    // Hover the biggest keyword: the panel names it and lists problems.
    const target = await page.evaluate(() => {
      type G = { nodes(): string[]; getNodeAttribute(k: string, a: string): number };
      const r = (window as unknown as { __report: { graphs: Record<string, { getGraph(): G; graphToViewport(p: { x: number; y: number }): { x: number; y: number } }> } }).__report.graphs['knowledge-graph']!;
      const g = r.getGraph();
      const key = g.nodes().sort((a, b) => g.getNodeAttribute(b, 'size') - g.getNodeAttribute(a, 'size'))[0]!;
      return { key, ...r.graphToViewport({ x: g.getNodeAttribute(key, 'x'), y: g.getNodeAttribute(key, 'y') }) };
    });
    const box = (await (await page.$('#knowledge-graph-canvas'))!.boundingBox())!;
    await page.mouse.move(box.x + target.x, box.y + target.y);
    await page.waitForSelector(`#knowledge-graph-panel h3[data-keyword="${target.key}"]`);
    expect(await page.$$eval('#knowledge-graph-panel ol.problems li', (els) => els.length)).toBeGreaterThan(0);
    await (await page.$('#knowledge-graph'))!.screenshot({ path: join(ARTIFACTS, 'report-graph.png') });
    await page.close();
  });
});

describe('instructsmith report RUN_DIR with a small embed cap: samples load from the run directory', () => {
  let lazy: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    lazy = join(runDir, 'lazy.html');
    const bin = join(packageRoot(), 'cli', 'bin.ts');
    const { stdout } = await execa('node', ['--import', 'tsx', bin, 'report', runDir, '--embed', '3', '--out', lazy], { cwd: packageRoot() });
    expect(stdout).toContain(`kept ${run.funnel.kept}, rejected ${run.funnel.rejected}`);
    expect(stdout).toContain('3 embedded');
    server = createServer((req, res) => {
      const name = decodeURIComponent((req.url ?? '/').split('?')[0]!.slice(1));
      if (!['lazy.html', 'samples.jsonl', 'rejected.jsonl'].includes(name)) return void res.writeHead(404).end();
      res.writeHead(200).end(readFileSync(join(runDir, name)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  }, 120_000);

  afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('over http, "load all" fetches samples.jsonl and rejected.jsonl', async () => {
    const page = await open(`http://127.0.0.1:${port}/lazy.html`);
    expect(await page.getAttribute('#sample-count', 'data-matches')).toBe('3');
    await page.click('#load-all');
    await page.waitForFunction((n) => document.getElementById('sample-count')?.dataset.matches === String(n), kept.length + rejected.length);
    await page.close();
  });

  it('over file://, where fetch is refused, the page asks for the files instead', async () => {
    const page = await open(`file://${lazy}`);
    await page.click('#load-all');
    await page.waitForSelector('#load-files', { state: 'visible' });
    await page.setInputFiles('#load-files', [join(runDir, 'samples.jsonl'), join(runDir, 'rejected.jsonl')]);
    await page.waitForFunction((n) => document.getElementById('sample-count')?.dataset.matches === String(n), kept.length + rejected.length);
    await page.close();
  });
});
