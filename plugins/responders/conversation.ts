import { definePlugin, structuredOutput, z, type ChatMessage } from '../../core/index.js';
import { seedRng } from '../strategies/infinity/dimensions.js';
import { answerTurn } from './answer.js';

const NAME = 'responder:conversation';

/**
 * Kinds of user follow-up the simulated user draws from (one per round). The list and the guidance
 * sentences are ours; Infinity Instruct (arXiv 2506.11116, Phase 2) has an AI assistant play the
 * user for further rounds without naming follow-up kinds.
 */
export const FOLLOWUP_KINDS = {
  extend: { title: 'Extend', guidance: 'ask to extend the solution with a related feature or a further requirement.' },
  'edge-case': { title: 'Edge case', guidance: 'point out an input or situation the answer may not handle (empty, huge, malformed, concurrent) and ask to handle it.' },
  refactor: { title: 'Refactor', guidance: 'ask to restructure the code (clearer names, smaller functions, another data structure or a faster algorithm) without changing what it does.' },
  explain: { title: 'Explain', guidance: 'ask why a specific part of the answer works, or its time and memory cost, and for the code annotated accordingly.' },
  test: { title: 'Test', guidance: 'ask for unit tests of the code that cover normal and edge cases.' },
} as const;

export type FollowupKind = keyof typeof FOLLOWUP_KINDS;
const KIND_NAMES = Object.keys(FOLLOWUP_KINDS) as [FollowupKind, ...FollowupKind[]];

const followupSchema = z.object({ followup: z.string().min(10) }).strict();
const FOLLOWUP = structuredOutput('infinity_followup', followupSchema);

export const conversationOptions = z
  .object({
    /** `provider:model` of the assistant; default: the run's model. */
    model: z.string().optional(),
    /** `provider:model` of the AI assistant that plays the user; default: `model`. */
    userModel: z.string().optional(),
    /**
     * Total assistant turns per conversation, `[min, max]`, drawn uniformly per record (deterministic:
     * seeded by the record id). The paper: 2 to 4 rounds.
     */
    rounds: z
      .tuple([z.number().int().min(1).max(16), z.number().int().min(1).max(16)])
      .default([2, 4])
      .refine(([lo, hi]) => lo <= hi, { message: 'rounds is [min, max] with min <= max' }),
    /** Follow-up kinds the simulated user draws from, one per round (default: all five). */
    followups: z.array(z.enum(KIND_NAMES)).min(1).default([...KIND_NAMES]),
    /** Answer template directory (system.jinja, user.jinja; variables instruction, language), as responder:chat. */
    template: z.string().default('responder-chat'),
    /** Template directory of the simulated user's prompt; variables turns, kind, language. */
    followupTemplate: z.string().default('responder-conversation-followup'),
    /** Our choice: low temperature for code answers (as responder:chat). */
    temperature: z.number().min(0).max(2).default(0.2),
    /** Our choice: the simulated user needs variety. */
    userTemperature: z.number().min(0).max(2).default(0.8),
    /** Per call (answer or follow-up). */
    maxTokens: z.number().int().positive().default(2048),
  })
  .strict();

/**
 * `responder:conversation`: multi-turn conversations (Infinity Instruct, arXiv 2506.11116, Phase 2:
 * an AI assistant plays the user so that evolved instructions become 2-4 round conversations).
 * Draws the number of assistant turns n from `rounds` (seeded by the record id). Answers the
 * instruction (the `template` prompt, as responder:chat); then n-1 times: the simulated user writes
 * a follow-up (`infinity_followup`, structured, seeing the conversation so far and a drawn follow-up
 * kind) and the assistant answers it with the full history. Returns all new turns
 * (assistant, user, assistant, ...), so the sample ends on an assistant turn; static verification
 * checks the code of every assistant turn. `meta['responder:conversation'] = { rounds, followups }`.
 * Any failed turn (empty or cut-off reply, invalid follow-up) fails the whole record, with its reason.
 */
export default definePlugin({
  name: NAME,
  description: 'Multi-turn conversations: answers the instruction, then an AI assistant plays the user for 2-4 rounds',
  options: conversationOptions,
  apply(ctx, options) {
    ctx.hooks.respond.tapPromise(async (record) => {
      const history = record.messages.filter((m) => m.role !== 'system');
      const instruction = history.filter((m) => m.role === 'user').at(-1)?.content;
      if (!instruction) throw new Error('record has no user turn to answer');
      const rng = seedRng(record.id, NAME);
      const [lo, hi] = options.rounds;
      const rounds = lo + Math.floor(rng() * (hi - lo + 1));
      const kinds = Array.from({ length: rounds - 1 }, () => options.followups[Math.floor(rng() * options.followups.length)]!);

      const rendered = ctx.templates.chat(options.template, { instruction, language: record.language });
      // The template's system prompt, any earlier turns of the record, then the instruction through the template.
      const prompt: ChatMessage[] = [...rendered.filter((m) => m.role === 'system'), ...history.slice(0, -1), ...rendered.filter((m) => m.role !== 'system')];
      const assistant = ctx.llm(options.model);
      const user = ctx.llm(options.userModel ?? options.model);
      const sampling = { temperature: options.temperature, maxTokens: options.maxTokens };
      const turns: ChatMessage[] = [{ role: 'assistant', content: await answerTurn(assistant, prompt, sampling, record, NAME) }];
      for (const kind of kinds) {
        const res = await user.structured(
          {
            messages: ctx.templates.chat(options.followupTemplate, { turns: [...history, ...turns], kind: FOLLOWUP_KINDS[kind], language: record.language }),
            temperature: options.userTemperature,
            maxTokens: options.maxTokens,
          },
          FOLLOWUP,
        );
        record.usage.push(...res.usage);
        turns.push({ role: 'user', content: res.value.followup.trim() });
        turns.push({ role: 'assistant', content: await answerTurn(assistant, [...prompt, ...turns], sampling, record, NAME) });
      }
      record.meta[NAME] = { rounds, followups: kinds };
      return turns;
    });
  },
});
