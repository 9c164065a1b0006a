import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { ConfigError, LlmError, structuredOutput, z, type PluginContext } from '../../../core/index.js';
import { EVALUATION_FORMATS, parseFields, readCodeBenchmark, type CodeItem, type EvaluationFormat } from '../code/index.js';
import { matchCategory } from '../../selectors/tagging/normalize.js';
import { LEVEL2, MAX_PROMPT_CHARS, Tagger } from '../../selectors/tagging/tagger.js';
import { passByCategory, rankCategories, rankDeficiencies } from './aggregate.js';
import { readEvaluationDir, type ResultLine } from './evaluation-dir.js';
import { renderDiagnosisMarkdown } from './markdown.js';
import { DIAGNOSIS_VERSION, type Diagnosis, type FailureDiagnosis, type ItemTags } from './types.js';

/**
 * The reply of one diagnosis call: level-1 abilities the completion lacked, level-2 categories from
 * the tagging list, one line of explanation. Bounds are our choice (as the tagger's).
 */
const deficiencySchema = z
  .object({
    abilities: z.array(z.string().min(1).max(120)).min(1).max(10),
    categories: z.array(z.string().min(1).max(120)).min(1).max(5),
    explanation: z.string().min(1).max(400),
  })
  .strict();
export const DEFICIENCY_OUTPUT = structuredOutput('infinity_deficiency', deficiencySchema);

/** Longest error text put into a diagnosis prompt, in characters: our choice (the failing assert or the last traceback lines). */
export const MAX_ERROR_CHARS = 1500;

export interface DiagnoseOptions {
  /** `provider:model` of the diagnosing (and tagging) model; default: the context's default model. */
  model?: string;
  /** Calls in flight at once. */
  concurrency: number;
  /** Level-1 abilities kept per failure (and per tagged item). Our choice, as the tagger's default: 6. */
  maxTags: number;
  /** Reader of the benchmark file; default from the evaluation's benchmark name (humaneval, mbpp). */
  format?: EvaluationFormat;
  /** `--fields` mapping for a `jsonl` benchmark. */
  fields?: string;
  /** Template directory of the diagnosis prompt. */
  template?: string;
}

/**
 * Infinity Instruct's model-deficiency diagnosis (arXiv 2506.11116: the weak abilities of a model
 * are found from its failures on an evaluation set and expressed in the labelling system's tags, so
 * that new instructions can be synthesised for them), for a code benchmark whose answers were run:
 * for each failed item of `EVAL_DIR` (its prompt, the benchmark's reference solution, the model's
 * completion and the error), one structured call (`infinity_deficiency`,
 * templates/diagnose-deficiency) names the abilities the completion lacked, in the tagging stage's
 * taxonomy: level-1 tags normalised by the tagging library (`foldTag`, merged in a `TagVocabulary`),
 * level-2 answers mapped onto its category list (`matchCategory`; unknown ones left out, noted).
 * Every evaluated item (passed or failed) is also tagged by the `Tagger`, for pass@1 per level-2 tag.
 * Calls are at temperature 0 and results are kept in benchmark order, so with the LLM cache a rerun
 * gives the same file. Writes `EVAL_DIR/diagnosis.json` ({@link Diagnosis}) and `diagnosis.md`.
 * A failure whose reply never validates is kept as `undiagnosed` (with the reason), an item whose
 * tagging fails as `untagged`: nothing is left out silently.
 * @throws ConfigError / InputError as readEvaluationDir and the benchmark readers do (naming the file
 *   and line); ConfigError when a result names an item the benchmark file does not hold; fatal LlmErrors
 */
export async function diagnoseEvaluation(ctx: PluginContext, evalDir: string, options: DiagnoseOptions): Promise<Diagnosis> {
  const evaluation = readEvaluationDir(evalDir);
  const format = options.format ?? (evaluation.benchmark === 'humaneval' || evaluation.benchmark === 'mbpp' ? evaluation.benchmark : undefined);
  if (!format) throw new ConfigError(`cannot tell the reader of ${evaluation.file} (benchmark "${evaluation.benchmark}")`, { code: 'USAGE', hint: 'pass --format jsonl --fields prompt=F,tests=F,... as given to instructsmith evaluate' });
  const fields = format === 'jsonl' || options.fields ? parseFields(format, options.fields) : EVALUATION_FORMATS[format];
  const { items: all } = readCodeBenchmark(evaluation.file, fields);
  const byId = new Map(all.map((i) => [i.id, i]));
  for (const id of evaluation.results.keys()) {
    if (!byId.has(id)) throw new ConfigError(`results.jsonl of ${evalDir} names item "${id}", which ${evaluation.file} does not hold`, { code: 'USAGE', hint: 'the benchmark file changed since the evaluation; evaluate again' });
  }
  const items = all.filter((i) => evaluation.results.has(i.id));
  const tagger = new Tagger(ctx, { ...(options.model ? { model: options.model } : {}), maxTags: options.maxTags, template: 'selector-tagging' });
  const names = tagger.categories.map((c) => c.name);
  const limit = pLimit(options.concurrency);
  const client = ctx.llm(options.model);

  const diagnoseOne = async (item: CodeItem, line: ResultLine): Promise<FailureDiagnosis> => {
    const error = { kind: line.error?.kind ?? 'unknown', ...(line.error?.type ? { type: line.error.type } : {}) };
    const base = { id: item.id, sample: line.sample, error };
    const messages = ctx.templates.chat(options.template ?? 'diagnose-deficiency', {
      prompt: item.prompt.slice(0, MAX_PROMPT_CHARS),
      solution: (item.solution ?? '').slice(0, MAX_PROMPT_CHARS),
      completion: line.completion.slice(0, MAX_PROMPT_CHARS),
      error_kind: error.kind,
      error_type: error.type ?? '',
      error_message: errorText(line),
      categories: tagger.categories,
      max_tags: options.maxTags,
    });
    let value: z.output<typeof deficiencySchema>;
    try {
      value = (await client.structured({ messages, temperature: 0 }, DEFICIENCY_OUTPUT)).value;
    } catch (err) {
      if (err instanceof LlmError && err.kind === 'invalid_output') return { ...base, abilities: [], categories: [], explanation: '', undiagnosed: err.message };
      throw err;
    }
    const abilities: string[] = [];
    for (const surface of value.abilities) {
      const key = tagger.vocabulary.add(surface);
      if (key && !abilities.includes(key) && abilities.length < options.maxTags) abilities.push(key);
    }
    const matches = value.categories.map((c) => matchCategory(c.trim(), names));
    const categories = [...new Set(matches.flatMap((m) => (m.category ? [m.category] : [])))];
    const unknown = matches.filter((m) => !m.category).map((m) => m.answer);
    if (abilities.length === 0) return { ...base, abilities, categories, explanation: value.explanation.trim(), undiagnosed: 'no ability tag with letters or digits in the reply' };
    return { ...base, abilities, categories, explanation: value.explanation.trim().split('\n')[0]!, ...(unknown.length ? { unknownCategories: unknown } : {}) };
  };

  const tagOne = async (item: CodeItem, passAt1: number): Promise<ItemTags> => {
    try {
      const { label } = await tagger.tag(item.prompt, item.solution);
      return { id: item.id, passAt1, label };
    } catch (err) {
      if (err instanceof LlmError && err.kind === 'invalid_output') return { id: item.id, passAt1, label: {}, taggingFailed: err.message };
      throw err;
    }
  };

  const perItem = items.map((item) => {
    const lines = evaluation.results.get(item.id)!;
    const passAt1 = lines.filter((l) => l.passed).length / evaluation.samples;
    const failing = lines.filter((l) => !l.passed).sort((a, b) => a.sample - b.sample)[0];
    return { item, passAt1, failing };
  });
  const [failures, tags] = await Promise.all([
    Promise.all(perItem.filter((p) => p.failing).map((p) => limit(() => diagnoseOne(p.item, p.failing!)))),
    Promise.all(perItem.map((p) => limit(() => tagOne(p.item, p.passAt1)))),
  ]);
  const passAt1 = perItem.reduce((s, p) => s + p.passAt1, 0) / perItem.length;
  const diagnosis: Diagnosis = {
    version: DIAGNOSIS_VERSION,
    benchmark: evaluation.benchmark,
    file: evaluation.file,
    format,
    ...(options.fields ? { fields: options.fields } : {}),
    model: evaluation.model,
    diagnosedBy: client.modelId,
    items: items.length,
    samples: evaluation.samples,
    passAt1,
    failed: failures.length,
    undiagnosed: failures.filter((f) => f.undiagnosed).length,
    byCategory: passByCategory(tags, LEVEL2),
    deficiencies: rankDeficiencies(failures, tagger.vocabulary),
    weakCategories: rankCategories(failures),
    failures,
    tags,
  };
  writeDiagnosis(evalDir, diagnosis);
  return diagnosis;
}

/** Write `diagnosis.json` and `diagnosis.md` into `dir`. */
export function writeDiagnosis(dir: string, diagnosis: Diagnosis): void {
  writeFileSync(join(dir, 'diagnosis.json'), `${JSON.stringify(diagnosis, null, 2)}\n`);
  writeFileSync(join(dir, 'diagnosis.md'), renderDiagnosisMarkdown(diagnosis));
}

function errorText(line: ResultLine): string {
  const e = line.error;
  if (!e) return '';
  const text = [e.message, e.stderrTail && !e.stderrTail.includes(e.message) ? e.stderrTail : ''].filter(Boolean).join('\n');
  return text.length > MAX_ERROR_CHARS ? `…${text.slice(-MAX_ERROR_CHARS)}` : text;
}
