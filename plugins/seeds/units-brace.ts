import { lineAt, lineStartsOf, type Unit } from './unit.js';

/**
 * Whole functions and classes of a brace language (C, C++, Java, C#, Go, Rust, JS, TS, PHP, Kotlin,
 * Swift, Scala, shell), found by matching `{`/`}` on masked text (see mask.ts: comments and literal
 * contents are blanked, so braces inside them never count) and reading each block's header, the code
 * between the previous `;`/`{`/`}` at the same depth and the opening brace.
 *
 * A block is a unit when its header declares a function or a type (rules per language below);
 * namespaces, `extern "C"` and Rust `mod` blocks are looked through. Blocks of other kinds (object
 * literals, top-level calls such as `describe(() => {...})`, initialisers) are not units.
 *
 * The header starts at the first code line after the previous terminator (a preprocessor line counts as
 * one in C, C++ and C#), but never above a blank
 * line: languages without semicolons (Go, JS without them, Kotlin, ...) have no terminator before a
 * declaration. In Go a header also starts at its `func`/`type` line.
 *
 * @param text original source text.
 * @param masked `maskNonCode(text, language)`.
 * @returns top-level units in source order, each with its members (for classes).
 */
export function braceUnits(text: string, masked: string, language: string): Unit[] {
  const lines = lineStartsOf(text);
  const maskedLines = masked.split('\n');
  const root: Block = { header: '', headerStart: 0, open: -1, close: masked.length, children: [], parenBase: 0, inner: false };
  const stack: Block[] = [root];
  const segStart: number[] = [0];
  // Open ( and [ count: a `{` inside them (an object or lambda argument, a parameter's type literal) is
  // not a declaration body, and `;` inside them (`for (;;)`) does not end a statement.
  let paren = 0;
  // C preprocessor lines (and C#'s #region, #if) end like statements though they have no `;`.
  const directives = language === 'c' || language === 'cpp' || language === 'csharp';
  let line = 1;

  for (let i = 0; i < masked.length; i++) {
    const ch = masked[i];
    const top = stack[stack.length - 1]!;
    const depth = stack.length - 1;
    if (ch === '\n') {
      if (directives && paren === top.parenBase && /^\s*#/.test(maskedLines[line - 1]!)) segStart[depth] = i + 1;
      line++;
    } else if (ch === '(' || ch === '[') paren++;
    else if (ch === ')' || ch === ']') paren = Math.max(top.parenBase, paren - 1);
    else if (ch === ';' && paren === top.parenBase) segStart[depth] = i + 1;
    else if (ch === '{') {
      const inner = paren > top.parenBase;
      const start = inner ? i : headerStart(masked, maskedLines, lines, segStart[depth] ?? 0, i, language);
      const block: Block = { header: inner ? '' : masked.slice(start, i), headerStart: start, open: i, close: -1, children: [], parenBase: paren, inner };
      if (!inner) top.children.push(block);
      stack.push(block);
      segStart[depth + 1] = i + 1;
    } else if (ch === '}' && stack.length > 1) {
      const done = stack.pop()!;
      done.close = i;
      paren = done.parenBase;
      if (!done.inner) segStart[stack.length - 1] = i + 1;
    }
  }
  // Unclosed blocks (truncated file): they end at the end of the text.
  for (const b of stack.slice(1)) b.close = masked.length - 1;
  return toUnits(root.children, language, false, lines);
}

interface Block {
  header: string;
  headerStart: number;
  open: number;
  close: number;
  children: Block[];
  /** Open-paren count when the block opened; its own ( and [ are counted from here. */
  parenBase: number;
  /** Opened inside ( or [: part of an expression, never a unit. */
  inner: boolean;
}

function headerStart(masked: string, maskedLines: string[], lines: number[], seg: number, brace: number, language: string): number {
  let k = seg;
  while (k < brace && /\s/.test(masked[k]!)) k++;
  // Walk up from the brace line while lines are non-blank (comment-only lines are blank once masked).
  let line = lineAt(lines, brace);
  const firstCodeLine = lineAt(lines, k);
  while (line > firstCodeLine && (maskedLines[line - 2] ?? '').trim() !== '') line--;
  if (language === 'go') {
    for (let l = lineAt(lines, brace); l >= line; l--) {
      if (/^\s*(func|type)\b/.test(maskedLines[l - 1] ?? '')) {
        line = l;
        break;
      }
    }
  }
  if (line > firstCodeLine) {
    const offset = lines[line - 1]!;
    k = offset;
    while (k < brace && /\s/.test(masked[k]!)) k++;
  }
  return k;
}

function toUnits(blocks: Block[], language: string, inClass: boolean, lines: number[]): Unit[] {
  const units: Unit[] = [];
  for (const b of blocks) {
    const what = classify(b.header, language, inClass);
    if (what === 'container') {
      units.push(...toUnits(b.children, language, false, lines));
      continue;
    }
    if (!what) continue;
    units.push({
      kind: what.kind,
      startLine: lineAt(lines, b.headerStart),
      endLine: lineAt(lines, b.close),
      ...(what.symbol ? { symbol: what.symbol } : {}),
      members: what.kind === 'class' ? toUnits(b.children, language, true, lines) : [],
    });
  }
  return units;
}

type Kind = { kind: 'function' | 'class'; symbol?: string } | 'container' | undefined;

const CONTROL = new Set([
  'if', 'for', 'while', 'switch', 'catch', 'return', 'sizeof', 'do', 'else', 'try', 'using', 'lock', 'foreach',
  'synchronized', 'fixed', 'checked', 'unchecked', 'new', 'typeof', 'defined', 'when', 'match', 'loop', 'guard',
]);

/**
 * What a block header declares. `header` is masked (no comments, literal contents blanked).
 * Returns undefined for blocks that are not declarations.
 */
export function classify(rawHeader: string, language: string, inClass: boolean): Kind {
  const h = stripPrefixes(rawHeader.replace(/\s+/g, ' ').trim(), language);
  if (h === '') return undefined;
  let m: RegExpExecArray | null;

  if (/^(export )?(declare )?(namespace|module)\b/.test(h) || /^(inline )?namespace\b/.test(h) || /^extern "\s*"$/.test(h)) {
    return 'container';
  }
  if (language === 'rust' && /^(pub(\([^)]*\))? )?mod \w+$/.test(h)) return 'container';

  switch (language) {
    case 'go':
      if ((m = /^func\s*(?:\([^)]*\)\s*)?([A-Za-z_]\w*)/.exec(h))) return { kind: 'function', symbol: m[1] };
      if ((m = /^type ([A-Za-z_]\w*)/.exec(h))) return { kind: 'class', symbol: m[1] };
      return undefined;
    case 'rust':
      if ((m = /\bfn ([A-Za-z_]\w*)/.exec(h))) return { kind: 'function', symbol: m[1] };
      if ((m = /\b(?:struct|enum|trait|union) ([A-Za-z_]\w*)/.exec(h))) return { kind: 'class', symbol: m[1] };
      if ((m = /^(?:unsafe )?impl\b(?:<[^{]*?>)? ?(.*)$/.exec(h))) return { kind: 'class', symbol: m[1]!.trim() || undefined };
      return undefined;
    case 'shell':
      if ((m = /^(?:function )?([\w.:-]+) ?\( ?\)$/.exec(h)) || (m = /^function ([\w.:-]+)$/.exec(h))) {
        return { kind: 'function', symbol: m[1] };
      }
      return undefined;
    case 'javascript':
    case 'typescript':
      return classifyJs(h, inClass);
    case 'php':
      if ((m = /\bfunction &?([A-Za-z_]\w*) ?\(/.exec(h))) return { kind: 'function', symbol: m[1] };
      if ((m = /\b(?:class|interface|trait|enum) ([A-Za-z_]\w*)/.exec(h))) return { kind: 'class', symbol: m[1] };
      return undefined;
    case 'kotlin':
      if ((m = /\bfun (?:<[^>]*> ?)?(?:[\w.]+\.)?([A-Za-z_]\w*) ?\(/.exec(h))) return { kind: 'function', symbol: m[1] };
      if ((m = /\b(?:class|interface|object) ([A-Za-z_]\w*)/.exec(h))) return { kind: 'class', symbol: m[1] };
      return undefined;
    case 'swift':
      if ((m = /\bfunc ([A-Za-z_]\w*)/.exec(h))) return { kind: 'function', symbol: m[1] };
      if ((m = /\b(?:class|struct|enum|protocol|extension|actor) ([A-Za-z_][\w.]*)/.exec(h))) return { kind: 'class', symbol: m[1] };
      return undefined;
    case 'scala':
      if ((m = /\bdef ([A-Za-z_]\w*)/.exec(h))) return { kind: 'function', symbol: m[1] };
      if ((m = /\b(?:class|object|trait) ([A-Za-z_]\w*)/.exec(h))) return { kind: 'class', symbol: m[1] };
      return undefined;
    default:
      return classifyCLike(h, inClass);
  }
}

// Leading annotations, attributes, templates and access labels are part of the unit but say nothing of its kind.
function stripPrefixes(h: string, language: string): string {
  let prev: string;
  do {
    prev = h;
    h = h
      .replace(/^#!?\[[^\]]*\] ?/, '') // Rust attribute
      .replace(/^@[\w.]+(\([^)]*\))? ?/, '') // Java/TS/Kotlin annotation or decorator
      .replace(/^(public|private|protected|internal) ?: ?/, '') // C++ access label
      .replace(/^template ?<[^{]*?> ?(?=[a-z])/, ''); // C++ template parameters
    if (language === 'csharp') h = h.replace(/^\[[^\]]*\] ?/, '');
  } while (h !== prev);
  return h;
}

function classifyJs(h: string, inClass: boolean): Kind {
  let m: RegExpExecArray | null;
  if ((m = /^(?:export )?(?:default )?(?:declare )?(?:async )?function ?\*? ?([\w$]+)?/.exec(h))) return { kind: 'function', symbol: m[1] };
  if ((m = /^(?:export )?(?:default )?(?:declare )?(?:abstract )?class\b ?([\w$]+)?/.exec(h))) return { kind: 'class', symbol: m[1] };
  if ((m = /^(?:export )?(?:declare )?(?:const )?(?:interface|enum) ([\w$]+)/.exec(h))) return { kind: 'class', symbol: m[1] };
  if ((m = /^(?:export )?(?:declare )?type ([\w$]+)(?: ?<[^=]*>)? ?= ?$/.exec(h))) return { kind: 'class', symbol: m[1] };
  if ((m = /^(?:export )?(?:const|let|var) ([\w$]+)(?: ?:[^=]+)? ?= ?(?:async )?(?:function\b|(?:<[^>]*> ?)?\([^)]*\)(?: ?:[^=]+)? ?=> ?$|[\w$]+ ?=> ?$)/.exec(h))) {
    return { kind: 'function', symbol: m[1] };
  }
  if (inClass) {
    m = /^(?:(?:public|private|protected|static|async|get|set|override|readonly|abstract|accessor) )*\*? ?([\w$#]+) ?(?:<[^>]*> ?)?\(/.exec(h);
    if (m && !CONTROL.has(m[1]!)) return { kind: 'function', symbol: m[1] };
    if ((m = /^(?:[\w$#]+ )*([\w$#]+) ?(?::[^=]+)?= ?(?:async )?(?:\([^)]*\)|[\w$]+)(?: ?:[^=]+)? ?=> ?$/.exec(h))) return { kind: 'function', symbol: m[1] };
  }
  return undefined;
}

function classifyCLike(h: string, inClass: boolean): Kind {
  let m: RegExpExecArray | null;
  if (!h.includes('(') && (m = /\b(?:class|struct|interface|enum|union|record)(?: class| struct)? ([A-Za-z_]\w*)/.exec(h))) {
    return { kind: 'class', symbol: m[1] };
  }
  if (!h.includes('(') && /^(?:typedef )?(?:struct|union|enum)$/.test(h)) return { kind: 'class' };
  m = /(operator ?[^\s(]+|[A-Za-z_~][\w:~]*) ?\(/.exec(h);
  if (!m || CONTROL.has(m[1]!)) return undefined;
  const before = h.slice(0, m.index).trim();
  // A declaration has a return type or modifier before its name; constructors (in a class, or `A::A`) need none.
  const qualified = m[1]!.includes('::');
  if (before === '' && !inClass && !qualified) return undefined;
  if (/[=,(]$/.test(before)) return undefined; // `x = f(...) {`, an argument: not a declaration
  return { kind: 'function', symbol: m[1]!.replace(/\s+/g, '') };
}
