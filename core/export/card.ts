import { stringify } from 'yaml';
import type { ExportReport } from './prepare.js';

/** What the dataset card describes besides the report. */
export interface CardInput {
  /** Format folder name: `messages`, `sharegpt`, `alpaca`, `tokenized`. */
  format: string;
  /** Plugin that wrote it, e.g. `exporter:messages`. */
  exporter: string;
  /** One paragraph on the row shape and where the loss mask lives. */
  formatDescription: string;
  /** Data files by split, relative to the card. */
  files: { train: string; validation?: string };
  report: ExportReport;
  /** Samples the format could not represent, by reason (counted on top of `report.dropped`). */
  formatDropped: Record<string, number>;
  /** The run's run.json. */
  run: Record<string, unknown>;
}

/**
 * A Hugging Face dataset card (README.md): YAML front matter (license, task_categories,
 * size_categories, tags, configs with the data files per split, as the Hub's dataset card spec asks:
 * huggingface.co/docs/hub/datasets-cards) and a body recording the preset, the models, the run's
 * funnel, the export settings, the drops and the token-length statistics.
 * The licence is `run.config.license` when the run sets one, else `other` (the data inherits the
 * licences of the seed code and the terms of the models that wrote it, which instructsmith cannot know).
 */
export function datasetCard(c: CardInput): string {
  const config = (c.run.config ?? {}) as Record<string, unknown>;
  const preset = typeof c.run.preset === 'string' ? c.run.preset : typeof config.preset === 'string' ? config.preset : 'custom';
  const license = typeof config.license === 'string' ? config.license : 'other';
  const n = c.report.exported - sum(c.formatDropped);
  const front = {
    license,
    task_categories: ['text-generation'],
    language: ['en'],
    tags: ['code', 'instruction-tuning', 'sft', 'synthetic', 'instructsmith', preset],
    size_categories: [sizeCategory(n)],
    pretty_name: `${preset} (${c.format})`,
    configs: [
      {
        config_name: 'default',
        data_files: [
          { split: 'train', path: c.files.train },
          ...(c.files.validation ? [{ split: 'validation', path: c.files.validation }] : []),
        ],
      },
    ],
  };
  const r = c.report;
  const lines = [
    '---',
    stringify(front).trimEnd(),
    '---',
    '',
    `# ${preset}: ${c.format} export`,
    '',
    `Instruction-tuning data for code LLMs made by instructsmith with the \`${preset}\` preset, exported by \`${c.exporter}\`.`,
    license === 'other' ? '\n**Licence**: set it before publishing: the data inherits the licences of the seed code and the terms of use of the models below.' : '',
    '',
    '## Format',
    '',
    c.formatDescription,
    '',
    '## Splits',
    '',
    '| split | samples | tokens (total) | tokens p50 / p90 / p99 / max |',
    '| --- | ---: | ---: | --- |',
    ...(['train', 'validation'] as const).map((s) => {
      const t = r.tokens[s];
      return `| ${s} | ${t.count} | ${t.total} | ${t.p50} / ${t.p90} / ${t.p99} / ${t.max} |`;
    }),
    '',
    `Trained (loss-bearing) tokens per sample: mean ${r.tokens.trainedTokens.mean}, p50 ${r.tokens.trainedTokens.p50}, max ${r.tokens.trainedTokens.max}. Token counts use the \`${r.tokenizer}\` tokenizer and chat template.`,
    '',
    '## Export settings',
    '',
    '| setting | value |',
    '| --- | --- |',
    `| loss on | ${r.settings.trainOn === 'all' ? 'every assistant turn' : 'the last assistant turn only'} (prompt weight 0, response weight 1) |`,
    `| cut-off | ${r.settings.cutoff} tokens: longer samples dropped and counted, never truncated |`,
    `| deduplication | exact (same roles and contents), first kept |`,
    `| shuffle / split | seeded (seed ${r.settings.seed}), validation ratio ${r.settings.valRatio} |`,
    `| train order | ${trainOrder(r)} |`,
    `| tokenizer | ${r.tokenizer} |`,
    '',
    '## Export funnel',
    '',
    `Read ${r.read} kept samples from the run; exported ${n}.`,
    '',
    ...dropTable({ ...r.dropped, ...c.formatDropped }),
    '',
    '## Run',
    '',
    `- preset: \`${preset}\``,
    `- models: ${describeModels(c.run.models)}`,
    ...(typeof c.run.startedAt === 'string' ? [`- started: ${c.run.startedAt}${typeof c.run.finishedAt === 'string' ? `, finished: ${c.run.finishedAt}` : ''}`] : []),
    '',
    'Funnel of the run (records per stage and drops by reason, from run.json):',
    '',
    '```json',
    JSON.stringify(c.run.funnel ?? {}, null, 2),
    '```',
    '',
  ];
  return lines.join('\n');
}

function dropTable(dropped: Record<string, number>): string[] {
  const rows = Object.entries(dropped).filter(([, v]) => v > 0);
  if (rows.length === 0) return ['No sample was dropped at export.'];
  return ['| dropped because | samples |', '| --- | ---: |', ...rows.sort((a, b) => b[1] - a[1]).map(([k, v]) => `| ${k} | ${v} |`), '', 'Each dropped sample is listed with its reason in `dropped.jsonl`.'];
}

function describeModels(models: unknown): string {
  if (!models) return 'not recorded';
  if (Array.isArray(models)) return models.map((m) => `\`${typeof m === 'string' ? m : JSON.stringify(m)}\``).join(', ');
  if (typeof models === 'object') return Object.entries(models as Record<string, unknown>).map(([k, v]) => `${k}: \`${typeof v === 'string' ? v : JSON.stringify(v)}\``).join(', ');
  return `\`${String(models)}\``;
}

function sum(o: Record<string, number>): number {
  return Object.values(o).reduce((a, v) => a + v, 0);
}

/** The Hub's size_categories bucket for `n` rows. */
export function sizeCategory(n: number): string {
  const bounds: Array<[number, string]> = [
    [1e3, 'n<1K'],
    [1e4, '1K<n<10K'],
    [1e5, '10K<n<100K'],
    [1e6, '100K<n<1M'],
    [1e7, '1M<n<10M'],
    [1e8, '10M<n<100M'],
  ];
  for (const [b, label] of bounds) if (n < b) return label;
  return '100M<n<1B';
}

/** The card's description of the train split's order, with the curriculum's counts. */
function trainOrder(r: ExportReport): string {
  const { ranked, unranked, byRank } = r.curriculum;
  const ranks = Object.entries(byRank).map(([rank, n]) => `${rank}: ${n}`).join(', ');
  if (r.settings.order === 'shuffle') {
    return ranked ? `shuffled; ${ranked} samples carry a curriculum rank (export with \`order: curriculum\` / \`--order curriculum\` to train in that order)` : 'shuffled';
  }
  if (!ranked) return 'curriculum requested, but no sample carries a curriculum rank (`meta.curriculum.rank`): the order is the shuffled one';
  return `curriculum: ascending \`meta.curriculum.rank\` (samples per rank: ${ranks}${unranked ? `; ${unranked} unranked last` : ''}), ties shuffled; keep the trainer's shuffle off (the launch configs do)`;
}
