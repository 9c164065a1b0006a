import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, packageRoot, z } from '../core/index.js';

/** The trainers instructsmith writes launch configs for. */
export const TRAINERS = ['axolotl', 'llama-factory', 'trl'] as const;
export type Trainer = (typeof TRAINERS)[number];

type Scalar = 'string' | 'integer' | 'number' | 'boolean' | 'string_list' | 'object' | 'list' | 'null';
interface KeySpec {
  type: Scalar | Scalar[];
  enum?: string[];
  /** For `list`: the name of an object type under `types`. */
  items?: string;
}
interface SchemaFile {
  trainer: string;
  keys: Record<string, KeySpec>;
  types?: Record<string, Record<string, KeySpec>>;
}

/**
 * The zod schema of a trainer's launch config, built from `training/schemas/<trainer>.yaml` (the
 * trainer's keys and types as data, with the docs they come from). Objects are strict: unknown
 * keys are rejected, as are wrong types and values outside an `enum`.
 */
export function trainerSchema(trainer: Trainer): z.ZodType<Record<string, unknown>> {
  const file = join(packageRoot(), 'training', 'schemas', `${trainer}.yaml`);
  const data = parse(readFileSync(file, 'utf8')) as SchemaFile;
  const types = data.types ?? {};
  const objectOf = (keys: Record<string, KeySpec>): z.ZodType<Record<string, unknown>> =>
    z.object(Object.fromEntries(Object.entries(keys).map(([k, spec]) => [k, fieldOf(spec).optional()]))).strict() as unknown as z.ZodType<Record<string, unknown>>;
  const one = (t: Scalar, spec: KeySpec): z.ZodType => {
    switch (t) {
      case 'string':
        return spec.enum ? z.enum(spec.enum as [string, ...string[]]) : z.string();
      case 'integer':
        return z.number().int();
      case 'number':
        return z.number();
      case 'boolean':
        return z.boolean();
      case 'string_list':
        return z.array(z.string());
      case 'object':
        return z.record(z.string(), z.unknown());
      case 'null':
        return z.null();
      case 'list': {
        const item = spec.items ? types[spec.items] : undefined;
        if (!item) throw new Error(`${file}: list type without a known "items" type`);
        return z.array(objectOf(item));
      }
    }
  };
  const fieldOf = (spec: KeySpec): z.ZodType => {
    const ts = Array.isArray(spec.type) ? spec.type : [spec.type];
    const parts = ts.map((t) => one(t, spec));
    return parts.length === 1 ? parts[0]! : z.union(parts as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  };
  return objectOf(data.keys);
}

/**
 * Validate a launch config against its trainer's key schema.
 * @throws ConfigError naming the config (`label`), the key path and what was expected
 */
export function validateTrainerConfig(trainer: Trainer, config: unknown, label: string): Record<string, unknown> {
  const res = trainerSchema(trainer).safeParse(config);
  if (res.success) return res.data;
  const issues = res.error.issues.map((i) => {
    const path = i.path.join('.') || '(top level)';
    const keys = i.code === 'unrecognized_keys' ? ` ${(i as { keys: string[] }).keys.join(', ')}` : '';
    return `${path}:${keys} ${i.message}`;
  });
  throw new ConfigError(`${label} is not a valid ${trainer} config: ${issues.join('; ')}`, {
    code: 'CONFIG_TRAINER_INVALID',
    hint: `use only the keys listed in training/schemas/${trainer}.yaml (add a key there, with its source, if ${trainer} documents it)`,
  });
}
