"""A long-lived pylint for analyzer:python (core/verify/tool-server.ts speaks to it).

One JSON request per stdin line, {"id": n, "cwd": dir, "args": [...pylint CLI arguments...]};
one JSON line back per request, {"id": n, "exitCode": c, "stdout": s, "stderr": e}, where stdout
and the exit code are what `pylint ARGS` run in `dir` prints and exits with. The interpreter,
pylint and astroid are imported once, and astroid keeps the standard library modules it built
across requests: that start-up is most of a CLI run over a few short files.

Each batch's own modules (s0.py, s1.py, ... in a fresh directory) are evicted from astroid's
caches after its run, so the next batch's s0 is never answered from the previous one's.
Exits when stdin closes.
"""

import contextlib
import ctypes
import io
import json
import os
import signal
import sys
import traceback

# Linux: die with the parent even while busy (a sample pylint never finishes), where stdin EOF
# would only be read after the request. PR_SET_PDEATHSIG = 1 (prctl(2)).
try:
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)
except (OSError, AttributeError):
    pass

# The protocol owns the real stdout; anything else written to fd 1 (a C extension, a stray print
# outside the capture below) goes to stderr instead of corrupting it.
PROTOCOL = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)
sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), encoding="utf-8", line_buffering=True)

from astroid import MANAGER  # noqa: E402  (after the fd swap: imports may print)
from astroid.inference_tip import clear_inference_tip_cache  # noqa: E402
from pylint.lint import Run  # noqa: E402

# Exit code for an exception that escaped pylint (sysexits EX_SOFTWARE): not one of pylint's
# status bits (< 32), so the batch counts as crashed and is bisected instead of passing unread.
INTERNAL_ERROR = 70


def under(path, roots):
    if not path:
        return False
    full = os.path.realpath(path)
    return any(full == r or full.startswith(r + os.sep) for r in roots)


def evict(cwd):
    """Drop what astroid cached about the files of the batch in `cwd` (the stdlib stays)."""
    roots = {os.path.realpath(cwd)}
    for name, module in list(MANAGER.astroid_cache.items()):
        if under(getattr(module, "file", None), roots):
            del MANAGER.astroid_cache[name]
    for key, value in list(MANAGER._mod_file_cache.items()):  # pylint: disable=protected-access
        _modname, context = key
        location = getattr(value, "location", None)
        if under(context, roots) or under(location, roots):
            del MANAGER._mod_file_cache[key]  # pylint: disable=protected-access
    # Inference results hold nodes of the batch's modules; dropping them keeps memory flat.
    clear_inference_tip_cache()


def run(cwd, args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    previous = os.getcwd()
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                Run(list(args))
            except SystemExit as done:
                if done.code is None:
                    code = 0
                elif isinstance(done.code, int):
                    code = done.code
                else:
                    print(done.code, file=sys.stderr)
                    code = 1
            except Exception:  # pylint: disable=broad-except
                traceback.print_exc()
                code = INTERNAL_ERROR
    finally:
        os.chdir(previous)
        evict(cwd)
    return code, out.getvalue(), err.getvalue()


def main():
    for raw in iter(sys.stdin.buffer.readline, b""):
        if not raw.strip():
            continue
        request = json.loads(raw)
        code, out, err = run(request["cwd"], request["args"])
        PROTOCOL.write(json.dumps({"id": request["id"], "exitCode": code, "stdout": out, "stderr": err}) + "\n")
        PROTOCOL.flush()


if __name__ == "__main__":
    main()
