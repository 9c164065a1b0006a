import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { createHooks } from '../hooks.js';
import { createLlmFactory } from './factory.js';
import { parseModelId } from './model-id.js';
import { DEFAULT_LLM_SETTINGS, llmSettingsSchema } from './settings.js';
import type { ChatProvider, ProviderOptions } from './types.js';
import { UsageMeter } from './usage.js';

function fakeProvider(name: string, options: ProviderOptions, calls: string[]): ChatProvider {
  const endpoint = options.baseUrl ?? `http://${name}.default`;
  return {
    name,
    endpoint,
    async chat(model) {
      calls.push(`${endpoint} ${model}`);
      return { content: `reply from ${model}`, promptTokens: 1, completionTokens: 2 };
    },
  };
}

function setup(options: { baseUrl?: string | Record<string, string>; defaultModel?: string } = {}) {
  const hooks = createHooks();
  const calls: string[] = [];
  const built: ProviderOptions[] = [];
  for (const name of ['openai', 'ollama']) {
    hooks.provider.for(name).tap(`provider:${name}`, (o) => {
      built.push(o);
      return fakeProvider(name, o, calls);
    });
  }
  const llm = createLlmFactory({ hooks, meter: new UsageMeter(), ...options });
  return { llm, calls, built };
}

describe('parseModelId', () => {
  it('splits at the first colon', () => {
    expect(parseModelId('ollama:qwen2.5-coder:7b')).toEqual({ provider: 'ollama', model: 'qwen2.5-coder:7b' });
    expect(parseModelId('openai:gpt-4o')).toEqual({ provider: 'openai', model: 'gpt-4o' });
  });

  it('rejects ids without a provider or model, naming the expected form', () => {
    for (const bad of ['gpt-4o', ':gpt', 'openai:', 'Open AI:x']) {
      expect(() => parseModelId(bad, 'plugins.judge:quality.model')).toThrow(ConfigError);
      expect(() => parseModelId(bad, 'plugins.judge:quality.model')).toThrow(/plugins\.judge:quality\.model: ".*" is not a model id of the form provider:model/);
    }
  });
});

describe('createLlmFactory', () => {
  it('memoises clients per id and builds each provider once', async () => {
    const { llm, calls, built } = setup({ defaultModel: 'openai:a' });
    expect(llm()).toBe(llm('openai:a'));
    expect(llm('openai:b')).not.toBe(llm('openai:a'));
    await llm('openai:b').complete({ messages: [{ role: 'user', content: 'x' }] }, { plugin: 'p:q' });
    expect(calls).toEqual(['http://openai.default b']);
    expect(built).toHaveLength(1);
  });

  it('applies a string base URL to the default model provider only; a record per provider', () => {
    const one = setup({ defaultModel: 'ollama:m', baseUrl: 'http://gpu:11434' });
    one.llm();
    one.llm('openai:x');
    expect(one.built).toEqual([{ baseUrl: 'http://gpu:11434' }, {}]);
    const many = setup({ baseUrl: { openai: 'http://vllm:8000/v1' } });
    many.llm('openai:x');
    many.llm('ollama:y');
    expect(many.built).toEqual([{ baseUrl: 'http://vllm:8000/v1' }, {}]);
  });

  it('says how to give a model when none is given', () => {
    const { llm } = setup();
    expect(() => llm()).toThrow('no model: pass --model provider:model or set `model` in the config');
  });

  it('lists the registered providers for an unknown one', () => {
    const { llm } = setup();
    let err: ConfigError | undefined;
    try {
      llm('anthropic:claude');
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toContain('"anthropic"');
    expect(err!.message).toContain('registered: ollama, openai');
  });
});

describe('settings', () => {
  it('defaults every key and rejects unknown or out-of-range ones', () => {
    expect(llmSettingsSchema.parse({})).toEqual(DEFAULT_LLM_SETTINGS);
    expect(llmSettingsSchema.parse({ concurrency: 2 }).concurrency).toBe(2);
    expect(() => llmSettingsSchema.parse({ concurency: 2 })).toThrow();
    expect(() => llmSettingsSchema.parse({ concurrency: 0 })).toThrow();
  });
});

describe('settings checks in the factory', () => {
  it('names the bad llm.* key', () => {
    expect(() => createLlmFactory({ hooks: createHooks(), meter: new UsageMeter(), settings: { concurrency: 0 } })).toThrow(/llm\.concurrency/);
    expect(() => createLlmFactory({ hooks: createHooks(), meter: new UsageMeter(), settings: { backoffBaseMs: 10, backoffMaxMs: 1 } })).toThrow(/llm\.backoffMaxMs/);
  });
});
