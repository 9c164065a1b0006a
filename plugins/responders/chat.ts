import { definePlugin, z } from '../../core/index.js';
import { answerTurn } from './answer.js';

const NAME = 'responder:chat';

export const chatResponderOptions = z
  .object({
    /** `provider:model`; default: the run's model. */
    model: z.string().optional(),
    /** Template directory with `system.jinja` (optional) and `user.jinja`; variables: instruction, language. */
    template: z.string().default('responder-chat'),
    /** Our choice: low temperature for code answers. */
    temperature: z.number().min(0).max(2).default(0.2),
    maxTokens: z.number().int().positive().default(2048),
    /** Keep the responder's system prompt in the sample's messages (default: the sample is user + assistant only). */
    keepSystemPrompt: z.boolean().default(false),
  })
  .strict();

/**
 * `responder:chat`: response generation (Infinite-Instruct, arXiv 2505.23177, §3: responses are
 * generated for the problems that pass the quality assessment). One plain chat call per record; the
 * reply becomes the assistant turn. A reply cut off by the token limit (`finish_reason: length`)
 * would train the model on truncated code, so it is refused with that reason.
 */
export default definePlugin({
  name: NAME,
  description: 'Response generation: one chat completion answers each problem',
  options: chatResponderOptions,
  apply(ctx, options) {
    ctx.hooks.respond.tapPromise(async (record) => {
      const instruction = record.messages.filter((m) => m.role === 'user').at(-1)?.content;
      if (!instruction) throw new Error('record has no user turn to answer');
      const prompt = ctx.templates.chat(options.template, { instruction, language: record.language });
      const content = await answerTurn(ctx.llm(options.model), [...prompt], options, record, NAME);
      if (options.keepSystemPrompt && prompt[0]?.role === 'system' && record.messages[0]?.role !== 'system') {
        record.messages = [prompt[0], ...record.messages];
      }
      return [{ role: 'assistant', content }];
    });
  },
});
