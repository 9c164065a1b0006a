"""Helpers shared by the trainer integration checks: read an export folder, report, fail."""

import json
import math
import os
import sys
from typing import Any, NoReturn


def read_jsonl(path: str) -> list[dict[str, Any]]:
    """Rows of a JSON Lines file (one object per non-empty line)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def export_files(export_dir: str, fmt: str) -> dict[str, str]:
    """Data files by split of one format folder, from its export.json (`files`), as absolute paths."""
    with open(os.path.join(export_dir, fmt, "export.json"), encoding="utf-8") as f:
        report = json.load(f)
    return {split: os.path.join(export_dir, fmt, name) for split, name in report["files"].items()}


def fail(message: str) -> NoReturn:
    """Print the failure on stderr and exit 1 (the Node test shows stderr)."""
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def report(result: dict[str, Any]) -> None:
    """Print the check's result as the last line of stdout, one JSON object (the Node test parses it)."""
    print(json.dumps(result), flush=True)


def finite(loss: Any) -> bool:
    """True when `loss` is a real number that is neither NaN nor infinite."""
    return isinstance(loss, (int, float)) and math.isfinite(loss)
