"""Make a tiny randomly initialised Qwen2-architecture causal LM in MODEL_DIR, offline.

MODEL_DIR must already hold the Qwen2.5 tokenizer files (tokenizer.json, tokenizer_config.json)
that instructsmith ships (training/tokenizer.ts, qwen25TokenizerFiles). The sizes are our choice:
2 layers of width 64 train in about a second per step on a CPU; the vocabulary is Qwen2.5's
embedding size (151,936 rows, config.json of Qwen/Qwen2.5-Coder-7B), so every token id fits.
Prints one JSON line: {"model_dir", "parameters", "transformers"}.
"""

import json
import sys

import torch
import transformers
from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM


def main(model_dir: str) -> None:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    config = Qwen2Config(
        vocab_size=151936,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
        pad_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
    )
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config)
    model.save_pretrained(model_dir)
    print(json.dumps({"model_dir": model_dir, "parameters": sum(p.numel() for p in model.parameters()), "transformers": transformers.__version__}))


if __name__ == "__main__":
    main(sys.argv[1])
