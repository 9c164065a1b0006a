/**
 * Blank out the parts of source text that are not code structure (comments, and the contents of
 * string, character, template and regex literals), keeping every offset and line break, so that
 * brace matching, statement splitting and header reading can work on the masked text with plain
 * string operations. Comment characters become spaces; a literal keeps its delimiters and its
 * contents become spaces (so `"}"` cannot close a block, and a line holding only a string still
 * looks like code). `${...}` holes of JS template literals stay code, nested to any depth.
 *
 * This is a lexer, not a parser: it knows each language's comment and literal syntax, which is all
 * that brace and statement matching need. Known gaps (rare in practice, our choice): PHP/shell
 * heredocs, C# interpolation holes that contain string literals, Python 3.12 nested f-string quotes.
 */

/** Lexical rules of a language family. */
interface Dialect {
  line: string[];
  block?: [string, string];
  nestedBlock?: boolean;
  /** Quote characters whose literals use backslash escapes. */
  quotes: string[];
  /** `'` starts a char literal only when it closes like one (Rust, where `'a` is a lifetime). */
  rustChars?: boolean;
  /** JS/TS: backtick template literals with `${}` holes, and regex literals. */
  js?: boolean;
  /** Go: backtick raw strings. */
  goRaw?: boolean;
  /** Rust raw strings `r#"..."#`. */
  rustRaw?: boolean;
  /** C++ raw strings `R"delim(...)delim"`. */
  cppRaw?: boolean;
  /** C# verbatim strings `@"..."` (`""` escapes a quote). */
  csVerbatim?: boolean;
  /** Shell: `#` starts a comment only at a word start; single quotes have no escapes. */
  shell?: boolean;
  /**
   * SQL: quotes escape by doubling. `$tag$...$tag$` (PostgreSQL dollar quoting) holds routine bodies,
   * so its contents stay code, scanned as SQL; only the `;` inside are blanked.
   */
  sql?: boolean;
  /** Python: string prefixes and triple quotes. */
  python?: boolean;
}

const C: Dialect = { line: ['//'], block: ['/*', '*/'], quotes: ['"', "'"] };

/** Dialect per language id (core/languages.ts). Languages not listed have no masking rules. */
export const DIALECTS: Readonly<Record<string, Dialect>> = {
  c: C,
  cpp: { ...C, cppRaw: true },
  java: C,
  csharp: { ...C, csVerbatim: true },
  go: { ...C, goRaw: true },
  rust: { ...C, quotes: ['"'], rustChars: true, rustRaw: true, nestedBlock: true },
  javascript: { ...C, js: true },
  typescript: { ...C, js: true },
  php: { ...C, line: ['//', '#'] },
  kotlin: { ...C, nestedBlock: true },
  swift: { ...C, nestedBlock: true },
  scala: C,
  shell: { line: ['#'], quotes: ['"'], shell: true },
  sql: { line: ['--'], block: ['/*', '*/'], quotes: ["'", '"'], sql: true },
  python: { line: ['#'], quotes: ['"', "'"], python: true },
};

/** True when {@link maskNonCode} has rules for `language`. */
export function canMask(language: string): boolean {
  return language in DIALECTS;
}

/**
 * The masked copy of `text` (same length, same line breaks). Unterminated literals and comments run
 * to the end of the text, as a compiler would read them.
 * @throws Error when `language` has no dialect (check {@link canMask} first).
 */
export function maskNonCode(text: string, language: string): string {
  return maskDetailed(text, language).masked;
}

/** A masked text, plus the 1-based lines that begin inside a literal or comment opened on an earlier line. */
export interface Masked {
  masked: string;
  /** Lines whose first character is inside a multi-line string or comment (e.g. Python's closing `"""` line). */
  continuedLines: Set<number>;
}

/** Like {@link maskNonCode}, also saying which lines begin inside a literal or comment. */
export function maskDetailed(text: string, language: string): Masked {
  const d = DIALECTS[language];
  if (!d) throw new Error(`no masking rules for language "${language}"`);
  const out = text.split('');
  const n = text.length;
  const newlinesInside: number[] = [];
  const blank = (from: number, to: number) => {
    for (let k = from; k < to && k < n; k++) {
      if (out[k] === '\n') newlinesInside.push(k);
      else out[k] = ' ';
    }
  };
  // Template-literal holes: each entry is the brace depth inside the hole; `}` at depth 0 resumes the template.
  const holes: number[] = [];
  // SQL: the open `$tag$` of a dollar-quoted body (PostgreSQL), read as code.
  let dollar: string | undefined;
  let i = 0;

  /** Scan a backslash-escaped literal body from `i` to its `close`; blank the body; return the index after it. */
  const escaped = (start: number, close: string, allowNewline: boolean, escapes = true): number => {
    let k = start;
    while (k < n) {
      const ch = text[k]!;
      if (escapes && ch === '\\') k += 2;
      else if (text.startsWith(close, k)) {
        blank(start, k);
        return k + close.length;
      } else if (ch === '\n' && !allowNewline) break;
      else k++;
    }
    blank(start, Math.min(k, n));
    return Math.min(k, n);
  };

  /** JS template literal body from `start`; stops after the closing backtick or at a `${` hole. */
  const template = (start: number): number => {
    let k = start;
    while (k < n) {
      const ch = text[k]!;
      if (ch === '\\') k += 2;
      else if (ch === '`') {
        blank(start, k);
        return k + 1;
      } else if (ch === '$' && text[k + 1] === '{') {
        blank(start, k + 2); // the hole's braces are template syntax, not blocks
        holes.push(0);
        return k + 2;
      } else k++;
    }
    blank(start, n);
    return n;
  };

  while (i < n) {
    const ch = text[i]!;

    if (d.js && holes.length > 0) {
      if (ch === '{') holes[holes.length - 1]! += 1;
      else if (ch === '}') {
        if (holes[holes.length - 1] === 0) {
          holes.pop();
          out[i] = ' ';
          i = template(i + 1);
          continue;
        }
        holes[holes.length - 1]! -= 1;
      }
    }

    const lineComment = d.line.find((m) => text.startsWith(m, i));
    if (lineComment && (!d.shell || i === 0 || /\s|[;&|(]/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (d.block && text.startsWith(d.block[0], i)) {
      let depth = 1;
      let k = i + d.block[0].length;
      while (k < n && depth > 0) {
        if (d.nestedBlock && text.startsWith(d.block[0], k)) {
          depth++;
          k += d.block[0].length;
        } else if (text.startsWith(d.block[1], k)) {
          depth--;
          k += d.block[1].length;
        } else k++;
      }
      blank(i, k);
      i = k;
      continue;
    }

    if (d.python) {
      const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(text.slice(i, i + 5));
      if (m && (m[1] === '' || i === 0 || !/[\w]/.test(text[i - 1]!))) {
        const q = m[2]!;
        const body = i + m[0].length;
        i = escaped(body, q, q.length === 3);
        continue;
      }
    } else if (d.rustRaw && /^r#*"/.test(text.slice(i, i + 3)) && (i === 0 || !/\w/.test(text[i - 1]!))) {
      const hashes = /^r(#*)"/.exec(text.slice(i))![1]!;
      i = escaped(i + 2 + hashes.length, `"${hashes}`, true, false);
      continue;
    } else if (d.cppRaw && text.startsWith('R"', i) && (i === 0 || !/\w/.test(text[i - 1]!))) {
      const open = text.indexOf('(', i + 2);
      const delim = open < 0 ? '' : text.slice(i + 2, open);
      if (open >= 0 && /^[^\s()\\]{0,16}$/.test(delim)) {
        i = escaped(open + 1, `)${delim}"`, true, false);
        continue;
      }
    } else if (d.csVerbatim && (text.startsWith('@"', i) || text.startsWith('$@"', i) || text.startsWith('@$"', i))) {
      let k = text.indexOf('"', i) + 1;
      const start = k;
      while (k < n && !(text[k] === '"' && text[k + 1] !== '"')) k += text[k] === '"' ? 2 : 1;
      blank(start, k);
      i = Math.min(k + 1, n);
      continue;
    }

    if (d.quotes.includes(ch) || (d.rustChars && ch === "'") || (d.shell && ch === "'")) {
      if (d.rustChars && ch === "'") {
        const m = /^'(\\(?:u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^\\'\n])'/.exec(text.slice(i, i + 14));
        if (!m) {
          i++; // a lifetime or loop label: code
          continue;
        }
        blank(i + 1, i + m[0].length - 1);
        i += m[0].length;
        continue;
      }
      if (d.shell && ch === "'") {
        i = escaped(i + 1, "'", true, false);
        continue;
      }
      if (d.sql) {
        // SQL doubles a quote to escape it; backslashes are plain characters.
        let k = i + 1;
        while (k < n && !(text[k] === ch && text[k + 1] !== ch)) k += text[k] === ch ? 2 : 1;
        blank(i + 1, k);
        i = Math.min(k + 1, n);
        continue;
      }
      i = escaped(i + 1, ch, d.shell === true);
      continue;
    }
    if (d.sql && ch === '$') {
      const m = /^\$([A-Za-z_]\w*)?\$/.exec(text.slice(i, i + 64));
      if (m) {
        dollar = dollar === m[0] ? undefined : dollar ?? m[0];
        i += m[0].length;
        continue;
      }
    }
    // Inside a dollar-quoted body (a routine's code) `;` ends the body's statements, not the outer one.
    if (dollar !== undefined && ch === ';') out[i] = ' ';
    if (d.goRaw && ch === '`') {
      i = escaped(i + 1, '`', true, false);
      continue;
    }
    if (d.js && ch === '`') {
      i = template(i + 1);
      continue;
    }
    if (d.js && ch === '/' && regexCanStart(out, i)) {
      i = regexBody(text, i + 1, blank);
      continue;
    }
    i++;
  }
  const continuedLines = new Set<number>();
  if (newlinesInside.length > 0) {
    let line = 1;
    let next = 0;
    for (let k = 0; k < n && next < newlinesInside.length; k++) {
      if (text[k] !== '\n') continue;
      line++;
      if (k === newlinesInside[next]) {
        continuedLines.add(line);
        next++;
      }
    }
  }
  return { masked: out.join(''), continuedLines };
}

const REGEX_AFTER_WORD = /\b(return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/;

// A `/` starts a regex literal where an expression may start: after an operator or opening bracket,
// or after a keyword such as `return`; after an identifier, number or `)` it is division.
function regexCanStart(masked: string[], i: number): boolean {
  let k = i - 1;
  while (k >= 0 && /\s/.test(masked[k]!)) k--;
  if (k < 0) return true;
  const prev = masked[k]!;
  if ('(,=:[!&|?{};+-*%<>~^'.includes(prev)) return true;
  if (/[\w$]/.test(prev)) {
    const word = masked.slice(Math.max(0, k - 12), k + 1).join('');
    return REGEX_AFTER_WORD.test(word);
  }
  return false;
}

function regexBody(text: string, start: number, blank: (from: number, to: number) => void): number {
  let k = start;
  let inClass = false;
  while (k < text.length) {
    const ch = text[k]!;
    if (ch === '\\') k += 2;
    else if (ch === '\n') break; // not a regex after all; leave the rest as code
    else if (inClass) {
      if (ch === ']') inClass = false;
      k++;
    } else if (ch === '[') {
      inClass = true;
      k++;
    } else if (ch === '/') {
      blank(start, k);
      return k + 1;
    } else k++;
  }
  return start;
}
