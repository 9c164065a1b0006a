import { parquetWriteRows, fileWriter } from 'hyparquet-writer';
import { defineExporter, z, type PreparedSample, type RowFileWriter } from '../../core/index.js';

/**
 * `exporter:tokenized`: pre-tokenized, loss-masked rows built with the target model's tokenizer and
 * chat template: `{"input_ids", "attention_mask", "labels", "assistant_masks"}`, labels -100 on every
 * untrained token. Rows are unpadded and not shifted (trainers pad per batch and shift for
 * next-token prediction). `assistant_masks` (1 = trained) is the column TRL's SFT collator masks
 * labels with. The mask of every row was verified token by token before writing.
 */
export function tokenizedRow(sample: PreparedSample): Record<string, unknown> {
  return {
    id: sample.id,
    input_ids: sample.input_ids,
    attention_mask: sample.input_ids.map(() => 1),
    labels: sample.labels,
    assistant_masks: sample.assistant_masks,
  };
}

const listOf = (name: string) => [
  { name, repetition_type: 'REQUIRED' as const, num_children: 1, converted_type: 'LIST' as const },
  { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
  { name: 'element', repetition_type: 'REQUIRED' as const, type: 'INT32' as const },
];

/** Parquet schema of the tokenized rows: `id` string, four `list<int32>` columns (Parquet LIST logical type, 3-level encoding). */
export const TOKENIZED_PARQUET_SCHEMA = [
  { name: 'root', num_children: 5 },
  { name: 'id', type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const },
  ...listOf('input_ids'),
  ...listOf('attention_mask'),
  ...listOf('labels'),
  ...listOf('assistant_masks'),
];

/** Write rows as Parquet with hyparquet-writer, streaming one row group (1,000 rows, our choice) at a time. */
export const writeParquet: RowFileWriter = async (path, rows) => {
  await parquetWriteRows({
    writer: fileWriter(path),
    rows,
    columns: [{ name: 'id' }, { name: 'input_ids' }, { name: 'attention_mask' }, { name: 'labels' }, { name: 'assistant_masks' }],
    schema: TOKENIZED_PARQUET_SCHEMA,
    rowGroupSize: 1000,
    createdBy: 'instructsmith',
  });
};

/** The tokenized exporter's one option beyond the shared export settings. */
export const tokenizedFileOption = {
  /** `jsonl` or `parquet`. */
  file: z.enum(['jsonl', 'parquet']).default('jsonl'),
};

export const TOKENIZED_DESCRIPTION =
  'Pre-tokenized rows `{"id", "input_ids", "attention_mask", "labels", "assistant_masks"}` made with the tokenizer and chat template named below. ' +
  '`labels` equals `input_ids` on trained tokens (each trained assistant turn\'s content and its end-of-turn token) and is -100 elsewhere; ' +
  '`assistant_masks` is 1 exactly where labels are not -100. Rows are unpadded and unshifted. Every row\'s mask was verified by decoding its trained tokens.';

export default defineExporter({
  name: 'exporter:tokenized',
  description: 'Pre-tokenized JSONL or Parquet (input_ids, attention_mask, labels with -100 on prompts) from the model tokenizer and chat template.',
  format: 'tokenized',
  rowDescription: TOKENIZED_DESCRIPTION,
  toRow: tokenizedRow,
  extraOptions: tokenizedFileOption,
  file: (o) => (o.file === 'parquet' ? { extension: 'parquet', writeRows: writeParquet } : undefined),
});
