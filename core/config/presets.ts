import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { closest } from 'fastest-levenshtein';
import { parseDocument } from 'yaml';
import { ConfigError, InputError } from '../errors.js';
import { packageRoot } from '../paths.js';

/** Directory of the built-in presets. */
export function presetsDir(): string {
  return join(packageRoot(), 'presets');
}

/** Names of the built-in presets (file names without `.yaml`), sorted. */
export function listPresets(): string[] {
  return readdirSync(presetsDir())
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/**
 * Read a preset by built-in name or by path to a YAML file.
 * @returns the parsed object and the file it came from
 * @throws ConfigError for an unknown name (listing the known ones), InputError for YAML syntax errors (file and line)
 */
export function readPreset(nameOrPath: string, cwd: string): { data: Record<string, unknown>; file: string } {
  const looksLikePath = nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml') || nameOrPath.includes('/');
  const file = looksLikePath ? (isAbsolute(nameOrPath) ? nameOrPath : resolve(cwd, nameOrPath)) : join(presetsDir(), `${nameOrPath}.yaml`);
  if (!existsSync(file)) {
    const known = listPresets();
    const guess = known.length ? closest(nameOrPath, known) : undefined;
    throw new ConfigError(`unknown preset "${nameOrPath}"${looksLikePath ? ` (no file at ${file})` : ''}`, {
      code: 'CONFIG_UNKNOWN_PRESET',
      hint: `known presets: ${known.join(', ')}${guess ? `; did you mean "${guess}"?` : ''}`,
    });
  }
  return { data: parseYamlFile(file), file };
}

/**
 * Parse a YAML file to an object; syntax errors name the file, line and column (see {@link parseYamlText}).
 * @throws InputError for a syntax error or a top level that is not a mapping
 */
export function parseYamlFile(file: string): Record<string, unknown> {
  const data = parseYamlText(file, readFileSync(file, 'utf8'));
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError(file, 1, 'expected a mapping of config keys at the top level', { hint: 'see presets/infinite-instruct.yaml for the shape' });
  }
  return data as Record<string, unknown>;
}

/**
 * Parse YAML text read from `file` (a preset or a user config file) to its JS value.
 * The error message keeps the parser's reason and position but not its excerpt of the source line,
 * since a config line may hold an API key.
 * @throws InputError `CONFIG_YAML_SYNTAX` naming the file, the 1-based line and column, and the reason
 */
export function parseYamlText(file: string, text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    // With prettyErrors the first line ends in " at line L, column C:" and an excerpt follows; keep the reason only.
    const reason = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    throw new InputError(file, pos?.line, `invalid YAML${where}: ${reason}`, {
      hint: 'fix the YAML syntax at that line and column (indentation, a missing ":" or closing bracket, an unquoted ": " in a value)',
      code: 'CONFIG_YAML_SYNTAX',
    });
  }
  return doc.toJS() as unknown;
}
