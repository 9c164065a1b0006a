import { ConfigError } from '../errors.js';

/** A model id split into the provider that serves it and the provider's own model name. */
export interface ModelRef {
  /** Provider name, the key of `hooks.provider` (`openai`, `ollama`). */
  provider: string;
  /** The model name as the provider knows it; may itself contain colons (`qwen2.5-coder:7b`). */
  model: string;
}

/**
 * Split a `provider:model` id at its first colon:
 * `ollama:qwen2.5-coder:7b` → `{ provider: 'ollama', model: 'qwen2.5-coder:7b' }`.
 * @param where names the config key or flag the id came from, for the error message.
 * @throws ConfigError when there is no colon, or the provider or model part is empty.
 */
export function parseModelId(id: string, where = 'model'): ModelRef {
  const colon = id.indexOf(':');
  const provider = colon > 0 ? id.slice(0, colon).trim() : '';
  const model = colon > 0 ? id.slice(colon + 1).trim() : '';
  if (!provider || !model || !/^[a-z][a-z0-9_-]*$/.test(provider)) {
    throw new ConfigError(`${where}: "${id}" is not a model id of the form provider:model`, {
      code: 'CONFIG_MODEL_ID',
      hint: 'write it as provider:model, e.g. openai:gpt-4o-mini or ollama:qwen2.5-coder:7b',
    });
  }
  return { provider, model };
}
