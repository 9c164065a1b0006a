import { defineExporter, type PreparedSample } from '../../core/index.js';
import { labelOf } from './label.js';

/**
 * `exporter:messages`: OpenAI chat JSONL with a per-message loss weight, the format OpenAI's
 * fine-tuning API documents (`weight` 0 or 1 on assistant messages) and axolotl's `chat_template`
 * dataset type reads with `message_field_training: weight`.
 * Row: `{"id", "language", "messages": [{"role", "content", "weight"}]}`; weight 0 on system and user
 * turns and on context assistant turns, 1 on trained assistant turns; `label` (the record's tags) when it has one.
 */
export function messagesRow(sample: PreparedSample): Record<string, unknown> {
  return { id: sample.id, language: sample.language, messages: sample.messages.map((m) => ({ role: m.role, content: m.content, weight: m.weight ?? 0 })), ...labelOf(sample) };
}

export const MESSAGES_DESCRIPTION =
  'OpenAI chat format, one conversation per line: `{"id", "language", "messages": [{"role", "content", "weight"}], "label"?}`. ' +
  '`weight` is the loss weight of the message: 0 on system and user turns (and on assistant turns kept only as context), 1 on the assistant turns to train. ' +
  "Load with axolotl's `chat_template` type and `message_field_training: weight`, or OpenAI fine-tuning.";

export default defineExporter({
  name: 'exporter:messages',
  description: 'OpenAI chat JSONL with per-message loss weights (0 on prompts, 1 on trained responses).',
  format: 'messages',
  rowDescription: MESSAGES_DESCRIPTION,
  toRow: messagesRow,
});
