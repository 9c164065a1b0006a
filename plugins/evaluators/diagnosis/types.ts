import type { Label } from '../../../core/index.js';

/** Schema version of `diagnosis.json`; bumped when a field changes meaning. */
export const DIAGNOSIS_VERSION = 1;

/** What the diagnosing model said about one failed item, after normalisation onto the tagging taxonomy. */
export interface FailureDiagnosis {
  /** Benchmark item id (`HumanEval/3`). */
  id: string;
  /** The failing sample that was diagnosed (the lowest failing sample index of the item). */
  sample: number;
  /** The evaluation's error kind and class (`assertion` / `AssertionError`, `exception` / `ValueError`, ...). */
  error: { kind: string; type?: string };
  /** Level-1 ability keys (normalised by the tagging library's `foldTag`), most important first. */
  abilities: string[];
  /** Level-2 categories, each one of the tagging stage's category list. */
  categories: string[];
  /** The model's one-line explanation of what the completion got wrong. */
  explanation: string;
  /** Level-2 answers that matched no category (left out of `categories`). */
  unknownCategories?: string[];
  /** Set when the diagnosis call never gave a valid reply: the item counts as failed but names no ability. */
  undiagnosed?: string;
}

/** One weak ability: a level-1 tag that failed items were diagnosed with, with its evidence. */
export interface Deficiency {
  /** 1-based rank (most failures first). */
  rank: number;
  /** The level-1 key (`string manipulation`). */
  key: string;
  /** The canonical surface form of the key (its most frequent spelling). */
  ability: string;
  /** Failed items diagnosed with this ability. */
  count: number;
  /** Level-2 categories of those diagnoses, most frequent first. */
  categories: string[];
  /** Ids of the failed items, in benchmark order. */
  evidence: string[];
  /** The explanation given for each evidence item, in the same order. */
  explanations: string[];
}

/** A level-2 category's share of the failures. */
export interface WeakCategory {
  category: string;
  count: number;
  evidence: string[];
}

/** pass@1 of the items whose primary level-2 tag is `category` (the first the tagger gave; `untagged` for none). */
export interface CategoryPass {
  category: string;
  items: number;
  /** Sum over its items of passed samples / samples (so the rows' `passed` add up to the overall). */
  passed: number;
  passAt1: number;
}

/** One benchmark item as tagged, with its pass rate. */
export interface ItemTags {
  id: string;
  /** Passed samples / samples. */
  passAt1: number;
  label: Label;
  /** Set when the tagging call never gave a valid reply (the item is `untagged`). */
  taggingFailed?: string;
}

/** `EVAL_DIR/diagnosis.json`. */
export interface Diagnosis {
  version: number;
  benchmark: string;
  /** The benchmark file (absolute), also the file targeted synthesis is decontaminated against. */
  file: string;
  /** Reader of the file (`humaneval`, `mbpp`, or `jsonl` with `fields`). */
  format: string;
  fields?: string;
  /** The evaluated model, and the model that diagnosed and tagged. */
  model: string;
  diagnosedBy: string;
  items: number;
  samples: number;
  /** Mean over the items of passed / samples. */
  passAt1: number;
  failed: number;
  undiagnosed: number;
  byCategory: CategoryPass[];
  deficiencies: Deficiency[];
  weakCategories: WeakCategory[];
  failures: FailureDiagnosis[];
  tags: ItemTags[];
  /** Filled in by `instructsmith diagnose` after the targeted run: kept and rejected targeted samples per deficiency key. */
  targeted?: { runDir: string; counts: Record<string, { kept: number; rejected: number }> };
}
