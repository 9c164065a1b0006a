import { languageFromFence, SQL_DIALECT_FENCES } from '../languages.js';

/**
 * Cutting the code to check out of a model's response (DESIGN.md, "Static verification": code is
 * extracted from the response's fenced blocks; the language comes from the fence, else from the
 * record).
 */

/** One block of code found in a response. */
export interface CodeBlock {
  /** 0-based position among the blocks returned for this text. */
  index: number;
  /** Language id (`python`, `sql`, ...); for a fence naming a language we do not know, its tag as written (`haskell`). */
  language: string;
  /** The block's code, without the fence lines and without the fence's own indentation. */
  code: string;
  /** SQL dialect where the fence names one (`postgres`, `mysql`, ...). */
  dialect?: string;
  /** 1-based line of the text where the code starts (the line after the opening fence). */
  startLine: number;
  /** False when the whole unfenced answer was taken as code. */
  fenced: boolean;
}

/**
 * Fence tags that mark data, prose or tool output, not source to check. Our choice: a model that
 * writes ```text or ```output is showing output, and checking it as the record's language would
 * reject good answers. Transcripts (`console`, `pycon`) mix prompts and output, so they are not
 * checkable either, even though `console` names shell elsewhere (core/languages.ts).
 */
const NOT_CODE = new Set([
  'text', 'txt', 'plain', 'plaintext', 'output', 'out', 'result', 'stdout', 'stderr', 'log', 'logs',
  'json', 'jsonl', 'json5', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf', 'xml', 'html', 'css', 'csv', 'tsv',
  'md', 'markdown', 'diff', 'patch', 'mermaid', 'math', 'latex', 'tex', 'dot', 'graphql', 'proto',
  'console', 'shell-session', 'sh-session', 'terminal', 'pycon', 'python-repl', 'ipython', 'repl',
  'dockerfile', 'makefile', 'cmake', 'gradle', 'env', 'none',
]);

// CommonMark §4.5: up to 3 spaces of indentation, then 3+ backticks or tildes; an info string of a
// backtick fence cannot contain a backtick.
const OPEN = /^( {0,3})(`{3,}|~{3,})(.*)$/;

/**
 * Find the code blocks of one response.
 *
 * - Fenced blocks (``` and ~~~, CommonMark §4.5): any number per answer; a closing fence is the
 *   same character repeated at least as often with nothing after it; an unclosed fence runs to the
 *   end of the text (as CommonMark renders it). The fence's indentation is removed from the code.
 * - Language: the fence's tag through {@link languageFromFence}; an empty tag takes
 *   `fallbackLanguage` (the record's); a tag in {@link NOT_CODE} (`text`, `output`, `json`, ...) is
 *   not code and is left out; any other unknown tag is kept as written so the gate can say no
 *   analyzer handles it instead of checking it as the wrong language.
 * - SQL dialect: from the fence tag (```postgres → `postgres`, see `SQL_DIALECT_FENCES`) or a
 *   `dialect=NAME` attribute in the info string.
 * - No fence at all: the whole text is one block in `fallbackLanguage` when {@link looksLikeCode}
 *   says so, else there is no block.
 *
 * Empty blocks (only whitespace) are left out. Returns blocks in text order, `index` 0..n-1.
 */
export function extractCodeBlocks(text: string, fallbackLanguage: string): CodeBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  let sawFence = false;
  for (let i = 0; i < lines.length; i++) {
    const m = OPEN.exec(lines[i]!);
    if (!m) continue;
    const [, indent = '', fence = '', rawInfo = ''] = m;
    if (fence[0] === '`' && rawInfo.includes('`')) continue; // inline code span, not a fence
    sawFence = true;
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !close.test(lines[j]!); j++) body.push(stripIndent(lines[j]!, indent.length));
    const startLine = i + 2;
    i = j; // continue after the closing fence
    const code = body.join('\n');
    if (!code.trim()) continue;
    const info = rawInfo.trim();
    const tag = info.split(/[\s{,]/)[0]?.toLowerCase() ?? '';
    if (tag && NOT_CODE.has(tag)) continue;
    const language = tag ? (languageFromFence(info) ?? tag.replace(/^\./, '')) : fallbackLanguage;
    const dialect = dialectOf(tag, info, language);
    blocks.push({ index: blocks.length, language, code, startLine, fenced: true, ...(dialect ? { dialect } : {}) });
  }
  if (!sawFence && looksLikeCode(text)) {
    const lead = /^(?:[ \t]*\r?\n)*/.exec(text)?.[0] ?? '';
    const code = text.slice(lead.length).replace(/\s+$/, '');
    const startLine = lead.split('\n').length;
    blocks.push({ index: 0, language: fallbackLanguage, code, startLine, fenced: false });
  }
  return blocks;
}

function stripIndent(line: string, n: number): string {
  let k = 0;
  while (k < n && line[k] === ' ') k++;
  return line.slice(k);
}

function dialectOf(tag: string, info: string, language: string): string | undefined {
  if (language !== 'sql') return undefined;
  const attr = /\bdialect\s*=\s*["']?([A-Za-z0-9_-]+)/.exec(info);
  if (attr) return attr[1]!.toLowerCase();
  return SQL_DIALECT_FENCES[tag];
}

// A sentence: starts with a letter, at least five words, no code punctuation, ends like prose.
const PROSE = /^[A-Za-z][A-Za-z'’-]*(?:[ \t]+[A-Za-z0-9'’,()`"-]+){4,}[.!?:]?$/;
const CODE_PUNCT = /[;{}=<>[\]]|\(\)|::|->|=>|^\s*(?:#|\/\/|--|\/\*|\*)/;

/**
 * Heuristic (our choice): does an unfenced answer consist of code? Lines inside block comments and
 * triple-quoted strings (docstrings) and comment lines are ignored; of the rest, a line is prose when
 * it reads like a sentence (five or more words, no code punctuation). The text is code when its first
 * counted line is not prose and at most 20% of counted lines are prose. Tuned so that HumanEval's
 * prompt + canonical solution (docstrings full of prose) counts as code and a paragraph of
 * explanation does not.
 */
export function looksLikeCode(text: string): boolean {
  const counted: string[] = [];
  let inBlock: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (inBlock) {
      if (line.includes(inBlock)) inBlock = undefined;
      continue;
    }
    if (!line) continue;
    const opener = /("""|'''|\/\*)/.exec(line);
    if (opener) {
      const end = opener[1] === '/*' ? '*/' : opener[1]!;
      const rest = line.slice(opener.index + opener[1]!.length);
      if (!rest.includes(end)) inBlock = end;
      if (opener.index === 0) continue; // the line is the comment or docstring itself
    }
    if (/^(#(?!include|define|!)|\/\/|--\s)/.test(line)) continue;
    counted.push(line);
  }
  if (counted.length === 0) return false;
  // Code lines may read like words (`if x is not None and y:`) but rarely start with a capital or end with a full stop.
  const isProse = (l: string) => PROSE.test(l) && !CODE_PUNCT.test(l) && (/^[A-Z]/.test(l) || /[.!?]$/.test(l));
  if (isProse(counted[0]!)) return false;
  const prose = counted.filter(isProse).length;
  return prose / counted.length <= 0.2;
}
