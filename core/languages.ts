/**
 * The language ids instructsmith uses everywhere (records, seeds, analyzers, fences), and how to
 * recognise a language from a file extension or a Markdown fence info string.
 * Ids are lower case and stable: `python`, `javascript`, `typescript`, `java`, `c`, `cpp`, `csharp`,
 * `go`, `rust`, `php`, `ruby`, `sql`, `shell`, `kotlin`, `swift`, `scala`.
 */

/** File extension (with dot, lower case) → language id. */
export const EXTENSION_LANGUAGE: Readonly<Record<string, string>> = Object.freeze({
  '.py': 'python',
  '.pyi': 'python',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'typescript',
  '.java': 'java',
  '.c': 'c',
  '.h': 'c',
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.cxx': 'cpp',
  '.hpp': 'cpp',
  '.hh': 'cpp',
  '.hxx': 'cpp',
  '.cs': 'csharp',
  '.go': 'go',
  '.rs': 'rust',
  '.php': 'php',
  '.rb': 'ruby',
  '.sql': 'sql',
  '.sh': 'shell',
  '.bash': 'shell',
  '.kt': 'kotlin',
  '.swift': 'swift',
  '.scala': 'scala',
});

/** Fence info-string aliases (lower case) → language id. Ids map to themselves. */
const FENCE_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  py: 'python',
  python3: 'python',
  py3: 'python',
  js: 'javascript',
  node: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  'c++': 'cpp',
  cxx: 'cpp',
  cc: 'cpp',
  hpp: 'cpp',
  h: 'c',
  'c#': 'csharp',
  cs: 'csharp',
  golang: 'go',
  rs: 'rust',
  sh: 'shell',
  bash: 'shell',
  zsh: 'shell',
  console: 'shell',
  shellscript: 'shell',
  postgres: 'sql',
  postgresql: 'sql',
  mysql: 'sql',
  sqlite: 'sql',
  tsql: 'sql',
  plsql: 'sql',
  kt: 'kotlin',
  rb: 'ruby',
});

/** SQL dialects a fence may name; kept as the sample's dialect. */
export const SQL_DIALECT_FENCES: Readonly<Record<string, string>> = Object.freeze({
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  sqlite: 'sqlite',
  tsql: 'tsql',
  plsql: 'oracle',
});

const KNOWN = new Set(Object.values(EXTENSION_LANGUAGE));

/** Language id for a file path by its extension, or undefined. */
export function languageFromPath(path: string): string | undefined {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/')) return undefined;
  return EXTENSION_LANGUAGE[path.slice(dot).toLowerCase()];
}

/**
 * Language id for a fence info string (` ```py title="x" ` → `python`), or undefined when the
 * fence names no language we know (`text`, `output`, `diff`, ...).
 */
export function languageFromFence(info: string): string | undefined {
  const tag = info.trim().split(/[\s{,]/)[0]?.toLowerCase() ?? '';
  if (!tag) return undefined;
  if (KNOWN.has(tag)) return tag;
  return FENCE_ALIASES[tag];
}

/** True for a language id instructsmith recognises. */
export function isKnownLanguage(id: string): boolean {
  return KNOWN.has(id);
}
