import type { ChatMessage, UsageEntry } from '../record.js';
import { sampleFromSchema } from './schema-sample.js';
import { LlmError, type CallMeta, type ChatRequest, type Completion, type LlmClient, type OutputSchema, type PromptLogprobsCompletion, type SamplingParams, type StructuredCompletion } from './types.js';
import type { UsageMeter } from './usage.js';

/**
 * `--dry-run`: clients that make no HTTP call. Every request is counted and its tokens estimated;
 * the first few are kept whole so the CLI can print the rendered prompts. Structured calls return a
 * value generated from the schema (its `sampleSchema`, which keeps every constraint the validator
 * checks) with numbers at their maximum, so judges' scores pass and every stage runs; free strings
 * carry the call number so that replies differ, as a model's do. Plain calls return an answer-shaped
 * placeholder: a sentence saying no model was called and a fenced code block in the language the
 * prompt names, so responders and consumers that look for code accept it.
 */

/** Token estimate used without a tokenizer: ceil(characters / 4), OpenAI's rule of thumb for English text. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** One request a dry run would have sent. */
export interface DryRunRequest {
  /** 1-based order of the call in the run. */
  n: number;
  modelId: string;
  plugin: string;
  messages: ChatMessage[];
  /** The schema's name for structured calls. */
  schema?: string;
  sampling: SamplingParams;
  /** Estimated prompt tokens (chars/4). */
  promptTokens: number;
}

/** What a dry run would have cost, from chars/4 token estimates. */
export interface DryRunEstimate {
  calls: number;
  structuredCalls: number;
  /** Estimated prompt tokens over all calls (chars/4 of every message). */
  promptTokens: number;
  /**
   * Estimated completion tokens (chars/4 of the synthetic replies). Meaningful only when reply
   * lengths were given (DryRunLog.expectReplies); otherwise replies are as short as the schema allows.
   */
  completionTokens: number;
  /** Sum of `maxTokens` over the calls that set it: an upper bound on their completion tokens. */
  completionTokensMax: number;
  /** Calls without `maxTokens`, whose completion length cannot be bounded. */
  callsWithoutMaxTokens: number;
  /** The same, per model id. */
  byModel: Record<string, { calls: number; promptTokens: number; completionTokensMax: number }>;
  /** Calls and prompt tokens per plugin (`CallMeta.plugin`). */
  byPlugin: Record<string, { calls: number; promptTokens: number; completionTokens: number }>;
  /** Says how the numbers were estimated (printed by the CLI). */
  method: string;
}

/** How many whole requests a DryRunLog keeps by default: enough to show the prompts of each stage. */
const DEFAULT_KEEP = 50;

/** Records the requests of a dry run; memory stays bounded (only the first `keep` are kept whole). */
export class DryRunLog {
  private readonly kept: DryRunRequest[] = [];
  private readonly est: DryRunEstimate = {
    calls: 0,
    structuredCalls: 0,
    promptTokens: 0,
    completionTokens: 0,
    completionTokensMax: 0,
    callsWithoutMaxTokens: 0,
    byModel: {},
    byPlugin: {},
    method: 'tokens estimated as characters / 4; completion tokens bounded by maxTokens where set',
  };

  private replyTokens: Record<string, number> = {};

  constructor(readonly keep = DEFAULT_KEEP) {}

  /**
   * Make synthetic replies of `plugin` about `tokens` long (chars/4) instead of as short as their
   * schema allows, e.g. the mean reply length a pilot run measured. Replies feed later prompts (a
   * problem is judged and answered), so this also moves the prompt-token estimate.
   */
  expectReplies(tokensByPlugin: Record<string, number>): void {
    this.replyTokens = { ...tokensByPlugin };
  }

  /** The reply length set for `plugin` by expectReplies, in tokens. */
  replyTokensOf(plugin: string): number | undefined {
    return this.replyTokens[plugin];
  }

  /** Count the completion tokens of a synthetic reply to a request recorded before. */
  recordReply(plugin: string, completionTokens: number): void {
    this.est.completionTokens += completionTokens;
    const p = this.est.byPlugin[plugin];
    if (p) p.completionTokens += completionTokens;
  }

  /** Count a request; keep it whole if it is among the first `keep`. Returns its prompt-token estimate. */
  record(modelId: string, request: ChatRequest, meta: CallMeta): number {
    const promptTokens = estimateTokens(request.messages.map((m) => m.content).join('\n'));
    const e = this.est;
    e.calls++;
    if (request.schema) e.structuredCalls++;
    e.promptTokens += promptTokens;
    const m = (e.byModel[modelId] ??= { calls: 0, promptTokens: 0, completionTokensMax: 0 });
    m.calls++;
    m.promptTokens += promptTokens;
    const p = (e.byPlugin[meta.plugin] ??= { calls: 0, promptTokens: 0, completionTokens: 0 });
    p.calls++;
    p.promptTokens += promptTokens;
    if (request.maxTokens !== undefined) {
      e.completionTokensMax += request.maxTokens;
      m.completionTokensMax += request.maxTokens;
    } else e.callsWithoutMaxTokens++;
    if (this.kept.length < this.keep) {
      const { messages, schema, ...sampling } = request;
      this.kept.push({ n: e.calls, modelId, plugin: meta.plugin, messages: messages.map((x) => ({ role: x.role, content: x.content })), ...(schema ? { schema: schema.name } : {}), sampling, promptTokens });
    }
    return promptTokens;
  }

  /** Calls recorded so far. */
  get calls(): number {
    return this.est.calls;
  }

  /** The first `n` recorded requests (all kept ones by default), in call order. */
  requests(n = this.keep): DryRunRequest[] {
    return this.kept.slice(0, n);
  }

  /** The estimate so far (a copy). */
  estimate(): DryRunEstimate {
    return structuredClone(this.est);
  }
}

/**
 * Language ids looked for in a prompt, longest names first so `javascript` wins over `java`; the
 * languages the built-in analyzers check, plus common aliases (our choice).
 */
const LANGUAGES = ['typescript', 'javascript', 'python', 'kotlin', 'csharp', 'shell', 'bash', 'swift', 'scala', 'rust', 'ruby', 'java', 'cpp', 'php', 'sql', 'go', 'c'];

/**
 * The fence tag for a plain dry-run reply: the tag of the prompt's first fenced block, else the
 * language id that occurs most often as a whole word (the built-in templates name `{{ language }}`),
 * else '' (an untagged fence).
 */
export function promptLanguage(messages: readonly ChatMessage[]): string {
  const text = messages.map((m) => m.content).join('\n');
  const fence = /```([A-Za-z][\w+#-]*)\n/.exec(text)?.[1]?.toLowerCase();
  if (fence) return fence;
  let best = '';
  let bestCount = 0;
  for (const lang of LANGUAGES) {
    const n = text.match(new RegExp(`(?<![\\w+#-])${lang}(?![\\w+#-])`, 'gi'))?.length ?? 0;
    if (n > bestCount) [best, bestCount] = [lang, n];
  }
  return best;
}

/**
 * The content of a plain dry-run reply: shaped like an answer (a sentence, then a fenced code block
 * tagged `language`) and saying that it is a placeholder, so nobody mistakes it for a model's.
 */
export function dryRunPlaceholder(modelId: string, language = '', chars = 0): string {
  const comment = ['python', 'shell', 'bash', 'ruby'].includes(language) ? '#' : language === 'sql' ? '--' : '//';
  const head = `[dry run: no request was sent; this placeholder stands for the reply of ${modelId}]\n\n\`\`\`${language}\n`;
  const line = `${comment} dry run: placeholder for the model's code\n`;
  const tail = '```\n';
  // At least one comment line; more until the reply is about `chars` long.
  const lines = Math.max(1, Math.round((chars - head.length - tail.length) / line.length));
  return `${head}${line.repeat(lines)}${tail}`;
}

/**
 * An LlmClient for `modelId` that records into `log` and answers synthetically. Usage entries carry
 * the estimated tokens and are recorded into `meter` (so progress shows them), with `cached: false`.
 * @throws LlmError('invalid_output') from `structured` when no value generated from the schema passes
 *   `validate` (a validator stricter than its schema, e.g. a regex refinement): the same sample would
 *   need a real model.
 * With `capabilities.promptLogprobs` (the provider has it) the client scores texts synthetically:
 * 4-character tokens, token i at logprob -4/(i+4) (our choice: later tokens more predictable, as a
 * model's are with more context, so a text read after an instruction scores a lower loss).
 */
export function createDryRunClient(modelId: string, log: DryRunLog, meter: UsageMeter, capabilities: { promptLogprobs?: boolean } = {}): LlmClient {
  const usage = (meta: CallMeta, promptTokens: number, content: string): UsageEntry => {
    const entry: UsageEntry = { plugin: meta.plugin, model: modelId, promptTokens, completionTokens: estimateTokens(content), cached: false };
    meter.record(entry);
    log.recordReply(meta.plugin, entry.completionTokens);
    return entry;
  };
  const promptLogprobs = async (text: string, meta: CallMeta): Promise<PromptLogprobsCompletion> => {
    const promptTokens = log.record(modelId, { messages: [{ role: 'user', content: text }], maxTokens: 1 }, meta);
    const offsets = Array.from({ length: Math.ceil(text.length / 4) }, (_, i) => i * 4);
    const value = { tokens: offsets.map((o) => text.slice(o, o + 4)), logprobs: offsets.map((_, i) => (i === 0 ? null : -4 / (i + 4))), offsets };
    return { ...value, usage: usage(meta, promptTokens, '') };
  };
  return {
    modelId,
    ...(capabilities.promptLogprobs ? { promptLogprobs } : {}),
    async complete(request: ChatRequest, meta: CallMeta): Promise<Completion> {
      const promptTokens = log.record(modelId, request, meta);
      const content = dryRunPlaceholder(modelId, promptLanguage(request.messages), 4 * (log.replyTokensOf(meta.plugin) ?? 0));
      return { content, usage: usage(meta, promptTokens, content) };
    },
    async structured<T>(request: Omit<ChatRequest, 'schema'>, schema: OutputSchema, validate: (value: unknown) => T, meta: CallMeta): Promise<StructuredCompletion<T>> {
      const promptTokens = log.record(modelId, { ...request, schema }, meta);
      const problems: string[] = [];
      const text = `dry run reply ${log.calls}`;
      const target = 4 * (log.replyTokensOf(meta.plugin) ?? 0);
      const jsonSchema = schema.sampleSchema ?? schema.jsonSchema;
      for (const numbers of ['max', 'min'] as const) {
        try {
          // Lengthen the prose fields evenly so the reply is about `target` characters long.
          const stats = { proseFields: 0 };
          const short = JSON.stringify(sampleFromSchema(jsonSchema, { numbers, text, stats }));
          const padProse = stats.proseFields > 0 && target > short.length ? Math.ceil((target - short.length) / stats.proseFields) : 0;
          const raw = sampleFromSchema(jsonSchema, { numbers, text, padProse });
          const value = validate(raw);
          return { value, usage: [usage(meta, promptTokens, JSON.stringify(raw))] };
        } catch (err) {
          problems.push((err as Error).message);
        }
      }
      throw new LlmError('invalid_output', `${modelId}: dry run could not make a value for schema "${schema.name}" that passes the validator of ${meta.plugin}: ${problems[0] ?? ''}`, {
        hint: 'the validator is stricter than the JSON Schema (e.g. a pattern or refinement); run without --dry-run',
      });
    },
  };
}
