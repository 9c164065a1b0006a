import type { ChatMessage } from '../record.js';
import { SampleExportError } from './sample-error.js';
import type { ChatTokenizer } from './chat-tokenizer.js';

/** The label of a token the loss ignores (PyTorch `CrossEntropyLoss(ignore_index=-100)`, the value every HF trainer uses). */
export const IGNORE_INDEX = -100;

/** One pre-tokenized, loss-masked training row. All arrays have the same length (tokens). */
export interface TokenizedSample {
  input_ids: number[];
  /** All 1: rows are unpadded; trainers pad per batch. */
  attention_mask: number[];
  /** `input_ids[i]` where the token is trained, else -100. Not shifted: trainers shift for next-token prediction. */
  labels: number[];
  /** 1 where trained, else 0: TRL's collator masks `labels` with this column when it is present. */
  assistant_masks: number[];
}

// Private-use code points: a sentinel that no chat template rewrites and no real text needs.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const SENTINEL = /\uE000(\d+)\uE001/g;

/**
 * Tokenize a weighted conversation (see `weightConversation`) with the model's chat template and
 * build its loss mask: labels are the token ids of each weight-1 assistant turn's content plus the
 * end-of-turn token the template puts right after it (`<|im_end|>` for ChatML); every other token
 * (system prompt, user turns, role headers, context assistant turns, the newline after the
 * end-of-turn token) is -100.
 *
 * How: the template is rendered once with a numbered sentinel in place of each message's content,
 * which splits the rendered text into template pieces and message contents exactly (no offset
 * guessing); the real rendering must equal the pieces with the contents put back, else the template
 * changes the content and the mask cannot be placed. Template pieces are tokenized with control
 * tokens parsed; each content is tokenized on its own as plain text (as LLaMA-Factory tokenizes each
 * turn on its own), so no token straddles a mask boundary. The mask is then verified by decoding
 * (`verifyMask`).
 *
 * @throws SampleExportError `sentinel_in_content`, `template_drops_content`,
 *   `template_alters_content`, `no_end_of_turn` (no control token follows a trained turn), or
 *   `mask_mismatch` (verification failed): the sample is never exported with a guessed mask
 */
export function tokenizeConversation(tok: ChatTokenizer, messages: readonly ChatMessage[]): TokenizedSample {
  messages.forEach((m, i) => {
    if (m.content.includes(OPEN) || m.content.includes(CLOSE)) {
      throw new SampleExportError('sentinel_in_content', `message ${i} contains U+E000 or U+E001, which the mask code reserves as markers`);
    }
  });
  const { pieces, order } = skeletonOf(tok, messages);
  if (order.length !== messages.length || order.some((n, i) => n !== i)) {
    throw new SampleExportError('template_drops_content', `the chat template of ${tok.name} does not render each message's content once, in order (rendered message order: ${order.join(',') || 'none'})`);
  }
  const real = tok.render(messages);
  const rebuilt = pieces.map((p, i) => p + (messages[i]?.content ?? '')).join('');
  if (rebuilt !== real) {
    throw new SampleExportError('template_alters_content', `the chat template of ${tok.name} changes message content (e.g. strips or rewrites it), so the trained span cannot be located exactly`);
  }

  const out: TokenizedSample = { input_ids: [], attention_mask: [], labels: [], assistant_masks: [] };
  const push = (ids: number[], trained: boolean) => {
    for (const id of ids) {
      out.input_ids.push(id);
      out.attention_mask.push(1);
      out.labels.push(trained ? id : IGNORE_INDEX);
      out.assistant_masks.push(trained ? 1 : 0);
    }
  };
  let trainNextEot = false;
  for (let k = 0; k < pieces.length; k++) {
    const piece = pieces[k]!;
    if (trainNextEot) {
      const eot = leadingControlToken(tok, piece);
      if (!eot) {
        throw new SampleExportError('no_end_of_turn', `the chat template of ${tok.name} puts no control token right after assistant turn ${k - 1} (next text: ${JSON.stringify(piece.slice(0, 20))}), so the end of the turn cannot be trained`);
      }
      push([eot.id], true);
      push(tok.encodeTemplate(piece.slice(eot.text.length)), false);
    } else {
      push(tok.encodeTemplate(piece), false);
    }
    const m = messages[k];
    if (!m) break;
    const trained = m.role === 'assistant' && m.weight === 1;
    push(tok.encodeContent(m.content), trained);
    trainNextEot = trained;
  }
  const problem = verifyMask(tok, messages, out);
  if (problem) throw new SampleExportError('mask_mismatch', problem);
  return out;
}

/**
 * Check a loss mask token by token: the runs of labelled tokens (labels != -100), decoded, must be
 * exactly the weight-1 assistant contents, each followed by one end-of-turn control token, in
 * order; every labelled token must equal its input id; `assistant_masks` must agree with `labels`.
 * Text is compared after Unicode NFC normalization when the raw text differs, because tokenizers
 * with an NFC normalizer (Qwen2.5) cannot reproduce non-NFC input.
 * Returns undefined when the mask is right, else a sentence saying what is wrong.
 */
export function verifyMask(tok: ChatTokenizer, messages: readonly ChatMessage[], sample: TokenizedSample): string | undefined {
  const n = sample.input_ids.length;
  if (sample.labels.length !== n || sample.attention_mask.length !== n || sample.assistant_masks.length !== n) {
    return `column lengths differ (input_ids ${n}, labels ${sample.labels.length}, attention_mask ${sample.attention_mask.length}, assistant_masks ${sample.assistant_masks.length})`;
  }
  const runs: number[][] = [];
  let run: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const label = sample.labels[i]!;
    const trained = label !== IGNORE_INDEX;
    if (trained && label !== sample.input_ids[i]) return `token ${i}: label ${label} differs from input id ${sample.input_ids[i]}`;
    if ((sample.assistant_masks[i] === 1) !== trained) return `token ${i}: assistant_masks disagrees with labels`;
    if (trained) (run ??= []).push(label);
    else if (run) {
      runs.push(run);
      run = undefined;
    }
  }
  if (run) runs.push(run);
  const expected = messages.filter((m) => m.role === 'assistant' && m.weight === 1).map((m) => m.content);
  if (runs.length !== expected.length) return `${runs.length} trained spans for ${expected.length} trained assistant turns`;
  for (let t = 0; t < runs.length; t++) {
    const ids = runs[t]!;
    const eotId = ids[ids.length - 1]!;
    const eotText = [...tok.addedTokens].find(([, id]) => id === eotId)?.[0];
    if (eotText === undefined) return `trained span ${t} does not end with an end-of-turn control token (last id ${eotId})`;
    const text = tok.decode(ids.slice(0, -1));
    const want = expected[t]!;
    if (text !== want && text.normalize('NFC') !== want.normalize('NFC')) {
      return `trained span ${t} decodes to ${JSON.stringify(text.slice(0, 80))}, expected the assistant content ${JSON.stringify(want.slice(0, 80))}`;
    }
  }
  return undefined;
}

/** Most role sequences a tokenizer's skeleton cache holds; a dataset has a handful (system?, user, assistant, ...). */
const SKELETONS_PER_TOKENIZER = 1024;
const skeletons = new WeakMap<ChatTokenizer, Map<string, { pieces: string[]; order: number[] }>>();

/**
 * The template pieces around each message's content, and the order the contents appear in, from one
 * rendering with numbered sentinels as contents. The rendering sees only roles and sentinels, so it
 * is the same for every conversation with the same roles: cached per tokenizer and role sequence.
 */
function skeletonOf(tok: ChatTokenizer, messages: readonly ChatMessage[]): { pieces: string[]; order: number[] } {
  const key = messages.map((m) => m.role).join('\n');
  let cache = skeletons.get(tok);
  if (!cache) skeletons.set(tok, (cache = new Map()));
  const hit = cache.get(key);
  if (hit) return hit;
  const skeleton = tok.render(messages.map((m, i) => ({ role: m.role, content: `${OPEN}${i}${CLOSE}` })));
  const pieces: string[] = [];
  const order: number[] = [];
  let last = 0;
  for (const match of skeleton.matchAll(SENTINEL)) {
    pieces.push(skeleton.slice(last, match.index));
    order.push(Number(match[1]));
    last = match.index + match[0].length;
  }
  pieces.push(skeleton.slice(last));
  const made = { pieces, order };
  if (cache.size < SKELETONS_PER_TOKENIZER) cache.set(key, made);
  return made;
}

function leadingControlToken(tok: ChatTokenizer, text: string): { text: string; id: number } | undefined {
  let best: { text: string; id: number } | undefined;
  for (const [t, id] of tok.addedTokens) {
    if (t.length > 0 && text.startsWith(t) && (!best || t.length > best.text.length)) best = { text: t, id };
  }
  return best;
}
