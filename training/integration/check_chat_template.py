"""transformers' own chat template gives exactly our tokenized rows.

Usage: check_chat_template.py EXPORT_DIR MODEL_DIR. For every sample (matched by id between the
messages and tokenized exports):
- `tokenizer.apply_chat_template(messages, tokenize=True)` equals our `input_ids`;
- the trained tokens equal an independent derivation from the template: for each assistant turn
  with weight 1, the tokens between the render of the conversation before it (with the generation
  prompt) and the render that includes it, less the template's trailing newline, i.e. the content
  and `<|im_end|>`; our `labels` are those tokens and -100 elsewhere;
- two kinds of sample cannot agree token for token, so for them only the decoded text must be equal
  and their ids are listed in `boundary_ids`: content holding the text of a control token
  (`<|im_end|>` written as text: our export encodes it as ordinary text, `apply_chat_template`, like
  every trainer that tokenizes rendered text, reads it as the control token), and content whose
  leading whitespace holds a newline (tokenized alone, as the model generates it after
  `<|im_start|>assistant\n`, it does not merge with the template's newline; tokenized in the
  rendered text it does: Qwen2's pre-tokenizer groups consecutive newlines);
- where the template marks assistant turns with `{% generation %}`, its
  `return_assistant_tokens_mask` must equal our `assistant_masks`. Qwen2.5's template has no such
  block (transformers then returns an all-zero mask), so the check reports it as unsupported.
"""

import re
import sys

import transformers
from transformers import AutoTokenizer

from common import export_files, fail, read_jsonl, report

IGNORE_INDEX = -100  # transformers' and every trainer's ignore label
LEADING_NEWLINE = re.compile(r"\s*[\r\n]")


def template_ids(tokenizer, messages, add_generation_prompt=False):
    out = tokenizer.apply_chat_template(messages, tokenize=True, add_generation_prompt=add_generation_prompt, return_dict=True)
    return list(out["input_ids"])


def main(export_dir: str, model_dir: str) -> None:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    newline = tokenizer.encode("\n", add_special_tokens=False)
    supports_mask = "{% generation %}" in (tokenizer.chat_template or "") or "{%- generation %}" in (tokenizer.chat_template or "")
    messages_files, tokenized_files = export_files(export_dir, "messages"), export_files(export_dir, "tokenized")
    rows = 0
    control_texts = [t.content for t in tokenizer.added_tokens_decoder.values()]
    boundary_ids = []
    for split, path in tokenized_files.items():
        conversations = {r["id"]: r["messages"] for r in read_jsonl(messages_files[split])}
        for row in read_jsonl(path):
            messages = conversations[row["id"]]
            plain = [{"role": m["role"], "content": m["content"]} for m in messages]
            if any(t in m["content"] for m in messages for t in control_texts) or any(LEADING_NEWLINE.match(m["content"]) for m in messages):
                if tokenizer.decode(row["input_ids"]) != tokenizer.apply_chat_template(plain, tokenize=False):
                    fail(f"{path} id {row['id']}: our input_ids do not decode to the chat template's text")
                boundary_ids.append(row["id"])
                continue
            ids = template_ids(tokenizer, plain)
            if ids != row["input_ids"]:
                fail(f"{path} id {row['id']}: apply_chat_template gives {len(ids)} ids, ours {len(row['input_ids'])}; first difference at {next((i for i, (a, b) in enumerate(zip(ids, row['input_ids'])) if a != b), min(len(ids), len(row['input_ids'])))}")
            labels = [IGNORE_INDEX] * len(ids)
            for i, m in enumerate(messages):
                if m["role"] != "assistant" or not m.get("weight"):
                    continue
                start = len(template_ids(tokenizer, plain[:i], add_generation_prompt=True))
                end = len(template_ids(tokenizer, plain[: i + 1]))
                if ids[end - len(newline) : end] == newline:
                    end -= len(newline)
                labels[start:end] = ids[start:end]
            if labels != row["labels"]:
                fail(f"{path} id {row['id']}: labels differ from the template-derived trained tokens at positions {[i for i, (a, b) in enumerate(zip(labels, row['labels'])) if a != b][:10]}")
            if supports_mask:
                mask = tokenizer.apply_chat_template(plain, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)["assistant_masks"]
                if list(mask) != row["assistant_masks"]:
                    fail(f"{path} id {row['id']}: the template's assistant mask differs from ours")
            rows += 1
    report({"transformers": transformers.__version__, "rows": rows, "boundary_ids": sorted(boundary_ids), "assistant_mask": "checked" if supports_mask else "unsupported: the chat template has no {% generation %} block"})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
