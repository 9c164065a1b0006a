import type { Plugin } from '../core/index.js';
import { analyzers } from './analyzers/index.js';
import { exporters } from './exporters/index.js';
import { filters } from './filters/index.js';
import qualityJudge from './judges/quality.js';
import ollamaProvider from './providers/ollama.js';
import openaiProvider from './providers/openai.js';
import chatResponder from './responders/chat.js';
import { directorySeeds, jsonlSeeds } from './seeds/index.js';
import { samplesSeeds } from './seeds/samples.js';
import poolSeeds from './seeds/pool/index.js';
import { deficiencySeeds } from './seeds/deficiencies.js';
import targetedStrategy from './strategies/targeted/index.js';
import geneticJudge from './judges/genetic.js';
import geneticStrategy from './strategies/genetic/index.js';
import backfeedingStrategy from './strategies/backfeeding/index.js';
import reverseStrategy from './strategies/reverse.js';
import infinityStrategy from './strategies/infinity/index.js';
import complianceJudge from './judges/compliance.js';
import conversationResponder from './responders/conversation.js';
import semiInstructStrategy from './strategies/semi-instruct/index.js';
import sandboxExecutor from './executors/sandbox/index.js';
import mockProvider from './providers/mock/index.js';
import huggingfaceTokenizer from './tokenizers/huggingface.js';
import { trainers } from './trainers/index.js';
import htmlReporter from './reporters/html/index.js';
import tagSelector from './selectors/tag.js';
import matchSelector from './selectors/match/index.js';
import chooseSelector from './selectors/choose/index.js';
import rulesSelector from './selectors/rules/index.js';
import dedupSelector from './selectors/dedup/index.js';
import retrieveSelector from './selectors/retrieve/index.js';

/**
 * Every built-in plugin. The CLI is the composition root: it hands this list to the runner, which
 * applies the ones a config names. Core itself knows no plugin by name.
 */
export const builtinPlugins: readonly Plugin[] = [
  openaiProvider,
  ollamaProvider,
  mockProvider,
  huggingfaceTokenizer,
  // Before seed:jsonl: it claims only a run's samples.jsonl, which seed:jsonl would refuse (no code field).
  samplesSeeds,
  jsonlSeeds,
  directorySeeds,
  poolSeeds,
  deficiencySeeds,
  rulesSelector,
  dedupSelector,
  retrieveSelector,
  tagSelector,
  matchSelector,
  chooseSelector,
  reverseStrategy,
  backfeedingStrategy,
  semiInstructStrategy,
  geneticStrategy,
  infinityStrategy,
  targetedStrategy,
  sandboxExecutor,
  qualityJudge,
  geneticJudge,
  complianceJudge,
  chatResponder,
  conversationResponder,
  ...analyzers,
  ...filters,
  ...Object.values(exporters),
  ...Object.values(trainers),
  htmlReporter,
] as Plugin[];

/**
 * Plugins applied in every run, with default options unless the config sets them: providers, seed sources, tokenizers and reporters (report.html).
 * seed:pool is opt-in (a preset or config names it), so a run reading a chat-layout JSONL with seed:jsonl (fields.code: output) keeps doing so.
 */
export const implicitPlugins: readonly Plugin[] = builtinPlugins.filter((p) => /^(provider|seed|tokenizer|reporter):/.test(p.name) && p !== poolSeeds);

export { analyzers, exporters, trainers };
