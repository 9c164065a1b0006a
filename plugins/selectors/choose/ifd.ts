import { LlmError, structuredOutput, z, type Logger, type PluginLlmClient, type PromptLogprobs, type Seed, type TemplateRenderer } from '../../../core/index.js';

/**
 * Instruction-following difficulty (IFD) of an (instruction, response) pair, from Cherry LLM (Li et
 * al., "From Quantity to Quality", arXiv 2308.12032) and Superfiltering (Li et al., arXiv 2402.00530):
 * IFD = L(response | instruction) / L(response), each L the mean negative log-likelihood per response
 * token. Near or above 1 the instruction does not help the model produce the response (Cherry LLM
 * treats IFD >= 1 as a misaligned pair); lower is easier to follow, higher (below 1) harder.
 */

/** Mean negative log-likelihood (nats per token) of a span's tokens, and how many were scored. */
export interface SpanLoss {
  loss: number;
  tokens: number;
}

/**
 * Mean NLL of the tokens that start at or after character `from` (UTF-16 offset into the scored
 * text). A token that starts before `from` but reaches into the span (a merge across the boundary)
 * is not counted; tokens without a logprob (the text's first) are skipped.
 * @returns undefined when no token of the span has a logprob.
 */
export function spanLoss(scored: PromptLogprobs, from: number): SpanLoss | undefined {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < scored.tokens.length; i++) {
    const lp = scored.logprobs[i];
    if (scored.offsets[i]! < from || lp === null || lp === undefined) continue;
    sum -= lp;
    n++;
  }
  return n === 0 ? undefined : { loss: sum / n, tokens: n };
}

/** One IFD measurement: the ratio and both losses it is made of. */
export interface IfdValue {
  ifd: number;
  /** L(response | instruction): mean NLL of the response tokens after the rendered instruction. */
  conditionedLoss: number;
  /** L(response): mean NLL of the response tokens read alone. */
  directLoss: number;
  /** Response tokens scored in the conditioned text. */
  tokens: number;
}

/**
 * IFD from the two scorings: `conditioned` is the prompt (instruction rendered as the chat would)
 * followed by the response, which starts at `responseStart`; `direct` is the response alone.
 * @returns undefined when either span has no scored token or the direct loss is 0 (no ratio).
 */
export function ifdFrom(conditioned: PromptLogprobs, responseStart: number, direct: PromptLogprobs): IfdValue | undefined {
  const c = spanLoss(conditioned, responseStart);
  const d = spanLoss(direct, 0);
  if (!c || !d || d.loss <= 0) return undefined;
  return { ifd: c.loss / d.loss, conditionedLoss: c.loss, directLoss: d.loss, tokens: c.tokens };
}

/** The first instruction of a seed and the response to it (the first assistant turn after it). */
export function firstExchange(seed: Seed): { instruction: string; response?: string } {
  const messages = seed.messages ?? [];
  const u = messages.findIndex((m) => m.role === 'user');
  if (u < 0) return { instruction: seed.code };
  const response = messages.slice(u + 1).find((m) => m.role === 'assistant')?.content;
  return { instruction: messages[u]!.content, ...(response ? { response } : {}) };
}

const DIFFICULTY = structuredOutput(
  'infinity_difficulty',
  z
    .object({
      /** 1 = trivial to follow, 10 = very hard (many constraints, deep reasoning, rare knowledge). */
      difficulty: z.number().int().min(1).max(10),
      reason: z.string().min(1),
    })
    .strict(),
);

/** What the funnel shows for how hardness was measured. */
export const HARDNESS_IFD = 'ifd (prompt logprobs)';
export const HARDNESS_FALLBACK = 'llm-rating (fallback: endpoint has no prompt logprobs)';

/** A seed's hardness: its IFD, or (fallback) an LLM's 1-10 difficulty rating; `none` when it cannot be measured. */
export type Hardness = { kind: 'ifd'; value: IfdValue } | { kind: 'rating'; value: number; reason: string } | { kind: 'none'; why: string };

export interface HardnessOptions {
  /** Template rendering the text before the response (`choose-ifd/prompt.jinja`, var `instruction`). */
  promptTemplate: string;
  /** Characters of the response scored (both texts cut at the same place); our choice bounds the context used. */
  maxResponseChars: number;
  /** Sampling of the fallback rating. */
  maxTokens: number;
}

/**
 * Measures hardness with one model. The first call decides the method for the whole selection, so
 * one threshold applies to one kind of value: IFD when the client has `promptLogprobs` and the
 * endpoint answers it, else the LLM rating (`infinity_difficulty`, template `choose-difficulty`),
 * with a warning in the log; `method()` names it (for `sctx.report`). Deterministic: the probe's
 * outcome is a property of the endpoint, and both kinds of call are cached.
 */
export class HardnessMeter {
  private decided: Promise<'ifd' | 'rating'> | undefined;
  private mode: 'ifd' | 'rating' | undefined;

  constructor(
    private readonly client: PluginLlmClient,
    private readonly templates: TemplateRenderer,
    private readonly log: Logger,
    private readonly options: HardnessOptions,
  ) {}

  /** The method in use, for the report; undefined before the first measurement. */
  method(): string | undefined {
    return this.mode === undefined ? undefined : this.mode === 'ifd' ? HARDNESS_IFD : HARDNESS_FALLBACK;
  }

  /**
   * The hardness of `seed`.
   * @throws LlmError of any kind but `unsupported` (fatal ones stop the run), or `unsupported` when
   *   the endpoint stopped answering prompt logprobs after it had answered them.
   */
  async measure(seed: Seed): Promise<Hardness> {
    const { instruction, response } = firstExchange(seed);
    if (!this.decided) {
      // The first seed probes the endpoint alone; the others wait for the verdict.
      const first = this.probe(instruction, response);
      this.decided = first.then((r) => r.mode);
      // The probe's failure reaches its own caller; seeds waiting on the verdict get it when they await.
      this.decided.catch(() => undefined);
      const r = await first;
      this.mode = r.mode;
      return r.hardness ?? this.measureWith(r.mode, instruction, response);
    }
    return this.measureWith((this.mode = await this.decided), instruction, response);
  }

  private async probe(instruction: string, response: string | undefined): Promise<{ mode: 'ifd' | 'rating'; hardness?: Hardness }> {
    if (!this.client.promptLogprobs) return this.fallback(`the provider of ${this.client.modelId} offers no prompt log-probabilities`);
    if (response === undefined) {
      // Nothing to score on this seed; probe with a tiny text so the method is known for the rest.
      try {
        await this.client.promptLogprobs('Hello world');
        return { mode: 'ifd' };
      } catch (err) {
        if (err instanceof LlmError && err.kind === 'unsupported') return this.fallback(err.message);
        throw err;
      }
    }
    try {
      return { mode: 'ifd', hardness: await this.ifd(instruction, response) };
    } catch (err) {
      if (err instanceof LlmError && err.kind === 'unsupported') return this.fallback(err.message);
      throw err;
    }
  }

  private fallback(why: string): { mode: 'rating' } {
    this.log.warn(`hardness: ${HARDNESS_FALLBACK}: ${why}; rating difficulty 1-10 with ${this.client.modelId} instead of IFD`);
    return { mode: 'rating' };
  }

  private measureWith(mode: 'ifd' | 'rating', instruction: string, response: string | undefined): Promise<Hardness> {
    if (mode === 'ifd') return response === undefined ? Promise.resolve({ kind: 'none', why: 'no response to score' }) : this.ifd(instruction, response);
    return this.rate(instruction, response);
  }

  private async ifd(instruction: string, response: string): Promise<Hardness> {
    const scoredResponse = response.slice(0, this.options.maxResponseChars);
    const prefix = this.templates.render(this.options.promptTemplate, { instruction });
    const score = this.client.promptLogprobs!;
    const [conditioned, direct] = await Promise.all([score(prefix + scoredResponse), score(scoredResponse)]);
    const value = ifdFrom(conditioned, prefix.length, direct);
    return value ? { kind: 'ifd', value } : { kind: 'none', why: 'the response has no scored token' };
  }

  private async rate(instruction: string, response: string | undefined): Promise<Hardness> {
    const messages = this.templates.chat('choose-difficulty', { instruction, response: response?.slice(0, this.options.maxResponseChars) ?? '' });
    const r = await this.client.structured({ messages, temperature: 0, seed: 0, maxTokens: this.options.maxTokens }, DIFFICULTY);
    return { kind: 'rating', value: r.value.difficulty, reason: r.value.reason };
  }
}
