import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRecord, type DerivedSeedQuery, type Dropped, type SampleRecord, type Seed } from '../../../core/index.js';
import { createHarness, derivedSeedQuery, MockModel, type MockRequest } from '../../../core/testing/index.js';
import plugin, { backfeedingOptions } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'backfeeding-plugin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KNOWLEDGE = ['hash map', 'recursion', 'stack', 'queue', 'heap', 'binary search', 'regex', 'generator', 'closure', 'set'];

// Extraction replies depend on the problem in the rendered prompt (a "broken" one gets a reply that
// does not validate); reconstruction echoes every keyword the prompt lists.
function keywordModel(): MockModel {
  return new MockModel()
    .reply({ schema: 'backfeeding_keywords' }, (req: MockRequest) => {
      const problem = /<problem>\n([\s\S]*?)\n<\/problem>/.exec(req.lastUser)?.[1] ?? '';
      if (problem.includes('broken')) return { language: 'python' };
      const n = Number(/\d+/.exec(problem)?.[0] ?? 0);
      return { language: 'python', task: [`task ${n % 4}`], instruction: [`rule ${n % 3}`], knowledge: [KNOWLEDGE[n % 10]!, KNOWLEDGE[(n * 3 + 1) % 10]!] };
    })
    .reply({ schema: 'backfeeding_problem' }, (req: MockRequest) => {
      const words = [...req.lastUser.matchAll(/^- ([^(].*)$/gm)].map((m) => m[1]);
      return { plan: 'fit them', problem: `Write a function that uses ${words.join(', ')}.` };
    });
}

function records(n: number): SampleRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const seed: Seed = { id: `s${i}`, language: 'python', code: 'x', source: { path: 'he.jsonl', line: i + 1 }, kind: 'record', meta: {} };
    const r = createRecord({ seed, strategy: 'strategy:reverse', messages: [{ role: 'user', content: i === 3 ? 'a broken problem' : `problem number ${i}` }] });
    r.scores = [{ judge: 'judge:quality', model: 'm', score: 8, threshold: 6, passed: true, dimensions: {}, judgments: 3 }];
    return r;
  });
}

async function setup(options: Record<string, unknown>, runDir: string) {
  const warnings: string[] = [];
  const log = { info: () => {}, warn: (m: string) => warnings.push(m), debug: () => {} };
  const h = await createHarness([[plugin, options]], { model: keywordModel(), runDir, log });
  return { hooks: h.hooks, harness: h, warnings };
}

function drop(r: SampleRecord, dropped: Dropped): SampleRecord {
  r.dropped = dropped;
  return r;
}

function query(runDir: string, kept: SampleRecord[], rejected: SampleRecord[], phase = 1): DerivedSeedQuery {
  return derivedSeedQuery(phase, runDir, kept, rejected);
}

async function collect(it: AsyncIterable<Seed> | undefined): Promise<Seed[]> {
  const out: Seed[] = [];
  for await (const s of it ?? []) out.push(s);
  return out;
}

describe('strategy:backfeeding plugin', () => {
  it('turns kept problems into round(ratio × problems) derived seeds, deterministically, only after phase 1', async () => {
    const runDir = join(dir, 'a');
    const { hooks, warnings } = await setup({ ratio: 0.5 }, runDir);
    const kept = records(40);
    const seeds = await collect(await hooks.derivedSeeds.promise(query(runDir, kept, [])));
    expect(seeds).toHaveLength(20);
    expect(new Set(seeds.map((s) => s.id)).size).toBe(20);
    for (const s of seeds) {
      expect(s.kind).toBe('derived');
      expect(s.code).toMatch(/^language: python\ntask: /);
      expect((s.meta.backfeeding as { keywords: unknown[] }).keywords.length).toBeGreaterThanOrEqual(3);
    }
    // The broken record is reported, not silently lost.
    expect(warnings.some((w) => w.includes(kept[3]!.id) && w.includes('did not validate'))).toBe(true);
    const extraction = JSON.parse(readFileSync(join(runDir, 'graph', 'extraction.json'), 'utf8'));
    expect(extraction).toMatchObject({ records: 40, added: 39, failed: [{ id: kept[3]!.id }] });
    for (const f of ['graph.json', 'graph.gexf', 'stats.json', 'graph.svg']) expect(existsSync(join(runDir, 'graph', f))).toBe(true);

    // A resumed run asks again: same seeds in the same order.
    const again = await collect(await hooks.derivedSeeds.promise(query(runDir, kept, [])));
    expect(again.map((s) => s.id)).toEqual(seeds.map((s) => s.id));
    expect(await hooks.derivedSeeds.promise(query(runDir, kept, [], 2))).toBeUndefined();
  });

  it('writes a problem only for its own seeds, keeping keywords and provenance', async () => {
    const runDir = join(dir, 'b');
    const { hooks, harness } = await setup({ ratio: 0.25 }, runDir);
    const kept = records(20);
    const [seed] = await collect(await hooks.derivedSeeds.promise(query(runDir, kept, [])));
    const [record] = await harness.synthesize(seed!);
    expect(record!.dropped).toBeUndefined();
    expect(record!.stage).toBe('synthesized');
    expect(record!.lineage.strategy).toBe('strategy:backfeeding');
    expect(record!.messages[0]!.content).toMatch(/^Write a function that uses /);
    const details = record!.lineage.details as { keywords: Array<{ keyword: string }>; provenance: string[] };
    for (const k of details.keywords) expect(record!.messages[0]!.content).toContain(k.keyword);
    expect(details.provenance.every((id) => kept.some((r) => r.id === id))).toBe(true);
    const plain: Seed = { id: 'x', language: 'python', code: 'def f(): pass', source: { path: 'a.py' }, kind: 'function', meta: {} };
    expect(await harness.synthesize(plain)).toEqual([]);
  });

  it('with from: judged, also learns from problems dropped after passing the judge', async () => {
    const runDir = join(dir, 'c');
    const { hooks } = await setup({ ratio: 1, from: 'judged' }, runDir);
    const all = records(30);
    const kept = all.slice(0, 20);
    const afterJudge = all.slice(20, 25).map((r) => drop(r, { stage: 'verified', plugin: 'analyzer:python', reason: 'python: E0602 undefined-variable', category: 'E0602' }));
    const failedJudge = all.slice(25).map((r) => {
      r.scores = [{ ...r.scores[0]!, passed: false, score: 3 }];
      return drop(r, { stage: 'judged', plugin: 'judge:quality', reason: 'score 3 < 6', category: 'below_threshold' });
    });
    const seeds = await collect(await hooks.derivedSeeds.promise(query(runDir, kept, [...afterJudge, ...failedJudge])));
    const stats = JSON.parse(readFileSync(join(runDir, 'graph', 'stats.json'), 'utf8'));
    // 20 kept + 5 dropped after the judge; record 3's extraction fails, the 5 judge failures never enter.
    expect(JSON.parse(readFileSync(join(runDir, 'graph', 'extraction.json'), 'utf8')).records).toBe(25);
    expect(stats.problems).toBe(24);
    expect(seeds.length).toBeLessThanOrEqual(25);
    expect(seeds.length).toBeGreaterThan(0);
  });

  it('rejects bad options with the key', () => {
    expect(() => backfeedingOptions.parse({ keywordsPerProblem: { min: 5, max: 3 } })).toThrow(/keywordsPerProblem.max/);
    expect(() => backfeedingOptions.parse({ ratio: -1 })).toThrow();
    expect(() => backfeedingOptions.parse({ keywordsPerProblm: {} })).toThrow(/keywordsPerProblm/);
  });
});
