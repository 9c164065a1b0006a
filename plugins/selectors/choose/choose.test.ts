import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, type Seed, type SelectContext } from '../../../core/index.js';
import { longTailCutoff } from './criteria.js';
import { chooseOptions, chooseSeeds, type ChooseOptions } from './choose.js';
import type { Hardness, HardnessMeter } from './ifd.js';

function seed(id: string, tags?: string[]): Seed {
  return { id, language: 'text', code: `instruction ${id}`, source: { path: 'pool.jsonl', line: Number(id.replace(/\D/g, '')) || 1 }, kind: 'record', meta: {}, ...(tags ? { label: { ability_en: tags } } : {}) };
}

async function* stream(seeds: Seed[]): AsyncGenerator<Seed> {
  for (const s of seeds) yield s;
}

/** A SelectContext as the runner gives one: drops and reports recorded. */
function context() {
  const dir = mkdtempSync(join(tmpdir(), 'choose-'));
  const dropped: { seed: Seed; reason: string; category?: string }[] = [];
  let report: Record<string, unknown> = {};
  const sctx: SelectContext = {
    signal: new AbortController().signal,
    dryRun: false,
    dir: () => dir,
    drop: (s, reason, category) => void dropped.push({ seed: s, reason, category }),
    report: (values) => void (report = { ...report, ...values }),
  };
  return { sctx, dropped, dir, report: () => report };
}

/** A hardness meter with fixed values per seed id; measures counted, and answered in reverse order of arrival. */
function fixedHardness(values: Record<string, Hardness>, method = 'ifd (prompt logprobs)') {
  const measured: string[] = [];
  const meter = {
    method: () => method,
    measure: async (s: Seed) => {
      measured.push(s.id);
      await new Promise((r) => setTimeout(r, 10 - Math.min(9, measured.length)));
      return values[s.id] ?? { kind: 'none', why: 'unknown' };
    },
  } as unknown as HardnessMeter;
  return { meter, measured };
}

const ifd = (v: number): Hardness => ({ kind: 'ifd', value: { ifd: v, conditionedLoss: v, directLoss: 1, tokens: 3 } });

async function run(seeds: Seed[], options: Record<string, unknown>, hardness?: HardnessMeter) {
  const c = context();
  const parsed: ChooseOptions = chooseOptions.parse(options);
  const out: Seed[] = [];
  for await (const s of chooseSeeds(stream(seeds), c.sctx, parsed, hardness)) out.push(s);
  return { selected: out.map((s) => s.id), dropped: c.dropped, report: c.report(), dir: c.dir };
}

describe('selector:choose criteria', () => {
  it('minAbilities: keeps seeds with at least n distinct level-1 tags, drops the others as not_chosen', async () => {
    const r = await run([seed('s1', ['a']), seed('s2', ['a', 'b']), seed('s3', ['a', 'a']), seed('s4', ['a', 'b', 'c'])], { minAbilities: 2 });
    expect(r.selected).toEqual(['s2', 's4']);
    expect(r.dropped.map((d) => [d.seed.id, d.category, d.reason])).toEqual([
      ['s1', 'not_chosen', 'not chosen (needs any of 1 criteria): abilities 1 < 2'],
      ['s3', 'not_chosen', 'not chosen (needs any of 1 criteria): abilities 1 < 2'],
    ]);
    expect(r.report).toMatchObject({ read: 4, chosen: 2, dropped: 2, chosenBy: { abilities: 2 } });
  });

  it('longTail quantile: counts tags over every seed first (buffered on disk), keeps seeds with a rare tag, in input order', async () => {
    const seeds = [
      ...Array.from({ length: 6 }, (_, i) => seed(`c${i}`, ['common'])),
      seed('r1', ['common', 'rare']),
      seed('m1', ['mid']),
      seed('m2', ['mid']),
      seed('m3', ['mid', 'common']),
    ];
    // Tag counts: common 7, mid 3, rare 1. Bottom 0.33 (nearest rank ceil(0.99) = 1 of 3): cutoff 1.
    const r = await run(seeds, { longTail: { quantile: 0.33 } });
    expect(r.selected).toEqual(['r1']);
    expect(r.report).toMatchObject({ read: 10, chosen: 1, longTail: { tags: 3, cutoff: 1, quantile: 0.33 } });
    expect(r.dropped.find((d) => d.seed.id === 'm1')!.reason).toBe('not chosen (needs any of 1 criteria): long-tail: rarest tag "mid" in 3 seeds > cutoff 1');
    expect(existsSync(join(r.dir, 'buffer.jsonl'))).toBe(true);
    const wider = await run(seeds, { longTail: { maxCount: 3 } });
    expect(wider.selected).toEqual(['r1', 'm1', 'm2', 'm3']);
  });

  it('the nearest-rank quantile cutoff includes ties', () => {
    const counts = new Map([['a', 1], ['b', 1], ['c', 5], ['d', 9]]);
    expect(longTailCutoff(counts, { quantile: 0.25 })).toBe(1);
    expect(longTailCutoff(counts, { quantile: 0.75 })).toBe(5);
    expect(longTailCutoff(counts, { quantile: 1 })).toBe(9);
    expect(longTailCutoff(new Map(), { quantile: 0.5 })).toBe(0);
  });

  it('hard: IFD in [minIfd, maxIfd); IFD >= maxIfd is a misaligned pair, not hard', async () => {
    const h = fixedHardness({ s1: ifd(0.9), s2: ifd(0.5), s3: ifd(1.2), s4: { kind: 'none', why: 'no response to score' } });
    const r = await run([seed('s1'), seed('s2'), seed('s3'), seed('s4')], { hard: { minIfd: 0.7 } }, h.meter);
    expect(r.selected).toEqual(['s1']);
    expect(r.dropped.map((d) => d.reason)).toEqual([
      'not chosen (needs any of 1 criteria): hard: IFD 0.5 < 0.7',
      'not chosen (needs any of 1 criteria): hard: IFD 1.2 >= 1 (instruction does not help: misaligned)',
      'not chosen (needs any of 1 criteria): hard: not measured (no response to score)',
    ]);
    expect(r.report).toMatchObject({ hardness: 'ifd (prompt logprobs)', measured: 4 });
  });

  it('hard in the fallback: a rating >= minRating, the method named in the report', async () => {
    const fallback = 'llm-rating (fallback: endpoint has no prompt logprobs)';
    const h = fixedHardness({ s1: { kind: 'rating', value: 8, reason: 'x' }, s2: { kind: 'rating', value: 3, reason: 'y' } }, fallback);
    const r = await run([seed('s1'), seed('s2')], { hard: { minRating: 7 } }, h.meter);
    expect(r.selected).toEqual(['s1']);
    expect(r.dropped[0]!.reason).toBe('not chosen (needs any of 1 criteria): hard: rating 3 < 7 (llm-rating fallback)');
    expect(r.report.hardness).toBe(fallback);
  });

  it('combine any: hardness is measured only for seeds the label criteria did not choose; the reason lists every criterion', async () => {
    const h = fixedHardness({ s2: ifd(0.8), s3: ifd(0.2) });
    const r = await run([seed('s1', ['a', 'b']), seed('s2', ['a']), seed('s3', ['a'])], { minAbilities: 2, hard: {} }, h.meter);
    expect(r.selected).toEqual(['s1', 's2']);
    expect(h.measured).toEqual(['s2', 's3']);
    expect(r.dropped[0]!.reason).toBe('not chosen (needs any of 2 criteria): abilities 1 < 2; hard: IFD 0.2 < 0.7');
    expect(r.report).toMatchObject({ chosenBy: { abilities: 1, hard: 1 }, measured: 2 });
  });

  it('combine all: every configured criterion must hold; no measurement once one failed', async () => {
    const h = fixedHardness({ s1: ifd(0.8), s2: ifd(0.3) });
    const r = await run([seed('s1', ['a', 'b']), seed('s2', ['a', 'b']), seed('s3', ['a'])], { minAbilities: 2, hard: {}, combine: 'all' }, h.meter);
    expect(r.selected).toEqual(['s1']);
    expect(h.measured).toEqual(['s1', 's2']);
    expect(r.dropped.map((d) => d.reason)).toEqual([
      'not chosen (needs all of 2 criteria): abilities 2 >= 2; hard: IFD 0.3 < 0.7',
      'not chosen (needs all of 2 criteria): abilities 1 < 2; hard: not measured (another criterion failed)',
    ]);
  });

  it('keeps input order when measurements finish out of order (concurrency)', async () => {
    const values = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`s${i}`, ifd(i % 2 ? 0.8 : 0.1)]));
    const h = fixedHardness(values);
    const r = await run(Array.from({ length: 9 }, (_, i) => seed(`s${i}`)), { hard: {}, concurrency: 4 }, h.meter);
    expect(r.selected).toEqual(['s1', 's3', 's5', 's7']);
    expect(r.dropped.map((d) => d.seed.id)).toEqual(['s0', 's2', 's4', 's6', 's8']);
  });

  it('a seed without label under a label criterion is a misorder: ConfigError naming selector:tag and the seed', async () => {
    const err = await run([seed('s1', ['a']), seed('s7')], { minAbilities: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/selector:choose needs selector:tag before it: seed s7 \(pool\.jsonl:7\) has no label/);
    // Hardness alone needs no label.
    const h = fixedHardness({ s7: ifd(0.8) });
    expect((await run([seed('s7')], { hard: {} }, h.meter)).selected).toEqual(['s7']);
  });

  it('longTail refuses more seeds than maxSeeds with a ConfigError naming the key', async () => {
    const err = await run([seed('s1', ['a']), seed('s2', ['a']), seed('s3', ['b'])], { longTail: { maxCount: 1, maxSeeds: 2 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/longTail\.maxSeeds/);
  });

  it('options: at least one criterion; longTail takes exactly one of quantile and maxCount', () => {
    expect(chooseOptions.safeParse({}).error?.issues[0]?.message).toMatch(/at least one criterion/);
    expect(chooseOptions.safeParse({ longTail: { quantile: 0.2, maxCount: 3 } }).success).toBe(false);
    expect(chooseOptions.safeParse({ longTail: {} }).success).toBe(false);
    expect(chooseOptions.parse({ hard: {} })).toMatchObject({ combine: 'any', hard: { minIfd: 0.7, maxIfd: 1, minRating: 7 } });
  });
});
