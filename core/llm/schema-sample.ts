/**
 * Make a value that is valid against a JSON Schema, without a model. Used by `--dry-run` (so the
 * pipeline can run end to end and print its prompts) and by the HTTP test double (so any structured
 * call gets a valid default reply).
 *
 * Covers the subset that structured-output schemas use (OpenAI strict mode, Ollama `format`, and what
 * zod 4's `z.toJSONSchema` emits): `type` (single or array), `properties`/`required`, `items`,
 * `prefixItems`, `minItems`/`maxItems`, `enum`, `const`, `anyOf`/`oneOf`/`allOf` (first branch, or all
 * branches merged for allOf), local `$ref` (`#`, `#/$defs/...`, `#/definitions/...`), numeric bounds
 * (inclusive and exclusive, `multipleOf`), `minLength`/`maxLength`, `uniqueItems` (items made to
 * differ), and the `format`s `date-time`, `date`, `time`, `email`, `uri`/`url`, `uuid`. `pattern` is
 * not solved: a few stock strings are tried against it, and when none matches the plain string is
 * returned, which the caller's validator then rejects.
 *
 * The keywords OpenAI strict mode rejects (`minLength`, `uniqueItems`, ...) are missing from an
 * OutputSchema's `jsonSchema`; pass its `sampleSchema` to honour them.
 */

export interface SampleOptions {
  /**
   * Which end of a numeric range to pick. `max` makes judges' scores pass their thresholds, which is
   * what a dry run wants (the pipeline goes on to the next stage); `min` gives the opposite.
   */
  numbers?: 'max' | 'min';
  /** Text used for free strings; the property name is appended so distinct fields differ. */
  text?: string;
  /**
   * Characters of filler added to each prose field: a string property of the root object without
   * maxLength, format, pattern or enum (list items and nested fields stay short, as keywords and
   * labels are). `--dry-run` uses it to make replies as long as a pilot run's were.
   */
  padProse?: number;
  /** Filled in: how many prose fields the value has (so a caller can size `padProse`). */
  stats?: { proseFields: number };
}

/** zod emits ±Number.MAX_SAFE_INTEGER for `.int()` without bounds: treat such bounds as absent. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;
/** Recursion guard for self-referencing schemas (`$ref: '#'`): deeper levels get the smallest valid value. */
const MAX_DEPTH = 8;

type Schema = Record<string, unknown>;

/**
 * A value valid against `schema`.
 * @param schema a JSON Schema object (the `jsonSchema` of an OutputSchema).
 * @throws Error when a `$ref` points outside the schema or a schema is contradictory (e.g. an empty enum).
 */
export function sampleFromSchema(schema: Record<string, unknown>, options: SampleOptions = {}): unknown {
  return sample(schema, { root: schema, numbers: options.numbers ?? 'max', text: options.text ?? 'example', depth: 0, name: 'value', variant: 0, prose: false, pad: options.padProse ?? 0, stats: options.stats });
}

interface Ctx {
  root: Schema;
  numbers: 'max' | 'min';
  text: string;
  depth: number;
  name: string;
  /** Index of the item among siblings that must differ (`uniqueItems`); 0 elsewhere. */
  variant: number;
  pad: number;
  /** True for properties of the root object (prose fields, see SampleOptions.padProse). */
  prose: boolean;
  stats?: { proseFields: number };
}

function sample(schemaIn: unknown, ctx: Ctx): unknown {
  if (schemaIn === true || schemaIn === undefined) return ctx.text;
  if (schemaIn === false) throw new Error(`schema at "${ctx.name}" is \`false\`: no value can be valid`);
  const schema = resolveRef(schemaIn as Schema, ctx.root);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) {
    if (schema.enum.length === 0) throw new Error(`schema at "${ctx.name}" has an empty enum: no value can be valid`);
    return schema.enum[ctx.variant % schema.enum.length];
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) {
      // Prefer a non-null branch so optional-made-nullable fields get real content.
      const pick = branches.find((b) => (resolveRef(b as Schema, ctx.root) as Schema).type !== 'null') ?? branches[0];
      return sample({ ...without(schema, key), ...(pick as Schema) }, ctx);
    }
  }
  if (Array.isArray(schema.allOf)) {
    const merged = schema.allOf.reduce<Schema>((acc, s) => ({ ...acc, ...resolveRef(s as Schema, ctx.root) }), without(schema, 'allOf'));
    return sample(merged, ctx);
  }
  const type = pickType(schema);
  switch (type) {
    case 'null':
      return null;
    case 'boolean':
      return ctx.variant % 2 === 0;
    case 'integer':
    case 'number':
      return sampleNumber(schema, type === 'integer', ctx);
    case 'string':
      return sampleString(schema, ctx);
    case 'array':
      return sampleArray(schema, ctx);
    case 'object':
      return sampleObject(schema, ctx);
    default:
      return ctx.text;
  }
}

function pickType(schema: Schema): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') ?? t[0]) as string | undefined;
  if (schema.properties || schema.additionalProperties) return 'object';
  if (schema.items || schema.prefixItems) return 'array';
  return undefined;
}

function resolveRef(schema: Schema, root: Schema): Schema {
  let s = schema;
  for (let hops = 0; typeof s?.$ref === 'string'; hops++) {
    if (hops > 32) throw new Error(`$ref cycle at ${String(s.$ref)}`);
    const ref = s.$ref as string;
    if (!ref.startsWith('#')) throw new Error(`$ref "${ref}" points outside the schema; only local refs (#/$defs/...) are supported`);
    let target: unknown = root;
    for (const part of ref.slice(1).split('/').filter(Boolean)) {
      target = (target as Schema | undefined)?.[decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~'))];
    }
    if (!target || typeof target !== 'object') throw new Error(`$ref "${ref}" does not resolve inside the schema`);
    s = { ...without(s, '$ref'), ...(target as Schema) };
  }
  return s;
}

function sampleNumber(schema: Schema, integer: boolean, ctx: Ctx): number {
  const num = (k: string) => (typeof schema[k] === 'number' && Math.abs(schema[k] as number) < UNBOUNDED ? (schema[k] as number) : undefined);
  const step = num('multipleOf') ?? (integer ? 1 : undefined);
  let lo = num('minimum');
  let hi = num('maximum');
  const xlo = num('exclusiveMinimum');
  const xhi = num('exclusiveMaximum');
  // Exclusive bounds: step inside by one multiple (integers, multipleOf) or by a small fraction.
  if (xlo !== undefined) lo = Math.max(lo ?? -Infinity, xlo + (step ?? Math.max(1e-6, Math.abs(xlo) * 1e-9)));
  if (xhi !== undefined) hi = Math.min(hi ?? Infinity, xhi - (step ?? Math.max(1e-6, Math.abs(xhi) * 1e-9)));
  let value: number;
  if (ctx.numbers === 'max') value = hi ?? (lo !== undefined ? Math.max(lo, 1) : 1);
  else value = lo ?? (hi !== undefined ? Math.min(hi, 0) : 0);
  // Distinct items (uniqueItems): walk inwards from the chosen end by one step per item, wrapping.
  if (ctx.variant > 0) {
    const by = (step ?? 1) * ctx.variant * (ctx.numbers === 'max' ? -1 : 1);
    const span = lo !== undefined && hi !== undefined ? hi - lo + (step ?? 1) : Infinity;
    value += span === Infinity ? by : by % span;
    if (hi !== undefined && value > hi) value -= span;
    if (lo !== undefined && value < lo) value += span;
  }
  if (step !== undefined) {
    // Round towards the inside of the range so the value stays within bounds.
    value = ctx.numbers === 'max' ? Math.floor(value / step) * step : Math.ceil(value / step) * step;
    if (lo !== undefined && value < lo) value += step;
    if (hi !== undefined && value > hi) value -= step;
  }
  return value;
}

const FORMATS: Record<string, string> = {
  'date-time': '2024-01-01T00:00:00Z',
  date: '2024-01-01',
  time: '00:00:00Z',
  email: 'user@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
  hostname: 'example.com',
  ipv4: '127.0.0.1',
  ipv6: '::1',
};

/** Tried against a `pattern` the free text does not match; our choice of common shapes. */
const PATTERN_CANDIDATES = ['example', 'a', 'A', '0', '1', 'a1', 'abc', 'ABC', 'x_1', 'a-b', 'snake_case', 'CamelCase', '2024-01-01', 'v1.0.0'];

function sampleString(schema: Schema, ctx: Ctx): string {
  const fmt = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined;
  if (fmt) return ctx.variant > 0 ? varyFormat(fmt, ctx.variant) : fmt;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  const fit = (base: string, filler: string) => {
    let s = base;
    while (s.length < min) s += filler;
    return s.slice(0, Math.max(min, Math.min(max, s.length)));
  };
  // Siblings that must differ get their index at the front, where maxLength cannot cut it off.
  let free = fit(`${ctx.variant > 0 ? `${ctx.variant} ` : ''}${ctx.text} ${ctx.name}`, ` ${ctx.text}`);
  if (typeof schema.pattern !== 'string') {
    if (ctx.prose && max === Infinity) {
      if (ctx.stats) ctx.stats.proseFields += 1;
      const target = free.length + ctx.pad;
      while (free.length < target) free += ` ${ctx.text}`;
      free = free.slice(0, target);
    }
    return free;
  }
  let re: RegExp;
  try {
    re = new RegExp(schema.pattern);
  } catch {
    return free;
  }
  if (re.test(free)) return free;
  for (const c of PATTERN_CANDIDATES) {
    const s = fit(c, c.slice(-1));
    if (re.test(s)) return s;
  }
  return free;
}

/** A format's stock value made distinct for item `variant` (uniqueItems). */
function varyFormat(value: string, variant: number): string {
  if (value.includes('@')) return `user${variant}${value.slice(value.indexOf('@'))}`;
  if (value.endsWith('/')) return `${value}${variant}`;
  if (/^0{8}-/.test(value)) return `${value.slice(0, -12)}${String(variant).padStart(12, '0')}`;
  if (value.startsWith('2024-01-01')) return value.replace('2024-01-01', `2024-01-${String((variant % 28) + 1).padStart(2, '0')}`);
  return value;
}

function sampleArray(schema: Schema, ctx: Ctx): unknown[] {
  const prefix = Array.isArray(schema.prefixItems) ? (schema.prefixItems as unknown[]) : [];
  const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
  const max = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity;
  // One item when allowed, so consumers see a non-empty list; deeper than MAX_DEPTH, the fewest allowed.
  const count = Math.min(max, Math.max(min, prefix.length, ctx.depth >= MAX_DEPTH ? 0 : 1));
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const itemSchema = i < prefix.length ? prefix[i] : schema.items === false ? undefined : schema.items;
    out.push(sample(itemSchema, { ...ctx, depth: ctx.depth + 1, name: `${ctx.name}[${i}]`, prose: false, variant: schema.uniqueItems === true ? i : ctx.variant }));
  }
  return out;
}

function sampleObject(schema: Schema, ctx: Ctx): Record<string, unknown> {
  const props = (schema.properties ?? {}) as Record<string, unknown>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(props)) {
    // Optional properties are filled too (strict schemas make everything required anyway), except
    // past the depth guard where only required ones are, so recursive schemas terminate.
    if (ctx.depth >= MAX_DEPTH && !required.has(key)) continue;
    out[key] = sample(sub, { ...ctx, depth: ctx.depth + 1, name: key, prose: ctx.depth === 0 });
  }
  return out;
}

function without(schema: Schema, key: string): Schema {
  const { [key]: _drop, ...rest } = schema;
  return rest;
}
