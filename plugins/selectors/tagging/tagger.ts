import { structuredOutput, z, type Label, type PluginContext, type Seed, type UsageEntry } from '../../../core/index.js';
import { CODE_CATEGORIES, type TagCategory } from './categories.js';
import { matchCategory, type CategoryMatch } from './normalize.js';
import { TagVocabulary } from './vocabulary.js';

/** Label key of level-1 tags (fine-grained abilities and knowledge), as Infinity Instruct's released records name it. */
export const LEVEL1 = 'ability_en';
/** Label key of level-2 tags (macro categories from the fixed list). */
export const LEVEL2 = 'cate_ability_en';

/**
 * The reply of one tagging call. Upper bounds are our choice: generous enough for any honest answer,
 * tight enough that a runaway reply is refused (and retried) rather than flooding the vocabulary.
 */
const tagsSchema = z
  .object({
    abilities: z.array(z.string().min(1).max(120)).min(1).max(30),
    categories: z.array(z.string().min(1).max(120)).min(1).max(10),
  })
  .strict();
export const TAGS_OUTPUT = structuredOutput('infinity_tags', tagsSchema);

/**
 * Longest instruction or response put into a tagging prompt, in characters: our choice. Tags follow
 * from the start of a conversation; a bounded prompt keeps a huge pool row from costing a huge call.
 */
export const MAX_PROMPT_CHARS = 6000;

/** Options shared by `selector:tag` and `selector:match` (both tag with the same tagger). */
export const taggerOptions = {
  /** `provider:model` of the tagger; default: the run's model. */
  model: z.string().optional(),
  /** Replaces the level-2 category list (default: {@link CODE_CATEGORIES}); names must be unique. */
  categories: z
    .array(z.object({ name: z.string().min(1), description: z.string().default('') }).strict())
    .min(2)
    .refine((cs) => new Set(cs.map((c) => c.name)).size === cs.length, { message: 'category names must be unique' })
    .optional(),
  /** Most level-1 tags kept per row (after merging); also the number the prompt asks for at most. Our choice: 6. */
  maxTags: z.number().int().min(1).max(20).default(6),
  /** Template directory (system.jinja, user.jinja) of the tagging prompt. */
  template: z.string().default('selector-tagging'),
};

export interface TaggerConfig {
  model?: string;
  categories?: TagCategory[];
  maxTags: number;
  template: string;
}

/** What tagging one row gives: its label, how each level-2 answer was read, and the call's usage. */
export interface TagResult {
  label: Label;
  /** Surface forms of level-1 tags as the model wrote them (for the vocabulary). */
  surfaces: string[];
  /** Every level-2 answer and where it went; `unknown` ones are not in the label. */
  categories: CategoryMatch[];
  usage: UsageEntry[];
}

/**
 * A two-level tagger (Infinity Instruct, arXiv 2506.11116: level-1 fine-grained ability and knowledge
 * tags from an LLM, grouped under level-2 macro categories). One structured call per row (schema
 * `infinity_tags`); level-1 tags are merged by their normalised key (`foldTag`: case, punctuation,
 * plural, synonyms) and capped at `maxTags`; level-2 answers are mapped onto the fixed list
 * (`matchCategory`) or left out, never invented. The label holds the keys; the vocabulary keeps the
 * canonical surface form of each for display.
 * @throws LlmError — `invalid_output` when the reply never validates (callers drop the row), fatal kinds otherwise
 */
export class Tagger {
  readonly categories: readonly TagCategory[];
  readonly vocabulary = new TagVocabulary();
  private readonly names: string[];

  constructor(
    private readonly ctx: PluginContext,
    private readonly config: TaggerConfig,
  ) {
    this.categories = config.categories ?? CODE_CATEGORIES;
    this.names = this.categories.map((c) => c.name);
  }

  /** Tag one instruction (and its response when given). */
  async tag(instruction: string, response?: string): Promise<TagResult> {
    const messages = this.ctx.templates.chat(this.config.template, {
      instruction: instruction.slice(0, MAX_PROMPT_CHARS),
      response: response?.slice(0, MAX_PROMPT_CHARS) ?? '',
      categories: this.categories,
      max_tags: this.config.maxTags,
    });
    const { value, usage } = await this.ctx.llm(this.config.model).structured({ messages, temperature: 0 }, TAGS_OUTPUT);
    const abilities: string[] = [];
    const surfaces: string[] = [];
    for (const surface of value.abilities) {
      const key = this.vocabulary.add(surface);
      if (!key) continue;
      surfaces.push(surface);
      if (!abilities.includes(key) && abilities.length < this.config.maxTags) abilities.push(key);
    }
    const categories = value.categories.map((c) => matchCategory(c.trim(), this.names));
    const cates = [...new Set(categories.flatMap((m) => (m.category ? [m.category] : [])))];
    return { label: { [LEVEL1]: abilities, [LEVEL2]: cates }, surfaces, categories, usage };
  }

  /** Tag a seed: its conversation's first user turn and the assistant turn after it, else its code. */
  tagSeed(seed: Seed): Promise<TagResult> {
    const { instruction, response } = seedText(seed);
    return this.tag(instruction, response);
  }
}

/** The text a seed is tagged by: a pool row's first user turn and first answer, or a code seed's code. */
export function seedText(seed: Seed): { instruction: string; response?: string } {
  const messages = seed.messages ?? [];
  const first = messages.findIndex((m) => m.role === 'user');
  if (first < 0) return { instruction: seed.code };
  const answer = messages.slice(first + 1).find((m) => m.role === 'assistant');
  return { instruction: messages[first]!.content, ...(answer ? { response: answer.content } : {}) };
}
