import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/load.js';
import type { ConfigInput } from '../../../core/config/schema.js';
import type { SampleRecord } from '../../../core/index.js';
import { runPipeline } from '../../../core/runner/runner.js';
import { builtinPlugins, implicitPlugins } from '../../index.js';
import { startLlmDouble, type LlmDouble } from '../../../test/double/index.js';
import { loadGraph } from './persist.js';
import { CombinationSampler } from './sampler.js';

const HUMANEVAL = resolve(import.meta.dirname, '../../../../shared/data/humaneval/HumanEval.jsonl.gz');
const quiet: { info: (m: string) => void; warn: (m: string) => void; debug: (m: string) => void } = { info: () => {}, warn: () => {}, debug: () => {} };

// A small programming vocabulary with spelling variants, so the double's "extractions" exercise
// normalisation (variants must meet in one node) and give the graph hubs and a long tail.
const TASKS = ['Parse a string', 'parse strings', 'filter a list', 'Filter lists', 'compute a numeric sequence', 'validate input data', 'search a collection', 'transform text', 'count occurrences', 'sort records'];
const INSTRUCTIONS = ['linear time', 'Handle empty input', 'handle empty inputs', 'no external libraries', 'return a new list', 'constant extra space', 'case-insensitive comparison'];
const KNOWLEDGE = ['Hash Maps', 'hashmap', 'list comprehension', 'List Comprehensions', 'recursion', 'string slicing', 'sorting algorithms', 'two pointers', 'modular arithmetic', 'prime numbers', 'dynamic programming', 'DP', 'regular expressions', 'regex', 'stack', 'binary search', 'generator functions', 'set operations', 'character encoding', 'floating-point precision', 'bit manipulation', 'palindromes', 'greedy algorithm', 'matrix traversal'];

const hash = (s: string) => createHash('sha256').update(s).digest().readUInt32BE(0);
const pickFrom = <T>(list: readonly T[], h: number, n: number): T[] => Array.from({ length: n }, (_, i) => list[(h >>> (i * 5)) % list.length] as T);
// Zipf-like pick: low indices (hubs) often, high indices (tail) rarely but surely.
const zipf = <T>(list: readonly T[], h: number, n: number): T[] => Array.from({ length: n }, (_, i) => list[Math.floor(list.length ** (((h >>> (i * 7)) % 1000) / 1000)) - 1] as T);

function script(double: LlmDouble): void {
  double.reply((req) => {
    const h = hash(req.lastUser);
    switch (req.schemaName) {
      case 'reverse_problem': {
        const fn = /def (\w+)/.exec(req.lastUser)?.[1] ?? 'solve';
        return { analysis: `The snippet defines ${fn}.`, problem: `Write a Python function \`${fn}\` that reproduces the behaviour described (problem ${h % 100000}).` };
      }
      case 'rewritten_problem':
        return { problem: `${/Write a Python function `\w+`/.exec(req.lastUser)?.[0] ?? 'Write a function'} and handle invalid input (variant ${h % 1000}).` };
      case 'quality_verdict': {
        // Reverse problems whose hash ends in 0 fail the judge (~10%), backfed problems always pass.
        const backfed = req.lastUser.includes('knowledge-graph problem');
        const s = !backfed && h % 10 === 0 ? 3 : 8;
        const scores = { specificity: s, domain_knowledge: s, complexity: s, problem_solving: s, creativity: s, technical_accuracy: s, practical_application: s };
        return { scores, rationale: 'scripted' };
      }
      case 'backfeeding_keywords':
        return { language: 'python', task: pickFrom(TASKS, h, 1), instruction: pickFrom(INSTRUCTIONS, h >>> 3, 1 + (h % 2)), knowledge: zipf(KNOWLEDGE, h, 2 + (h % 3)) };
      case 'backfeeding_problem': {
        const words = [...req.lastUser.matchAll(/^- (.+)$/gm)].map((m) => m[1]).join(', ');
        return { plan: 'Combine the keywords.', problem: `A knowledge-graph problem: write a Python function combining ${words}.` };
      }
      default:
        if (!req.schemaName) return '```python\ndef solve(values):\n    """Return the values unchanged."""\n    return list(values)\n```\n';
        return undefined;
    }
  });
}

async function run(out: string, double: LlmDouble, extra: ConfigInput = {}, log = quiet) {
  const { config } = await loadConfig({
    cwd: out,
    overrides: { preset: 'infinite-instruct', seeds: HUMANEVAL, model: 'openai:double-model', baseUrl: double.url, out, ...extra },
  });
  return runPipeline({ config, builtins: builtinPlugins, implicit: implicitPlugins, log });
}

function readJsonl(path: string): SampleRecord[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SampleRecord);
}

describe('infinite-instruct preset, both paths, on HumanEval against the LLM double', () => {
  let double: LlmDouble;
  let dir: string;
  beforeAll(async () => {
    double = await startLlmDouble();
    script(double);
    dir = mkdtempSync(join(tmpdir(), 'backfeeding-e2e-'));
  });
  afterAll(async () => {
    await double.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('mixes reverse and backfed samples in the configured ratio, with a funnel that adds up and a saved graph', async () => {
    const out = join(dir, 'run');
    const result = await run(out, double);
    expect(result.status).toBe('complete');

    const kept = readJsonl(join(out, 'samples.jsonl'));
    const rejected = readJsonl(join(out, 'rejected.jsonl'));
    const reverse = kept.filter((r) => r.lineage.strategy === 'strategy:reverse');
    const backfed = kept.filter((r) => r.lineage.strategy === 'strategy:backfeeding');
    const reverseRejected = rejected.filter((r) => r.lineage.strategy === 'strategy:reverse');
    expect(reverse.length + reverseRejected.length).toBe(164);
    expect(reverseRejected.length).toBeGreaterThan(0);
    // ratio 0.5 of the kept reverse problems, and the double's judge passes every backfed problem.
    expect(backfed.length).toBe(Math.round(0.5 * reverse.length));

    // Funnel: every seed of both passes accounted for, each stage's out is the next one's in.
    const f = result.funnel;
    expect(f.seeds.read).toBe(164 + backfed.length);
    expect(f.kept).toBe(kept.length);
    expect(f.rejected).toBe(rejected.length);
    // A seed with no instruction is a drop at `synthesized`, so every record entered that stage.
    expect(f.stages.synthesized.in).toBe(kept.length + rejected.length);
    expect(f.stages.synthesized.out).toBe(f.stages.judged.in);
    expect(f.stages.judged.out).toBe(f.stages.responded.in);
    expect(f.stages.responded.out).toBe(f.stages.verified.in);
    expect(f.stages.verified.out).toBe(f.stages.filtered.in);
    expect(f.stages.filtered.out).toBe(f.kept);
    expect(f.stages.judged.dropped).toEqual({ 'judge:quality/below_threshold': reverseRejected.filter((r) => r.dropped!.stage === 'judged').length });
    // The other reverse drops are the planted pylint errors and near-copies the scripted model wrote (dedup).
    for (const r of reverseRejected.filter((x) => x.dropped!.stage !== 'judged')) expect(['analyzer:python', 'filter:dedup']).toContain(r.dropped!.plugin);

    // Backfed records carry keywords, triples and graph provenance, and point at kept reverse problems.
    const reverseIds = new Set(reverse.map((r) => r.id));
    for (const r of backfed) {
      const d = r.lineage.details as { keywords: Array<{ kind: string }>; triples: unknown[]; provenance: string[] };
      expect(d.keywords.length).toBeGreaterThanOrEqual(3);
      expect(d.keywords.length).toBeLessThanOrEqual(5);
      expect(d.triples).toHaveLength(d.keywords.length - 1);
      expect(d.provenance.length).toBeGreaterThan(0);
      for (const id of d.provenance) expect(reverseIds.has(id)).toBe(true);
      expect(r.lineage.parentIds).toEqual(d.provenance);
      expect(r.lineage.generation).toBe(1);
      expect(r.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(r.scores[0]?.passed).toBe(true);
    }
    expect(new Set(backfed.map((r) => r.lineage.seedId)).size).toBe(backfed.length);

    // The graph: saved in every format, variants merged, one node per concept.
    for (const f of ['graph.json', 'graph.gexf', 'stats.json', 'graph.svg', 'extraction.json']) expect(existsSync(join(out, 'graph', f))).toBe(true);
    const graph = loadGraph(out);
    expect(graph.getAttribute('problems')).toBe(reverse.length);
    expect(graph.hasNode('knowledge:hash map')).toBe(true);
    expect(graph.hasNode('knowledge:hashmap')).toBe(false);
    expect(graph.hasNode('knowledge:dynamic programming')).toBe(true);
    expect(graph.hasNode('knowledge:dp')).toBe(false);
    expect(graph.getNodeAttribute('knowledge:hash map', 'variants').sort()).toEqual(['Hash Maps', 'hashmap']);
    const stats = JSON.parse(readFileSync(join(out, 'graph', 'stats.json'), 'utf8'));
    expect(stats.nodes).toBe(graph.order);
    expect(stats.communities.count).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'graph', 'graph.gexf'), 'utf8')).toContain('<gexf');
  }, 240_000);

  it('builds the same graph and samples whether keywords are extracted during the first pass or after it, each problem once', async () => {
    const made: Record<string, { graph: string; extraction: string; samples: string; extractions: number; reverseKept: number; interleaved: boolean; fromPass: boolean }> = {};
    for (const earlyExtraction of [true, false]) {
      const out = join(dir, `early-${earlyExtraction}`);
      double.reset();
      script(double);
      const info: string[] = [];
      const result = await run(out, double, { limit: 60, plugins: { 'strategy:backfeeding': { earlyExtraction } } }, { ...quiet, info: (m: string) => void info.push(m) });
      expect(result.status).toBe('complete');
      const reverseKept = readJsonl(join(out, 'samples.jsonl')).filter((r) => r.lineage.strategy === 'strategy:reverse').length;
      const requests = double.chatRequests().map((r) => r.schemaName);
      made[String(earlyExtraction)] = {
        graph: readFileSync(join(out, 'graph', 'graph.json'), 'utf8'),
        extraction: readFileSync(join(out, 'graph', 'extraction.json'), 'utf8'),
        // Some problem's keywords were asked for before the first pass wrote its last reverse problem.
        interleaved: requests.indexOf('backfeeding_keywords') < requests.lastIndexOf('reverse_problem'),
        fromPass: info.some((m) => m.includes(`keywords of ${reverseKept} kept problems extracted during the first pass`)),
        samples: readFileSync(join(out, 'samples.jsonl'), 'utf8'),
        extractions: double.chatRequests().filter((r) => r.schemaName === 'backfeeding_keywords').length,
        reverseKept,
      };
    }
    const [early, after] = [made.true!, made.false!];
    expect(early.reverseKept).toBeGreaterThan(20);
    expect(early.interleaved).toBe(true);
    expect(after.interleaved).toBe(false);
    // The graph built during the pass was used, not rebuilt from the run directory.
    expect(early.fromPass).toBe(true);
    expect(after.fromPass).toBe(false);
    expect(early.extraction).toBe(after.extraction);
    expect(early.extractions).toBe(early.reverseKept);
    expect(after.extractions).toBe(after.reverseKept);
    expect(early.graph).toBe(after.graph);
    expect(early.samples).toBe(after.samples);
  }, 240_000);

  it('reuses a saved graph without extracting keywords again', async () => {
    const out = join(dir, 'reuse');
    double.reset();
    script(double);
    const result = await run(out, double, { limit: 20, plugins: { 'strategy:backfeeding': { graph: join(dir, 'run'), seed: 7 } } });
    expect(result.status).toBe('complete');
    expect(double.chatRequests().filter((r) => r.schemaName === 'backfeeding_keywords')).toHaveLength(0);
    const kept = readJsonl(join(out, 'samples.jsonl'));
    const reverse = kept.filter((r) => r.lineage.strategy === 'strategy:reverse').length;
    expect(kept.filter((r) => r.lineage.strategy === 'strategy:backfeeding')).toHaveLength(Math.round(0.5 * reverse));
    expect(loadGraph(out).order).toBe(loadGraph(join(dir, 'run')).order);
    // The reused graph still samples connected combinations.
    expect(new CombinationSampler(loadGraph(out), 'python').next()).toBeDefined();
  }, 120_000);
});
