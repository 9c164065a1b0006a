/**
 * The unbiased pass@k estimator of Chen et al. 2021, "Evaluating Large Language Models Trained on
 * Code" (arXiv 2107.03374), section 2.1: with n samples of a problem of which c pass,
 * pass@k = 1 - C(n - c, k) / C(n, k), averaged over problems.
 */

/**
 * pass@k of one problem: the probability that at least one of k samples drawn without replacement
 * from the n generated passes, in the paper's numerically stable product form
 * 1 - prod_{i = n-c+1}^{n} (1 - k / i) (no binomial coefficient is ever formed, so n = 200 is exact
 * to double precision).
 * @param n samples generated (>= 1), @param c of them passing (0..n), @param k samples drawn (1..n)
 * @returns a value in [0, 1]; 1 when fewer than k samples fail (n - c < k)
 * @throws RangeError when the counts are not whole numbers with 0 <= c <= n and 1 <= k <= n
 */
export function passAtK(n: number, c: number, k: number): number {
  if (![n, c, k].every(Number.isInteger) || n < 1 || c < 0 || c > n || k < 1 || k > n) {
    throw new RangeError(`pass@k needs whole numbers with 0 <= c <= n and 1 <= k <= n; got n=${n}, c=${c}, k=${k}`);
  }
  if (n - c < k) return 1;
  let fail = 1;
  for (let i = n - c + 1; i <= n; i++) fail *= 1 - k / i;
  return 1 - fail;
}

/**
 * The benchmark's pass@k: the mean of {@link passAtK} over problems, each with its own n and c.
 * @returns undefined for no problems; @throws RangeError when some problem has fewer than k samples
 */
export function meanPassAtK(problems: readonly { n: number; c: number }[], k: number): number | undefined {
  if (problems.length === 0) return undefined;
  let sum = 0;
  for (const p of problems) sum += passAtK(p.n, p.c, k);
  return sum / problems.length;
}
