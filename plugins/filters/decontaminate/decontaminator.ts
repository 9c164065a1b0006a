import type { SampleRecord } from '../../../core/index.js';
import { recordTexts } from '../text.js';
import { readBenchmark, type BenchmarkText } from './benchmarks.js';
import { ContaminationMatcher, type Contamination } from './matcher.js';
import type { DecontaminateOptions } from './options.js';

/** A contamination and the turn it was found in. */
export interface Finding extends Contamination {
  where: 'instruction' | 'response';
}

/** Loaded benchmarks and the matcher over them. */
export interface Decontaminator {
  loaded: { name: string; file: string; items: number; texts: number }[];
  /** Optional benchmarks whose file is absent (nothing is checked against them). */
  missing: string[];
  matcher: ContaminationMatcher;
  check(record: Pick<SampleRecord, 'messages'>): Finding | undefined;
}

/**
 * Read the benchmarks the options name and build the matcher.
 * @throws InputError for a required benchmark file that is missing or malformed (naming file and line)
 */
export function createDecontaminator(options: DecontaminateOptions): Decontaminator {
  const texts: BenchmarkText[] = [];
  const loaded: Decontaminator['loaded'] = [];
  const missing: string[] = [];
  for (const spec of options.benchmarks) {
    const b = readBenchmark(spec);
    if (!b) {
      missing.push(spec.path);
      continue;
    }
    texts.push(...b.texts);
    loaded.push({ name: b.name, file: b.file, items: b.items, texts: b.texts.length });
  }
  const matcher = new ContaminationMatcher(texts, { substring: options.substring, minChars: options.minChars, ngram: options.ngram, n: options.n, threshold: options.threshold });
  return {
    loaded,
    missing,
    matcher,
    check(record) {
      const t = recordTexts(record);
      for (const where of options.check) {
        const found = matcher.find(t[where]);
        if (found) return { ...found, where };
      }
      return undefined;
    },
  };
}

/** `response contains HumanEval item HumanEval/2 solution (substring): "return number % 1.0"`. */
export function describeFinding(f: Finding): string {
  const how = f.method === 'substring' ? 'substring' : `${Math.round(f.overlap * 100)}% of its n-grams`;
  return `${f.where} contains ${f.benchmark} item ${f.item} ${f.field} (${how}): ${JSON.stringify(f.span.length > 120 ? `${f.span.slice(0, 119)}…` : f.span)}`;
}
