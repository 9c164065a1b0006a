"""Train 2 steps on the CPU from our launch config with the trainer's own command line; the loss must be finite.

Usage: train.py {trl|llama-factory} EXPORT_DIR MODEL_DIR OUT_DIR. The launch config is used as
written, from the export folder (its paths are relative to it), except for what the tiny model and
the CPU need: the model path, the step count (`max_steps: 2`), the precision (float32: bf16 off)
and the output folder. The loss is read from the trainer's final metrics line
(transformers' Trainer logs `train_loss` when training ends).
"""

import os
import re
import shutil
import subprocess
import sys

import yaml

from common import fail, finite, report

OVERRIDES = {"max_steps": 2, "bf16": False}
TRAIN_LOSS = re.compile(r"""['"]train_loss['"]:\s*'?([-+0-9.eE]+|nan|inf)""")


def main(trainer: str, export_dir: str, model_dir: str, out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    if trainer == "trl":
        source, exe = os.path.join(export_dir, "trl", "sft.yaml"), ["trl", "sft", "--config"]
        overrides = {**OVERRIDES, "model_name_or_path": model_dir, "dtype": "float32", "output_dir": os.path.join(out_dir, "checkpoints")}
    elif trainer == "llama-factory":
        source, exe = os.path.join(export_dir, "llama-factory", "sft.yaml"), ["llamafactory-cli", "train"]
        overrides = {**OVERRIDES, "model_name_or_path": model_dir, "output_dir": os.path.join(out_dir, "checkpoints")}
    else:
        fail(f"unknown trainer {trainer!r} (expected trl or llama-factory)")
    with open(source, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    missing = [k for k in ("max_steps",) if k in config]
    if missing:
        fail(f"{source} already sets {missing}; the test would not override only the model, steps and precision")
    config.update(overrides)
    config_path = os.path.join(out_dir, f"{trainer}.yaml")
    with open(config_path, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    bindir = os.path.dirname(sys.executable)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}", "CUDA_VISIBLE_DEVICES": "", "WANDB_DISABLED": "true"}
    proc = subprocess.run([*exe, config_path], cwd=export_dir, env=env, capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        fail(f"{' '.join(exe)} {config_path} exited {proc.returncode}:\n{output[-4000:]}")
    losses = TRAIN_LOSS.findall(output)
    if not losses:
        fail(f"no train_loss in the output of {' '.join(exe)}:\n{output[-2000:]}")
    loss = float(losses[-1])
    if not finite(loss):
        fail(f"{trainer}: train_loss {loss} is not finite")
    shutil.rmtree(os.path.join(out_dir, "checkpoints"), ignore_errors=True)
    report({"trainer": trainer, "train_loss": loss, "overrides": sorted(overrides)})


if __name__ == "__main__":
    main(*sys.argv[1:5])
