import { escapeRegExp, type CodeItem } from './items.js';

/** Fence tags that hold Python (an untagged fence is taken as the benchmark's language too). */
const PYTHON_TAGS = new Set(['', 'python', 'py', 'python3']);

/**
 * The code of a chat reply: among its fenced blocks (``` or ~~~) tagged python or untagged, the first
 * that defines `entryPoint`, else the first; a reply without such a fence is taken whole (a model
 * answering with bare code). A small reader of our own: core's block extraction is not part of the
 * public API, and this needs only the fences.
 */
export function replyCode(reply: string, entryPoint?: string): string {
  const blocks: string[] = [];
  const lines = reply.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)[^`]*$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !close.test(lines[j]!); j++) body.push(lines[j]!);
    i = j;
    if (PYTHON_TAGS.has(open[2]!.toLowerCase()) && body.join('').trim()) blocks.push(body.join('\n'));
  }
  if (blocks.length === 0) return reply.trim() ? `${reply.replace(/\s+$/, '')}\n` : '';
  const chosen = (entryPoint && blocks.find((b) => definesFunction(b, entryPoint))) || blocks[0]!;
  return `${chosen.replace(/\s+$/, '')}\n`;
}

/** True when `code` defines `name` at the top level (`def name(` or `async def name(` in column 0). */
export function definesFunction(code: string, name: string): boolean {
  return new RegExp(`^(async\\s+)?def\\s+${escapeRegExp(name)}\\s*\\(`, 'm').test(code);
}

/**
 * The program that tests one completion, and the completion as it is used:
 * - completion style (HumanEval): a reply that redefines the entry point is a whole function, run
 *   after the prompt (the prompt keeps the imports and helper functions it declares, e.g.
 *   HumanEval/38's `encode_cyclic`; its docstring-only stub is valid Python and is replaced by the
 *   reply's definition); any other reply is the function's body, appended to the prompt as in
 *   Chen et al. 2021 (indented by 4 spaces when the model wrote it flush left);
 * - instruction style (MBPP): the setup code, then the reply's code;
 * then the tests and, for a `def check(candidate)` test with an entry point, `check(<entry point>)`.
 */
export function assembleProgram(item: CodeItem, reply: string): { completion: string; program: string } {
  const code = replyCode(reply, item.entryPoint);
  let completion = code;
  let head: string;
  if (item.style === 'completion') {
    const prompt = item.prompt.endsWith('\n') ? item.prompt : `${item.prompt}\n`;
    if (item.entryPoint && definesFunction(code, item.entryPoint)) {
      head = `${prompt}\n${code}`;
    } else {
      const lines = code.split('\n');
      const flush = lines.some((l) => l.trim() && !/^\s/.test(l));
      completion = flush ? lines.map((l) => (l.trim() ? `    ${l}` : l)).join('\n') : code;
      head = `${prompt}${completion}`;
    }
  } else {
    head = `${item.setup ? `${item.setup}\n\n` : ''}${code}`;
  }
  const check = item.entryPoint && /^def\s+check\s*\(/m.test(item.tests) ? `\n\ncheck(${item.entryPoint})\n` : '\n';
  return { completion, program: `${head}\n\n${item.tests}${check}` };
}
