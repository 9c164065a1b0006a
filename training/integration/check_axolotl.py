"""axolotl's own `preprocess` on our axolotl config writes labels equal to our tokenized export's.

Usage: check_axolotl.py EXPORT_DIR MODEL_DIR OUT_DIR. Runs `axolotl preprocess` (the command that
tokenizes and masks a config's datasets and saves them to `dataset_prepared_path`) on our config
with only what the tiny model and a CPU need changed: `base_model` (the tiny model), the dataset
paths made absolute, `dataset_prepared_path` and `output_dir` under OUT_DIR, and attention and
precision for the CPU (`attn_implementation: eager`, `bf16`/`tf32` off). Every prepared row is
matched by its `input_ids` to a row of the tokenized export and its `labels` must be equal, the
end-of-turn token included. Rows listed by check_chat_template.py as `boundary_ids` tokenize
differently when the rendered text is tokenized whole (axolotl does); they are matched by decoded
text instead, not compared, and listed in `boundary_ids` (the Node test requires them to be among
check_chat_template.py's). One difference is known and reported, not failed: an empty trained
assistant turn, whose end-of-turn token our export trains and axolotl does not (its `find_turn`
returns no span for an empty turn, src/axolotl/prompt_strategies/chat_template.py, "This is likely an
empty turn", so the turn's EOT is skipped too): listed in `empty_turn_ids`.
"""

import glob
import os
import subprocess
import sys

import datasets
import yaml
from transformers import AutoTokenizer

import axolotl
from common import export_files, fail, read_jsonl, report


def main(export_dir: str, model_dir: str, out_dir: str) -> None:
    with open(os.path.join(export_dir, "axolotl", "config.yaml"), encoding="utf-8") as f:
        config = yaml.safe_load(f)
    prepared = os.path.join(out_dir, "prepared")
    for entry in config.get("datasets", []) + config.get("test_datasets", []):
        entry["path"] = os.path.join(export_dir, entry["path"])
    config.update(
        base_model=model_dir,
        dataset_prepared_path=prepared,
        output_dir=os.path.join(out_dir, "checkpoints"),
        attn_implementation="eager",
        bf16=False,
        tf32=False,
    )
    os.makedirs(out_dir, exist_ok=True)
    config_path = os.path.join(out_dir, "axolotl.yaml")
    with open(config_path, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}", "CUDA_VISIBLE_DEVICES": "", "AXOLOTL_DO_NOT_TRACK": "1"}
    proc = subprocess.run(["axolotl", "preprocess", config_path], cwd=export_dir, env=env, capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        fail(f"axolotl preprocess exited {proc.returncode}:\n{output[-4000:]}")
    if "turn terminator won't be trained" in output:
        fail("axolotl warns that the turn terminator won't be trained")
    saved = [os.path.dirname(p) for p in glob.glob(os.path.join(prepared, "**", "dataset_info.json"), recursive=True)]
    if not saved:
        fail(f"axolotl preprocess wrote no prepared dataset under {prepared}:\n{output[-2000:]}")
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    ours = [row for path in export_files(export_dir, "tokenized").values() for row in read_jsonl(path)]
    by_ids = {tuple(r["input_ids"]): r for r in ours}
    by_text = {tokenizer.decode(r["input_ids"]): r for r in ours}
    eot = tokenizer.convert_tokens_to_ids(config["eot_tokens"][0])
    rows, by_text_rows, empty_turn_ids = 0, [], []

    def only_empty_turn_eots(ids, theirs, mine_labels):
        """True when every differing label is our trained EOT right after an assistant header (an empty turn)."""
        diff = [i for i, (a, b) in enumerate(zip(theirs, mine_labels)) if a != b]
        return bool(diff) and all(
            theirs[i] == -100 and mine_labels[i] == eot and tokenizer.decode(ids[:i]).endswith("<|im_start|>assistant\n") for i in diff
        )

    for folder in saved:
        for row in datasets.load_from_disk(folder):
            mine = by_ids.get(tuple(row["input_ids"]))
            if mine is None:
                mine = by_text.get(tokenizer.decode(row["input_ids"]))
                if mine is None:
                    fail(f"{folder}: a prepared row matches no tokenized row: {tokenizer.decode(row['input_ids'])[:200]!r}")
                by_text_rows.append(mine["id"])
            elif list(row["labels"]) != mine["labels"] and only_empty_turn_eots(row["input_ids"], row["labels"], mine["labels"]):
                empty_turn_ids.append(mine["id"])
            elif list(row["labels"]) != mine["labels"]:
                diff = [i for i, (a, b) in enumerate(zip(row["labels"], mine["labels"])) if a != b][:10]
                fail(f"{folder} id {mine['id']}: axolotl's labels differ from ours at {diff}")
            if eot not in [l for l in row["labels"] if l != -100]:
                fail(f"{folder} id {mine['id']}: axolotl does not train the end-of-turn token")
            rows += 1
    if rows != len(ours):
        fail(f"axolotl prepared {rows} rows, our tokenized export has {len(ours)}")
    report({"axolotl": axolotl.__version__, "rows": rows, "boundary_ids": sorted(by_text_rows), "empty_turn_ids": sorted(empty_turn_ids)})


if __name__ == "__main__":
    main(*sys.argv[1:4])
