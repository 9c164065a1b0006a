import { ConfigError } from '../errors.js';
import type { Hooks } from '../hooks.js';
import type { ChatTokenizer } from './chat-tokenizer.js';

/**
 * `ExportContext.tokenizer` and `PluginContext.tokenizer`: ask the `tokenizer` hook (tapped by tokenizer plugins) for a spec.
 * @throws ConfigError naming the spec when no tapped plugin knows it
 */
export function tokenizerResolver(hooks: Hooks): (spec?: string) => ChatTokenizer {
  return (spec) => {
    const tok = hooks.tokenizer.call(spec);
    if (tok) return tok;
    throw new ConfigError(`no tokenizer plugin knows the tokenizer ${spec === undefined ? '(default)' : `"${spec}"`}`, {
      code: 'CONFIG_NO_TOKENIZER',
      hint: hooks.tokenizer.isUsed() ? 'give a folder holding tokenizer.json and tokenizer_config.json, or a name the tokenizer plugin lists' : 'add a tokenizer plugin (the CLI adds tokenizer:huggingface)',
    });
  };
}
