#!/usr/bin/env bash
# Create the trainer integration tier's virtual environments, one per trainer (their pins conflict:
# LLaMA-Factory 0.9.5 wants transformers <= 5.6.0, axolotl 0.19.0 exactly 5.16.1, TRL 1.16 runs on 5.24).
# torch goes in first, pinned to a build this machine has on disk (a plain `torch` requirement would
# download a CUDA build of several GB): 2.13.0 (CPU) for axolotl and TRL; 2.14.1 with torchvision 0.29.1
# for LLaMA-Factory, which imports torchaudio and torchvision, and PyPI's torchvision fails to load
# beside the 2.13.0 CPU build ("operator torchvision::nms does not exist"). pip's own download cache is
# left as pip keeps it.
# Usage: training/integration/setup.sh [VENV_ROOT]   (default: .venv-train in the repository)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="${1:-$here/../../.venv-train}"
mkdir -p "$root"
for trainer in trl llama-factory axolotl; do
  venv="$root/$trainer"
  if [ -f "$venv/.installed" ] && cmp -s "$venv/.installed" "$here/requirements-$trainer.txt"; then
    echo "trainer venv $venv: up to date"
    continue
  fi
  case "$trainer" in
    llama-factory) torch=(torch==2.14.1 torchvision==0.29.1) ;;
    *) torch=(torch==2.13.0) ;;
  esac
  rm -rf "$venv"
  python3 -m venv "$venv"
  # One retry per step: a dropped connection to the package index should not fail a CI run.
  pip_install() { "$venv/bin/pip" install -q --disable-pip-version-check "$@" || { echo "pip install failed; retrying once" >&2; sleep 10; "$venv/bin/pip" install -q --disable-pip-version-check "$@"; }; }
  pip_install "${torch[@]}"
  pip_install -r "$here/requirements-$trainer.txt" "${torch[@]}"
  cp "$here/requirements-$trainer.txt" "$venv/.installed"
  echo "trainer venv $venv: installed"
done
