/**
 * A model's tokenizer plus its chat template, as the loss-mask code needs them.
 * Built from the two files a Hugging Face model ships (`tokenizer.json`, `tokenizer_config.json`),
 * with @huggingface/tokenizers (encode/decode) and @huggingface/jinja (chat template).
 */
export interface ChatTokenizer {
  /** `qwen2.5` for the built-in one, else the absolute folder it was read from. */
  readonly name: string;
  /** The chat template source (Jinja). */
  readonly chatTemplate: string;
  /** Control tokens (tokenizer.json `added_tokens`) by text, e.g. `<|im_end|>` -> 151645. */
  readonly addedTokens: ReadonlyMap<string, number>;
  /** Template text to ids: the text of a control token becomes that token. No BOS/EOS is added. */
  encodeTemplate(text: string): number[];
  /**
   * Message content to ids, as plain text: the text of a control token inside a message stays text
   * (Hugging Face's `split_special_tokens=True`, applied to every added token), so data that merely
   * mentions `<|im_end|>` cannot end a turn early. No BOS/EOS is added.
   */
  encodeContent(text: string): number[];
  /** Ids back to text, control tokens included. */
  decode(ids: readonly number[]): string;
  /**
   * How another process rebuilds this tokenizer: `(await import(module))[export](spec)` returns a
   * tokenizer that encodes, decodes and renders exactly as this one. With it, the export tokenizes
   * samples in a helper process while the run still makes LLM calls (core/export/pretokenize.ts);
   * without it, everything is tokenized at export. `module` is a file URL.
   */
  readonly recipe?: TokenizerRecipe;
  /** Render a conversation with the chat template (`add_generation_prompt` as given). */
  render(messages: ReadonlyArray<{ role: string; content: string }>, addGenerationPrompt?: boolean): string;
}

/** See {@link ChatTokenizer.recipe}. */
export interface TokenizerRecipe {
  /** File URL of an ES module. */
  module: string;
  /** Name of the function it exports: `(spec: string) => ChatTokenizer | Promise<ChatTokenizer>`. */
  export: string;
  spec: string;
}
