/**
 * filter:decontaminate (issue #11): samples/s against HumanEval plus a synthetic 1,000-item
 * benchmark file, with 1 sample in 100 holding a benchmark solution. Measures only.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32, packageRoot } from '../../core/index.js';
import { createDecontaminator } from '../../plugins/filters/decontaminate/decontaminator.js';
import { decontaminateOptions } from '../../plugins/filters/decontaminate/options.js';
import { baseText } from './dedup-synthetic.js';

export default async function bench(log: (line: string) => void): Promise<void> {
  decontamination(log);
}

function decontamination(log: (line: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'decon-bench-'));
  const rng = mulberry32(5);
  const words = () => baseText(Math.floor(rng() * 1e9)).join(' ');
  const items = Array.from({ length: 1000 }, (_, i) => ({ id: `B/${i}`, question: `${words()} ${words()}`, answer: `def f${i}(x):\n    return ${words().split(' ').slice(0, 8).join(' + ')}\n` }));
  writeFileSync(join(dir, 'bench.jsonl'), items.map((x) => JSON.stringify(x)).join('\n') + '\n');
  const humaneval = join(packageRoot(), '..', 'shared', 'data', 'humaneval', 'HumanEval.jsonl.gz');
  const started = performance.now();
  const d = createDecontaminator(
    decontaminateOptions.parse({ benchmarks: [{ format: 'humaneval', path: humaneval }, { path: join(dir, 'bench.jsonl'), fields: { id: 'id', prompts: ['question'], solutions: ['answer'] } }] }),
  );
  const loadMs = performance.now() - started;
  const n = 20_000;
  let found = 0;
  let planted = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    let response = `Here is the code.\n\`\`\`python\n${Array.from({ length: 30 }, () => words()).join('\n')}\n\`\`\``;
    if (i % 100 === 0) {
      response += `\n${items[i % 1000]!.answer}`;
      planted += 1;
    }
    if (d.check({ messages: [{ role: 'user', content: words() }, { role: 'assistant', content: response }] })) found += 1;
  }
  const s = (performance.now() - t0) / 1000;
  const sizes = d.matcher.sizes;
  log(
    `decontamination vs HumanEval + a 1,000-item benchmark (${sizes.substring} substring texts, ${sizes.ngram} n-gram texts, loaded in ${Math.round(loadMs)} ms): ` +
      `${Math.round(n / s).toLocaleString('en')} samples/s (${n.toLocaleString('en')} samples of ~${Math.round((30 * 30 * 7) / 1000)} KB), ${found} found of ${planted} planted`,
  );
}
