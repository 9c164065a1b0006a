import type { EvaluationError, EvaluationOutcome, ExecutionResult } from '../../../core/index.js';

/** Characters of stderr kept on a failing result (our choice: a traceback of a few frames). */
export const STDERR_TAIL_CHARS = 2000;

const SYNTAX = new Set(['SyntaxError', 'IndentationError', 'TabError']);

/**
 * What a Python test program's execution says: exit 0 passed; otherwise the error, classified from
 * the sandbox verdict (timeout, memory, output_limit, killed, refused) or from the traceback's last
 * line `Type: message` (SyntaxError/IndentationError/TabError → `syntax`; AssertionError →
 * `assertion`, whose message is the failing assert's source line from the traceback's last frame,
 * then the assertion's own message if it has one; any other type → `exception`).
 */
export function pythonOutcome(result: ExecutionResult): EvaluationOutcome {
  if (result.verdict === 'ok') return { passed: true };
  const stderrTail = result.stderr.slice(-STDERR_TAIL_CHARS);
  if (result.verdict !== 'error') {
    return { passed: false, error: { kind: result.verdict, message: result.message ?? result.verdict, stderrTail } };
  }
  return { passed: false, error: { ...classifyTraceback(result.stderr, result.message), stderrTail } };
}

function classifyTraceback(stderr: string, fallback: string | undefined): Omit<EvaluationError, 'stderrTail'> {
  const lines = stderr.replace(/\s+$/, '').split('\n');
  let at = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^[A-Za-z_][\w.]*(:|$)/.test(lines[i]!)) {
      at = i;
      break;
    }
  }
  if (at < 0) return { kind: 'exception', message: fallback ?? 'the program failed without a traceback' };
  const m = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(lines[at]!)!;
  const type = m[1]!.split('.').pop()!;
  const text = m[2] ?? '';
  if (SYNTAX.has(type)) {
    const where = lines.slice(0, at).reverse().find((l) => /^\s*File ".*", line \d+/.test(l))?.trim();
    return { kind: 'syntax', type, message: `${text}${where ? ` (${where})` : ''}` };
  }
  if (type === 'AssertionError') {
    return { kind: 'assertion', type, message: [failingLine(lines.slice(0, at)), text].filter(Boolean).join(': ') || 'AssertionError' };
  }
  return { kind: 'exception', type, message: text ? `${type}: ${text}` : type };
}

/** The source line shown under the traceback's last `File "...", line N, in X` frame (carets skipped). */
function failingLine(lines: string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^\s*File ".*", line \d+/.test(lines[i]!)) {
      const src = lines.slice(i + 1).find((l) => l.trim() && !/^\s*[\^~]+\s*$/.test(l));
      return src?.trim();
    }
  }
  return undefined;
}
