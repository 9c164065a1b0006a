import { definePlugin, z } from '../../core/index.js';
import { BUILTIN_TOKENIZERS, loadChatTokenizer } from '../../training/tokenizer.js';

export const huggingfaceTokenizerOptions = z
  .object({
    /** The tokenizer an export uses when its settings name none; our choice: the Qwen2.5(-Coder) tokenizer shipped in training/tokenizers/. */
    default: z.string().min(1).default('qwen2.5'),
  })
  .strict();

/**
 * `tokenizer:huggingface`: answers `hooks.tokenizer` with a Hugging Face tokenizer and chat template
 * (training/tokenizer.ts): a built-in name (`qwen2.5`) or a folder holding tokenizer.json and
 * tokenizer_config.json. Applied to every run and export.
 */
export default definePlugin({
  name: 'tokenizer:huggingface',
  description: `Hugging Face tokenizers and chat templates for export (built in: ${BUILTIN_TOKENIZERS.join(', ')}; or a model folder)`,
  options: huggingfaceTokenizerOptions,
  apply(ctx, options) {
    ctx.hooks.tokenizer.tap((spec) => loadChatTokenizer(spec ?? options.default));
  },
});
