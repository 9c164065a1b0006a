/**
 * `instructsmith evaluate` (issue #14): throughput and harness validity on the whole of HumanEval.
 * The HTTP test double (real openai client) answers every item with its canonical solution, once as a
 * body and once as the whole function; every program runs in the bubblewrap sandbox. Reports pass@1
 * (1.0 means the assembly and the sandbox reject no correct solution) and items/s per concurrency.
 * Environment: BENCH_EVAL_CONCURRENCY (comma-separated, default 1,4,8). Measures only.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../core/config/load.js';
import { runEvaluation } from '../../core/runner/evaluation-run.js';
import { createCodeBenchmarkTask } from '../../plugins/evaluators/code/index.js';
import { builtinPlugins, implicitPlugins } from '../../plugins/index.js';
import { startLlmDouble } from '../double/index.js';

const HUMANEVAL = resolve(import.meta.dirname, '../../../shared/data/humaneval/HumanEval.jsonl.gz');
const CONCURRENCY = (process.env.BENCH_EVAL_CONCURRENCY ?? '1,4,8').split(',').map(Number);
const quiet = { info: () => undefined, warn: (m: string) => console.warn(m), debug: () => undefined };

export default async function bench(log: (line: string) => void): Promise<void> {
  const task = createCodeBenchmarkTask({ path: HUMANEVAL, format: 'humaneval' });
  const double = await startLlmDouble({ models: ['bench'] });
  try {
    for (const shape of ['body', 'function'] as const) {
      double.reset();
      double.reply((req) => {
        const item = task.items.find((i) => req.lastUser.includes(i.prompt.trim()));
        if (!item) return undefined;
        return `\`\`\`python\n${shape === 'body' ? item.solution : item.prompt + item.solution}\`\`\``;
      });
      for (const concurrency of CONCURRENCY) {
        const out = mkdtempSync(join(tmpdir(), 'instructsmith-bench-evaluate-'));
        const { config } = await loadConfig({ cwd: out, overrides: { model: 'openai:bench', baseUrl: double.url, out, concurrency, plugins: { 'executor:sandbox': { languages: ['python'] } } } });
        const s = await runEvaluation({ config, task, samples: 1, ks: [1], temperature: 0, builtins: builtinPlugins, implicit: implicitPlugins, log: quiet });
        log(`canonical ${shape.padEnd(8)} concurrency ${String(concurrency).padStart(2)}: pass@1 ${s.passAtK['pass@1']!.toFixed(4)} (${s.passed}/${s.evaluated})  ${s.itemsPerSecond.toFixed(1)} items/s  failures ${JSON.stringify(s.errors)}`);
      }
    }
  } finally {
    await double.close();
  }
}
