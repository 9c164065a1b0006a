import type { ChatMessage, PluginLlmClient, SampleRecord } from '../../core/index.js';

/**
 * One assistant answer to a conversation: a plain chat call with `messages` (the prompt, system
 * first when there is one), its usage added to `record.usage`. Shared by the responders.
 * @returns the answer's text
 * @throws Error when the reply is empty, or was cut off by the token limit (`finish_reason: length`,
 *   which would train on truncated code); `plugin` names the responder in the message. LlmError as the client throws it.
 */
export async function answerTurn(client: PluginLlmClient, messages: ChatMessage[], sampling: { temperature: number; maxTokens: number }, record: SampleRecord, plugin: string): Promise<string> {
  const reply = await client.complete({ messages, temperature: sampling.temperature, maxTokens: sampling.maxTokens });
  record.usage.push(reply.usage);
  if (!reply.content.trim()) throw new Error('the model returned an empty response');
  if (reply.finishReason === 'length') throw new Error(`the response was cut off at maxTokens (${sampling.maxTokens}); raise ${plugin} maxTokens`);
  return reply.content;
}
