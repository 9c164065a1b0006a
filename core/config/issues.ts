import { closest } from 'fastest-levenshtein';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * Turn zod issues into one ConfigError that names each key path (`plugins.judge:quality.threshold`),
 * what was expected, and for an unknown key the closest valid key.
 * @param where where the config came from (file path, "preset infinite-instruct", "--flag")
 * @param prefix key path prefix for nested validation (e.g. `plugins.judge:quality`)
 */
export function configErrorFromZod(error: z.ZodError, schema: z.ZodType, where: string, prefix: string[] = []): ConfigError {
  const lines = error.issues.map((issue) => {
    const path = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      const valid = knownKeysAt(schema, issue.path.map(String));
      return issue.keys
        .map((key) => {
          const keyPath = [...path, key].join('.');
          const suggestion = valid.length ? closest(key, valid) : undefined;
          return `unknown key "${keyPath}"${suggestion ? `; did you mean "${[...path, suggestion].join('.')}"?` : ''}${
            valid.length ? ` (valid keys here: ${valid.join(', ')})` : ''
          }`;
        })
        .join('\n  ');
    }
    return `"${path.join('.') || '(root)'}": ${issue.message}`;
  });
  return new ConfigError(`invalid configuration in ${where}:\n  ${lines.join('\n  ')}`, {
    hint: 'fix or remove the key; `instructsmith presets` lists presets and their plugins',
    code: error.issues.some((i) => i.code === 'unrecognized_keys') ? 'CONFIG_UNKNOWN_KEY' : 'CONFIG_INVALID',
  });
}

/** Keys an object schema accepts at `path` (unwrapping optional/default/nullable), or [] when unknown. */
export function knownKeysAt(schema: z.ZodType, path: string[]): string[] {
  let node: unknown = schema;
  for (const part of [...path, null]) {
    node = unwrap(node);
    const shape = (node as { shape?: Record<string, unknown> }).shape;
    if (part === null) return shape ? Object.keys(shape) : [];
    if (!shape || !(part in shape)) return [];
    node = shape[part];
  }
  return [];
}

function unwrap(node: unknown): unknown {
  let cur = node as { _zod?: { def?: { innerType?: unknown; in?: unknown; type?: string } } };
  for (let i = 0; i < 10; i++) {
    const def = cur?._zod?.def;
    if (!def) break;
    if (def.innerType) cur = def.innerType as typeof cur;
    else if (def.type === 'pipe' && def.in) cur = def.in as typeof cur;
    else break;
  }
  return cur;
}
