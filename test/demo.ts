/**
 * `npm run demo`: the main job on a machine with no LLM. Starts the HTTP test double of the OpenAI
 * API with a deterministic scripted model, then runs the real CLI (`instructsmith run`) with the
 * infinite-instruct preset over HumanEval's 164 functions against it, through the real `openai`
 * client. Extra arguments are passed to `instructsmith run` (e.g. `--limit 20`, `--out DIR`).
 * Against a real endpoint, run the CLI directly instead (see README).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../core/cli/main.js';
import { packageRoot } from '../core/paths.js';
import { startLlmDouble } from './double/index.js';
import { scriptedModel } from './fixtures/scripted-model.js';

const humanEval = join(packageRoot(), '..', 'shared', 'data', 'humaneval', 'HumanEval.jsonl.gz');
if (!existsSync(humanEval)) {
  console.error(`demo: ${humanEval} not found (the demo reads HumanEval from ../shared/data/humaneval)`);
  process.exit(1);
}
const double = await startLlmDouble();
double.reply(scriptedModel({ humanEvalPath: humanEval }));
console.error(`demo: OpenAI-compatible test double at ${double.url}`);
const args = process.argv.slice(2);
const code = await main([
  'run',
  '--preset',
  'infinite-instruct',
  '--seeds',
  humanEval,
  '--model',
  'openai:scripted-coder',
  '--base-url',
  double.url,
  ...(args.includes('--out') ? [] : ['--out', join('runs', 'demo-infinite-instruct')]),
  ...args,
]);
await double.close();
process.exit(code);
