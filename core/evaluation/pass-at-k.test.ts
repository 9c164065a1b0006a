import { describe, expect, it } from 'vitest';
import { meanPassAtK, passAtK } from './pass-at-k.js';

/** C(n, k) by the multiplicative formula, for checking the product form against the definition. */
function binom(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

describe('passAtK (Chen et al. 2021, section 2.1)', () => {
  it('matches hand-computed values', () => {
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 12);
    // 1 - C(7,5)/C(10,5) = 1 - 21/252 = 0.91666...
    expect(passAtK(10, 3, 5)).toBeCloseTo(1 - 21 / 252, 12);
    expect(passAtK(10, 3, 5)).toBeCloseTo(0.9167, 4);
    expect(passAtK(10, 0, 1)).toBe(0);
    expect(passAtK(10, 0, 10)).toBe(0);
    // n - c < k: every draw of k holds a passing sample
    expect(passAtK(10, 8, 3)).toBe(1);
    expect(passAtK(1, 1, 1)).toBe(1);
  });

  it('equals 1 - C(n-c,k)/C(n,k) over a grid, and stays exact at n = 200', () => {
    for (let n = 1; n <= 20; n++) for (let c = 0; c <= n; c++) for (let k = 1; k <= n; k++) {
      expect(passAtK(n, c, k)).toBeCloseTo(1 - binom(n - c, k) / binom(n, k), 10);
    }
    // C(200, 100) is about 9e58: the ratio form would lose nothing here, but the product form never forms it.
    expect(passAtK(200, 1, 100)).toBeCloseTo(0.5, 12);
    expect(passAtK(200, 2, 100)).toBeCloseTo(1 - (100 * 99) / (200 * 199), 12);
  });

  it('refuses counts outside the estimator', () => {
    expect(() => passAtK(10, 11, 1)).toThrow(RangeError);
    expect(() => passAtK(10, 3, 11)).toThrow(/1 <= k <= n/);
    expect(() => passAtK(0, 0, 1)).toThrow(RangeError);
    expect(() => passAtK(10, 1.5, 1)).toThrow(RangeError);
  });

  it('averages over problems', () => {
    expect(meanPassAtK([{ n: 10, c: 3 }, { n: 10, c: 0 }, { n: 10, c: 10 }], 1)).toBeCloseTo((0.3 + 0 + 1) / 3, 12);
    expect(meanPassAtK([], 1)).toBeUndefined();
  });
});
