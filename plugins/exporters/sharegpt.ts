import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineExporter, exportSettingsSchema, splitSystem, toExchanges, type PreparedSample } from '../../core/index.js';
import { labelOf } from './label.js';

/**
 * `exporter:sharegpt`: ShareGPT rows with LLaMA-Factory's default tags (data/README.md of
 * LLaMA-Factory: `conversations` of `{"from": "human"|"gpt", "value"}`, the system prompt in its own
 * `system` column). Every row carries `system` (`""` when the conversation has none): dataset_info.json
 * maps that column, and LLaMA-Factory's converter reads a mapped column from every row
 * (src/llamafactory/data/converter.py, `example[self.dataset_attr.system]`: a missing key is a
 * KeyError); an empty system makes its template use its default system prompt, as the Qwen2.5 chat
 * template does. ShareGPT carries no weights: with `trainOn: last` the launch config sets
 * LLaMA-Factory's `mask_history: true`, which trains only the last turn. `label` (the record's tags)
 * when it has one (a column dataset_info.json does not map).
 * @throws SampleExportError `not_alternating` when turns do not alternate user, assistant
 */
export function sharegptRow(sample: PreparedSample): Record<string, unknown> {
  const { system, turns } = splitSystem(sample.messages);
  const conversations = toExchanges(turns).flatMap(({ user, assistant }) => [
    { from: 'human', value: user.content },
    { from: 'gpt', value: assistant.content },
  ]);
  return { id: sample.id, conversations, system: system ?? '', ...labelOf(sample) };
}

/** Dataset names the LLaMA-Factory launch config refers to. */
export const SHAREGPT_DATASETS = { train: 'instructsmith_train', validation: 'instructsmith_validation' } as const;

/**
 * LLaMA-Factory's `dataset_info.json` for the export (keys from LLaMA-Factory data/README.md:
 * `file_name`, `formatting: sharegpt`, `columns` {messages, system}, `tags` {role_tag, content_tag,
 * user_tag, assistant_tag, system_tag}), one entry per split.
 */
export function sharegptDatasetInfo(files: { train: string; validation?: string }): Record<string, unknown> {
  const entry = (file: string) => ({
    file_name: file,
    formatting: 'sharegpt',
    columns: { messages: 'conversations', system: 'system' },
    tags: { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt', system_tag: 'system' },
  });
  return {
    [SHAREGPT_DATASETS.train]: entry(files.train),
    ...(files.validation ? { [SHAREGPT_DATASETS.validation]: entry(files.validation) } : {}),
  };
}

export const SHAREGPT_DESCRIPTION =
  'ShareGPT with LLaMA-Factory\'s default tags: `{"id", "conversations": [{"from": "human"|"gpt", "value"}], "system", "label"?}` (`system` is `""` when the conversation has none; `label`: the sample\'s tags, when it has them). ' +
  'Turns alternate human, gpt; the loss falls on the gpt turns (LLaMA-Factory masks prompts by default; `mask_history: true` trains only the last turn). ' +
  'dataset_info.json beside the data files registers the splits for LLaMA-Factory.';

export default defineExporter({
  name: 'exporter:sharegpt',
  description: "ShareGPT JSONL with LLaMA-Factory's tags and a dataset_info.json.",
  format: 'sharegpt',
  rowDescription: SHAREGPT_DESCRIPTION,
  toRow: sharegptRow,
  async afterWrite(res, ctx) {
    await writeFile(join(res.dir, 'dataset_info.json'), `${JSON.stringify(sharegptDatasetInfo(res.files), null, 2)}\n`);
    ctx.written.push('sharegpt/dataset_info.json');
  },
});
