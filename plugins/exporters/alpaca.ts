import { defineExporter, exportSettingsSchema, splitSystem, toExchanges, type PreparedSample } from '../../core/index.js';
import { labelOf } from './label.js';

/**
 * `exporter:alpaca`: Alpaca rows (Stanford Alpaca's `instruction`/`input`/`output`), with the
 * multi-turn and system extensions LLaMA-Factory reads (data/README.md: `system` column and
 * `history` as `[[instruction, response], ...]` of the earlier exchanges).
 * `input` is always empty: instructsmith's instructions already hold their code. `label` (the
 * record's tags) when it has one.
 * @throws SampleExportError `not_alternating` when turns do not alternate user, assistant
 */
export function alpacaRow(sample: PreparedSample): Record<string, unknown> {
  const { system, turns } = splitSystem(sample.messages);
  const exchanges = toExchanges(turns);
  const last = exchanges[exchanges.length - 1]!;
  return {
    id: sample.id,
    instruction: last.user.content,
    input: '',
    output: last.assistant.content,
    ...(system !== undefined ? { system } : {}),
    history: exchanges.slice(0, -1).map(({ user, assistant }) => [user.content, assistant.content]),
    ...labelOf(sample),
  };
}

export const ALPACA_DESCRIPTION =
  'Alpaca, one sample per line: `{"id", "instruction", "input": "", "output", "system"?, "history": [[instruction, response], ...], "label"?}`. ' +
  '`history` holds the earlier exchanges of a multi-turn conversation (LLaMA-Factory\'s convention); the loss falls on `output` (and on history responses unless the trainer masks history).';

export default defineExporter({
  name: 'exporter:alpaca',
  description: 'Alpaca JSONL (instruction, input, output, system, history).',
  format: 'alpaca',
  rowDescription: ALPACA_DESCRIPTION,
  toRow: alpacaRow,
});
