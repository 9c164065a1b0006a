import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { OutputSchema } from './types.js';

/**
 * Define a structured output once, as a zod schema, and get both what the provider needs (a JSON
 * Schema that OpenAI strict mode and Ollama `format` accept) and what the caller needs (a validator
 * returning the typed value):
 *
 * ```ts
 * const Verdict = structuredOutput('verdict', z.object({ score: z.number().int().min(1).max(10), why: z.string() }));
 * const { value } = await llm.structured(request, Verdict.schema, Verdict.validate, { plugin: 'judge:quality' });
 * ```
 *
 * OpenAI strict mode (platform.openai.com/docs/guides/structured-outputs, "Supported schemas") needs
 * every property listed in `required` and `additionalProperties: false` on every object, an object at
 * the root, `anyOf` rather than `oneOf`, and rejects some keywords. So the conversion:
 * - makes an optional property required but nullable; the validator turns a `null` there back into
 *   "absent" before zod sees it, so `.optional()` fields keep working;
 * - drops keywords strict mode rejects and zod still checks (`minLength`, `maxLength`, `default`,
 *   `uniqueItems`, `$schema`) and the ±2^53 bounds zod adds to `.int()`;
 * - rewrites `oneOf` to `anyOf`;
 * - refuses records/maps (`z.record`): strict mode has no free-form keys.
 */

/** Keywords OpenAI strict mode rejects (or that are noise) and that zod validates on our side anyway. */
const DROPPED_KEYWORDS = new Set(['$schema', 'minLength', 'maxLength', 'default', 'uniqueItems', 'minProperties', 'maxProperties']);
/** Of DROPPED_KEYWORDS, those a value must satisfy: kept in OutputSchema.sampleSchema. */
const KEPT_FOR_SAMPLING = new Set(['minLength', 'maxLength', 'uniqueItems', 'minProperties', 'maxProperties']);
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

type Json = Record<string, unknown>;
/** Path of an optional property: property names, `*` for "any array item". */
type OptionalPath = string[];

interface Converted {
  jsonSchema: Json;
  optionalPaths: OptionalPath[];
}

/**
 * The strict-mode JSON Schema of `schema`, named `name`.
 * @param name `^[a-zA-Z0-9_-]{1,64}$` (OpenAI's rule for `json_schema.name`).
 * @throws ConfigError when the name is invalid, the root is not an object, the schema uses a record,
 *   or zod cannot represent it in JSON Schema (transforms, custom refinements on types, ...).
 */
export function schemaFromZod(name: string, schema: z.ZodType): OutputSchema {
  if (!NAME.test(name)) {
    throw new ConfigError(`output schema name "${name}" must match ^[a-zA-Z0-9_-]{1,64}$ (OpenAI's rule for json_schema.name)`, {
      hint: 'use letters, digits, _ and - only, e.g. "quality_verdict"',
    });
  }
  return { name, jsonSchema: convert(name, schema).jsonSchema, sampleSchema: convert(name, schema, true).jsonSchema };
}

/**
 * A validator for replies to a schema made by {@link schemaFromZod}: turns `null` at optional
 * properties back into "absent", then parses with zod.
 * @returns `(value) => T`, which throws an Error listing every mismatch (zod's pretty format).
 */
export function validatorFromZod<S extends z.ZodType>(schema: S): (value: unknown) => z.output<S> {
  const { optionalPaths } = convert('validator', schema);
  return (value: unknown) => {
    const cleaned = optionalPaths.length ? stripOptionalNulls(structuredClone(value), optionalPaths) : value;
    const result = schema.safeParse(cleaned);
    if (!result.success) throw new Error(z.prettifyError(result.error));
    return result.data;
  };
}

/** Both at once: `{ schema, validate }` for `LlmClient.structured`. Throws like {@link schemaFromZod}. */
export function structuredOutput<S extends z.ZodType>(name: string, schema: S): { schema: OutputSchema; validate: (value: unknown) => z.output<S> } {
  return { schema: schemaFromZod(name, schema), validate: validatorFromZod(schema) };
}

/** `keepConstraints`: keep the keywords strict mode rejects (for OutputSchema.sampleSchema). */
function convert(name: string, schema: z.ZodType, keepConstraints = false): Converted {
  let raw: Json;
  try {
    raw = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output', unrepresentable: 'throw' }) as Json;
  } catch (err) {
    throw new ConfigError(`output schema "${name}" cannot be expressed as JSON Schema: ${(err as Error).message}`, {
      hint: 'use plain zod types (object, array, string, number, boolean, enum, literal, union, nullable, optional); no transforms or custom types',
    });
  }
  if (raw.type !== 'object') {
    throw new ConfigError(`output schema "${name}" must be an object at the root (OpenAI structured outputs require it), got ${JSON.stringify(raw.type ?? 'a non-object schema')}`, {
      hint: 'wrap the value: z.object({ items: z.array(...) })',
    });
  }
  const optionalPaths: OptionalPath[] = [];
  const jsonSchema = walk(raw, [], optionalPaths, name, keepConstraints ? KEPT_FOR_SAMPLING : undefined) as Json;
  return { jsonSchema, optionalPaths };
}

function walk(node: unknown, path: string[], optional: OptionalPath[], name: string, keep?: ReadonlySet<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => walk(n, path, optional, name, keep));
  if (!node || typeof node !== 'object') return node;
  const src = node as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(src)) {
    if (DROPPED_KEYWORDS.has(key) && !keep?.has(key)) continue;
    if ((key === 'minimum' || key === 'maximum') && typeof value === 'number' && Math.abs(value) >= Number.MAX_SAFE_INTEGER) continue;
    switch (key) {
      case 'properties': {
        const props: Json = {};
        for (const [prop, sub] of Object.entries(value as Json)) props[prop] = walk(sub, [...path, prop], optional, name, keep);
        out.properties = props;
        break;
      }
      case 'items':
        out.items = walk(value, [...path, '*'], optional, name, keep);
        break;
      case 'prefixItems':
        // Tuples: positions differ, but "any item" is a safe over-approximation for null stripping.
        out.prefixItems = walk(value, [...path, '*'], optional, name, keep);
        break;
      case 'oneOf':
        out.anyOf = walk(value, path, optional, name, keep);
        break;
      case '$defs':
      case 'definitions': {
        // Definitions are reached through $ref from unknown places; their optional properties cannot be
        // mapped to value paths, so they are converted without path tracking (nulls stay nulls there).
        const defs: Json = {};
        for (const [k, sub] of Object.entries(value as Json)) defs[k] = walk(sub, ['\u0000def'], [], name, keep);
        out[key] = defs;
        break;
      }
      default:
        out[key] = walk(value, path, optional, name, keep);
    }
  }
  const isObject = out.type === 'object' || (Array.isArray(out.type) && out.type.includes('object')) || out.properties !== undefined;
  if (isObject) {
    if (out.propertyNames !== undefined || (out.additionalProperties !== undefined && out.additionalProperties !== false)) {
      throw new ConfigError(`output schema "${name}" has free-form keys at ${path.length ? path.join('.') : 'the root'} (a z.record or passthrough object); OpenAI strict mode needs fixed property names`, {
        hint: 'use z.array(z.object({ key: z.string(), value: ... })) instead of a record',
      });
    }
    const props = (out.properties ?? {}) as Json;
    const required = new Set(Array.isArray(src.required) ? (src.required as string[]) : []);
    for (const prop of Object.keys(props)) {
      if (required.has(prop)) continue;
      props[prop] = nullable(props[prop] as Json);
      if (path[0] !== '\u0000def') optional.push([...path, prop]);
    }
    out.properties = props;
    out.required = Object.keys(props);
    out.additionalProperties = false;
  }
  return out;
}

function nullable(schema: Json): Json {
  const t = schema.type;
  if (typeof t === 'string' && !schema.enum && !('const' in schema)) return { ...schema, type: t === 'null' ? 'null' : [t, 'null'] };
  if (Array.isArray(t) && !schema.enum && !('const' in schema)) return t.includes('null') ? schema : { ...schema, type: [...t, 'null'] };
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Json[]).some((b) => b.type === 'null') ? schema : { ...schema, anyOf: [...schema.anyOf, { type: 'null' }] };
  return { anyOf: [schema, { type: 'null' }] };
}

function stripOptionalNulls(value: unknown, paths: OptionalPath[]): unknown {
  for (const p of paths) strip(value, p, 0);
  return value;
}

function strip(node: unknown, path: OptionalPath, i: number): void {
  if (node === null || typeof node !== 'object') return;
  const seg = path[i]!;
  if (seg === '*') {
    if (Array.isArray(node)) for (const item of node) strip(item, path, i + 1);
    return;
  }
  const obj = node as Record<string, unknown>;
  if (i === path.length - 1) {
    if (obj[seg] === null) delete obj[seg];
    return;
  }
  strip(obj[seg], path, i + 1);
}
