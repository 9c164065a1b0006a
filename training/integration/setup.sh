#!/usr/bin/env bash
# Create the trainer integration tier's virtual environments, one per trainer (their pins conflict:
# LLaMA-Factory 0.9.5 wants transformers <= 5.6.0, axolotl 0.19.0 exactly 5.16.1, TRL 1.16 runs on 5.24).
#
# Disk is the constraint on a CI machine (a run once failed with "No space left on device" while the
# three venvs held 12.4 GB), so:
# - every venv runs on the CPU build of torch 2.13.0 that lies on this machine's disk (a plain `torch`
#   requirement would download a CUDA build of several GB);
# - LLaMA-Factory is installed without its torchvision and torchaudio requirements: PyPI's builds of both
#   link CUDA torch (torchaudio's `_torchaudio.so` needs libc10_cuda.so; torchvision fails with
#   "operator torchvision::nms does not exist") and fail beside the CPU build, and the only CUDA torch on
#   disk (2.14.1) brings 5 GB of nvidia libraries. Its other requirements come from its own metadata.
#   It imports torchaudio when its multimodal module loads (llamafactory/data/mm_plugin.py) and calls it
#   only to read audio inputs, so a stand-in module that raises on use goes in its place; text SFT never
#   reaches it. transformers sees no torchvision and leaves its image and video code alone;
# - pip keeps no cache (--no-cache-dir), and identical files across the venvs (torch, pyarrow, ...) are
#   hard-linked after each install (util-linux `hardlink`, present on Debian).
# Usage: training/integration/setup.sh [VENV_ROOT]   (default: .venv-train in the repository)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="${1:-$here/../../.venv-train}"
mkdir -p "$root"
torch=(torch==2.13.0)
for trainer in trl llama-factory axolotl; do
  venv="$root/$trainer"
  requirements="$here/requirements-$trainer.txt"
  stamp="$(cat "$requirements" "$0")"
  if [ -f "$venv/.installed" ] && [ "$(cat "$venv/.installed")" = "$stamp" ]; then
    echo "trainer venv $venv: up to date"
    continue
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  # One retry per step: a dropped connection to the package index should not fail a CI run.
  pip_install() { "$venv/bin/pip" install -q --disable-pip-version-check --no-cache-dir "$@" || { echo "pip install failed; retrying once" >&2; sleep 10; "$venv/bin/pip" install -q --disable-pip-version-check --no-cache-dir "$@"; }; }
  pip_install "${torch[@]}"
  if [ "$trainer" = llama-factory ]; then
    pin="$(grep -E '^llamafactory==' "$requirements")"
    pip_install --no-deps "$pin"
    # Its requirements as its wheel states them, less torch (pinned above), torchvision and torchaudio.
    mapfile -t deps < <("$venv/bin/python" - <<'EOF'
from importlib.metadata import requires
from pip._vendor.packaging.requirements import Requirement
for line in requires("llamafactory") or []:
    r = Requirement(line)
    if r.marker is None and r.name not in ("torch", "torchvision", "torchaudio"):
        print(line)
EOF
    )
    grep -vE '^(llamafactory==|#)' "$requirements" > "$venv/requirements-rest.txt"
    pip_install "${deps[@]}" -r "$venv/requirements-rest.txt" "${torch[@]}"
    echo "(pip's complaint that llamafactory requires torchaudio and torchvision is expected: see the top of setup.sh)"
    site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
    mkdir -p "$site/torchaudio"
    cat > "$site/torchaudio/__init__.py" <<'EOF'
"""Stand-in for torchaudio in instructsmith's trainer test venv (training/integration/setup.sh):
LLaMA-Factory imports torchaudio at load time and uses it only to read audio inputs, which text SFT
never has. PyPI's torchaudio links CUDA torch and cannot load beside the CPU build this venv runs."""


def __getattr__(name):
    raise ImportError(f"torchaudio.{name}: torchaudio is a stand-in in this test environment (see training/integration/setup.sh); audio inputs are not supported here")
EOF
  else
    pip_install -r "$requirements" "${torch[@]}"
  fi
  printf '%s' "$stamp" > "$venv/.installed"
  echo "trainer venv $venv: installed ($(du -sh "$venv" | cut -f1) before linking)"
  if command -v hardlink >/dev/null 2>&1; then hardlink -q -t "$root" || echo "hardlink failed; the venvs stay unlinked" >&2; fi
done
du -sh "$root"
