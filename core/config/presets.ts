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

/** Parse a YAML file to an object; syntax errors name the file and line. */
export function parseYamlFile(file: string): Record<string, unknown> {
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (doc.errors.length) {
    const err = doc.errors[0]!;
    throw new InputError(file, err.linePos?.[0]?.line, `invalid YAML: ${err.message.split('\n')[0]}`, { hint: 'fix the YAML syntax at that line' });
  }
  const data = doc.toJS() as unknown;
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError(file, 1, 'expected a mapping of config keys at the top level', { hint: 'see presets/infinite-instruct.yaml for the shape' });
  }
  return data as Record<string, unknown>;
}
