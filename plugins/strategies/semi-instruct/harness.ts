/**
 * Function-level test harnesses: a small driver program (ours) that loads the code under test from
 * `solution.<ext>`, calls its entry point once per input and prints one result line per call.
 *
 * Semi-Instruct calls function-level seeds with arguments (arXiv 2403.00338, §3, validation step);
 * running all of one program's inputs in one sandbox costs one sandbox start instead of N. Each call
 * has its own timer so one slow input fails alone; the caller retries inputs individually when the
 * whole batch fails (see cases.ts).
 *
 * Protocol: stdin is JSON `{"entry": name, "inputs": [argument-list source, ...], "timeout": seconds}`.
 * Each input is the source text of an argument list in the program's language (`[1, 2], 3`;
 * Python keyword arguments too),
 * evaluated inside the sandbox. For every input one stdout line `\u001eCASE {"i", "ok", "value" | "error"}`,
 * value encoded as core's EncodedValue (tagged JSON). The code under test prints to stderr instead,
 * so its own output cannot forge a result line.
 */

/** Marker that starts every result line. */
export const CASE_MARKER = '\u001eCASE ';

export interface HarnessLanguage {
  /** File the code under test is written to, next to the harness. */
  solutionFile: string;
  /** The harness program. */
  driver: string;
}

const PYTHON_DRIVER = String.raw`
import json, math, signal, sys, types

_out = sys.stdout
sys.stdout = sys.stderr

def _enc(v, depth=0):
    if depth > 50:
        return {"$repr": "<too deep>"}
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if abs(v) < 2 ** 53 else {"$int": str(v)}
    if isinstance(v, float):
        if math.isnan(v):
            return {"$float": "nan"}
        if math.isinf(v):
            return {"$float": "inf" if v > 0 else "-inf"}
        return v
    if isinstance(v, list):
        return [_enc(x, depth + 1) for x in v]
    if isinstance(v, tuple):
        return {"$tuple": [_enc(x, depth + 1) for x in v]}
    if isinstance(v, (set, frozenset)):
        return {"$set": [_enc(x, depth + 1) for x in v]}
    if isinstance(v, dict):
        return {"$dict": [[_enc(k, depth + 1), _enc(x, depth + 1)] for k, x in v.items()]}
    if isinstance(v, (bytes, bytearray)):
        return {"$repr": repr(bytes(v))}
    return {"$repr": repr(v)}

def _emit(rec):
    _out.write("\x1eCASE " + json.dumps(rec) + "\n")
    _out.flush()

class _Timeout(BaseException):
    pass

def _alarm(signum, frame):
    raise _Timeout()

def main():
    req = json.loads(sys.stdin.read())
    mod = types.ModuleType("solution")
    mod.__file__ = "solution.py"
    try:
        with open("solution.py") as f:
            exec(compile(f.read(), "solution.py", "exec"), mod.__dict__)
        fn = mod.__dict__[req["entry"]]
    except BaseException as e:
        for i in range(len(req["inputs"])):
            _emit({"i": i, "ok": False, "error": ("load: %s: %s" % (type(e).__name__, e))[:500]})
        return
    signal.signal(signal.SIGALRM, _alarm)
    for i, src in enumerate(req["inputs"]):
        try:
            signal.setitimer(signal.ITIMER_REAL, req["timeout"])
            try:
                # Parsed as a call, so keyword arguments work too: "[1, 2], key=3".
                scope = dict(mod.__dict__)
                scope["__instructsmith_args__"] = lambda *a, **k: (a, k)
                args, kwargs = eval("__instructsmith_args__(" + src + ")", scope)
                value = fn(*args, **kwargs)
                rec = {"i": i, "ok": True, "value": _enc(value)}
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _Timeout:
            rec = {"i": i, "ok": False, "error": "timeout: the call took longer than %s s" % req["timeout"]}
        except BaseException as e:
            rec = {"i": i, "ok": False, "error": ("%s: %s" % (type(e).__name__, e))[:500]}
        _emit(rec)

main()
`;

const JAVASCRIPT_DRIVER = String.raw`
'use strict';
const vm = require('vm');
const fs = require('fs');
const out = (s) => fs.writeSync(1, s);
console.log = console.info = console.warn = console.debug = (...a) => process.stderr.write(a.map(String).join(' ') + '\n');

function enc(v, depth = 0) {
  if (depth > 50) return { $repr: '<too deep>' };
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { $float: 'nan' };
    if (!Number.isFinite(v)) return { $float: v > 0 ? 'inf' : '-inf' };
    return v;
  }
  if (typeof v === 'bigint') return { $int: v.toString() };
  if (Array.isArray(v)) return v.map((x) => enc(x, depth + 1));
  if (v instanceof Set) return { $set: [...v].map((x) => enc(x, depth + 1)) };
  if (v instanceof Map) return { $dict: [...v].map(([k, x]) => [enc(k, depth + 1), enc(x, depth + 1)]) };
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o = {};
    for (const k of Object.keys(v).sort()) o[k.startsWith('$') ? '$' + k : k] = enc(v[k], depth + 1);
    return o;
  }
  return { $repr: String(v) };
}

const emit = (rec) => out('\u001eCASE ' + JSON.stringify(rec) + '\n');
const req = JSON.parse(fs.readFileSync(0, 'utf8'));
let fn;
try {
  // This realm, not a new context: values then keep their prototypes (Set, Map, plain objects) for enc().
  global.module = { exports: {} };
  global.exports = global.module.exports;
  vm.runInThisContext(fs.readFileSync('solution.js', 'utf8'), { filename: 'solution.js' });
  fn = vm.runInThisContext('typeof ' + req.entry + " === 'function' ? " + req.entry + ' : module.exports.' + req.entry);
  if (typeof fn !== 'function') throw new Error(req.entry + ' is not a function');
} catch (e) {
  fn = e;
}
req.inputs.forEach((src, i) => {
  if (typeof fn !== 'function') return emit({ i, ok: false, error: ('load: ' + String(fn && fn.message ? fn.message : fn)).slice(0, 500) });
  let rec;
  try {
    global.__isArgs = vm.runInThisContext('[' + src + ']', { timeout: req.timeout * 1000 });
    global.__isFn = fn;
    const value = vm.runInThisContext('__isFn(...__isArgs)', { timeout: req.timeout * 1000 });
    rec = { i, ok: true, value: enc(value) };
  } catch (e) {
    rec = { i, ok: false, error: String(e && e.name ? e.name + ': ' + e.message : e).slice(0, 500) };
  }
  emit(rec);
});
`;

/** The built-in harnesses, by language id. Program-level seeds of any language need none. */
export const HARNESSES: Readonly<Record<string, HarnessLanguage>> = Object.freeze({
  python: { solutionFile: 'solution.py', driver: PYTHON_DRIVER },
  javascript: { solutionFile: 'solution.js', driver: JAVASCRIPT_DRIVER },
});

/** One call's outcome as the harness reports it. */
export type CaseOutcome = { i: number; ok: true; value: unknown } | { i: number; ok: false; error: string };

/**
 * Parse the harness's result lines out of stdout.
 * @returns outcomes by input index; inputs without a line (the batch died first) are absent.
 */
export function parseCaseLines(stdout: string): Map<number, CaseOutcome> {
  const out = new Map<number, CaseOutcome>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(CASE_MARKER)) continue;
    try {
      const rec = JSON.parse(line.slice(CASE_MARKER.length)) as CaseOutcome;
      if (typeof rec.i === 'number' && !out.has(rec.i)) out.set(rec.i, rec);
    } catch {
      // a line cut by the output cap: that input counts as not run
    }
  }
  return out;
}
