import { describe, expect, it } from 'vitest';
import { jsDivergence, selectByDistribution, tagDistribution } from './distribution.js';

const dist = (o: Record<string, number>) => new Map(Object.entries(o));

describe('tagDistribution', () => {
  it('counts each distinct tag of a row once and normalises by all tag occurrences', () => {
    const d = tagDistribution([['a', 'b'], ['a', 'a'], [], ['c']]);
    expect(Object.fromEntries(d)).toEqual({ a: 2 / 4, b: 1 / 4, c: 1 / 4 });
  });
  it('is empty without tags', () => {
    expect(tagDistribution([[], []]).size).toBe(0);
  });
});

describe('jsDivergence (base 2)', () => {
  it('is 0 for identical distributions and 1 for disjoint ones', () => {
    const p = dist({ a: 0.5, b: 0.3, c: 0.2 });
    expect(jsDivergence(p, new Map(p))).toBeCloseTo(0, 12);
    expect(jsDivergence(dist({ a: 0.5, b: 0.5 }), dist({ c: 0.9, d: 0.1 }))).toBeCloseTo(1, 12);
  });
  it('matches the closed form for a half-overlap and is symmetric', () => {
    // P = (1, 0), Q = (½, ½): M = (¾, ¼); JS = ½·log2(4/3) + ½·(½·log2(2/3) + ½·log2(2)).
    const expected = 0.5 * Math.log2(4 / 3) + 0.5 * (0.5 * Math.log2(2 / 3) + 0.5);
    const p = dist({ a: 1 });
    const q = dist({ a: 0.5, b: 0.5 });
    expect(jsDivergence(p, q)).toBeCloseTo(expected, 12);
    expect(jsDivergence(q, p)).toBeCloseTo(expected, 12);
  });
  it('treats an empty distribution as disjoint from a non-empty one', () => {
    expect(jsDivergence(new Map(), dist({ a: 1 }))).toBe(1);
    expect(jsDivergence(new Map(), new Map())).toBe(0);
  });
});

describe('selectByDistribution', () => {
  // A pool skewed 80/20 towards "a", a target that wants a, b, c equally.
  const pool: string[][] = [];
  for (let i = 0; i < 100; i++) pool.push(i % 5 === 0 ? ['b'] : i % 7 === 0 ? ['c', 'a'] : ['a']);
  pool.push(['c'], ['c'], ['c'], ['b', 'c'], []);
  const target = dist({ a: 1 / 3, b: 1 / 3, c: 1 / 3 });

  it('reduces the divergence from the target on a skewed pool', () => {
    const chosen = selectByDistribution(pool, target, 30);
    const before = jsDivergence(target, tagDistribution(pool));
    const after = jsDivergence(target, tagDistribution(chosen.map((i) => pool[i]!)));
    expect(chosen).toHaveLength(30);
    expect(before).toBeGreaterThan(0.05);
    expect(after).toBeLessThan(before / 5);
    // The rare tag reaches its third of the selection although it is under a tenth of the pool's tags.
    expect(tagDistribution(pool).get('c')!).toBeLessThan(0.15);
    expect(tagDistribution(chosen.map((i) => pool[i]!)).get('c')!).toBeGreaterThan(0.3);
  });

  it('is deterministic, in pool order, never picks a row twice nor an untagged row', () => {
    const a = selectByDistribution(pool, target, 40);
    expect(selectByDistribution(pool, target, 40)).toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(new Set(a).size).toBe(a.length);
    expect(a).not.toContain(104);
  });

  it('breaks ties by pool order and stops when the tagged rows run out', () => {
    expect(selectByDistribution([['a'], ['a'], ['a']], dist({ a: 1 }), 2)).toEqual([0, 1]);
    expect(selectByDistribution([['a'], [], ['b']], dist({ a: 1 }), 5)).toEqual([0, 2]);
  });

  it('prefers rows with target tags over rows with tags the target lacks', () => {
    expect(selectByDistribution([['x'], ['y'], ['a'], ['x', 'a']], dist({ a: 1 }), 1)).toEqual([2]);
  });
});
