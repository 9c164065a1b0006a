import { createRng, randomInt } from './rng.js';
import type { KeywordKind, ProblemKeywords } from './types.js';

/** Shape of a synthetic keyword corpus (tests and `test/bench/graph.bench.ts`). */
export interface SyntheticCorpus {
  /** Distinct keywords available. */
  keywords: number;
  /** Topical clusters the keywords are split into. */
  clusters: number;
  /** Keywords per problem. */
  perProblem: number;
  /** Chance that a keyword is drawn from outside the problem's cluster. */
  noise: number;
  languages: string[];
  seed: number;
}

/**
 * An endless, deterministic stream of problems whose keywords look like real extractions: keywords
 * belong to clusters (topics), popularity inside a cluster is Zipf-like (a few hubs, a long tail),
 * and a little noise links clusters. Keyword i has kind task/instruction/knowledge for i mod 10 in
 * 0-2 / 3-5 / 6-9. Not a model of any dataset; a load with the right shape for benchmarks and tests.
 */
export function* syntheticProblems(corpus: SyntheticCorpus): Generator<ProblemKeywords> {
  const rng = createRng(corpus.seed);
  const perCluster = Math.max(1, Math.floor(corpus.keywords / corpus.clusters));
  // Zipf(1) over a cluster by inverse transform on the harmonic CDF, approximated by exp(u·ln n).
  const zipf = (n: number) => Math.min(n - 1, Math.floor(Math.exp(rng() * Math.log(n + 1))) - 1);
  for (let p = 0; ; p++) {
    const cluster = randomInt(rng, corpus.clusters);
    const chosen = new Set<number>();
    let guard = 0;
    while (chosen.size < corpus.perProblem && guard++ < corpus.perProblem * 20) {
      const c = rng() < corpus.noise ? randomInt(rng, corpus.clusters) : cluster;
      chosen.add(c * perCluster + zipf(perCluster));
    }
    yield {
      problemId: `p${p}`,
      language: corpus.languages[p % corpus.languages.length] as string,
      keywords: [...chosen].map((i) => ({ kind: kindFor(i), canonical: `k${i}`, surface: `k${i}` })),
    };
  }
}

function kindFor(i: number): KeywordKind {
  const r = i % 10;
  return r < 3 ? 'task' : r < 6 ? 'instruction' : 'knowledge';
}
