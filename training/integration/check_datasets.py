"""`datasets.load_dataset(FOLDER)` on every export folder finds the splits its card declares.

Usage: check_datasets.py EXPORT_DIR. Each folder holding a README.md is one dataset: the card's
`configs:` front matter names the data files per split (huggingface.co/docs/hub/datasets-manual-configuration);
the loaded splits and their row counts must equal export.json's `files` and `rows`.
"""

import json
import os
import sys

import datasets

from common import fail, report


def main(export_dir: str) -> None:
    checked = {}
    for fmt in sorted(os.listdir(export_dir)):
        folder = os.path.join(export_dir, fmt)
        if not os.path.isfile(os.path.join(folder, "README.md")):
            continue
        with open(os.path.join(folder, "export.json"), encoding="utf-8") as f:
            exported = json.load(f)
        loaded = datasets.load_dataset(folder)
        want = {split: exported["rows"][split] for split in exported["files"]}
        got = {split: loaded[split].num_rows for split in loaded}
        if got != want:
            fail(f"{folder}: load_dataset gave splits {got}, export.json says {want}")
        checked[fmt] = got
    if not checked:
        fail(f"{export_dir}: no export folder with a README.md")
    report({"datasets": datasets.__version__, "folders": checked})


if __name__ == "__main__":
    main(sys.argv[1])
