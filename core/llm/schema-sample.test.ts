import { describe, expect, it } from 'vitest';
import { sampleFromSchema } from './schema-sample.js';

describe('sampleFromSchema', () => {
  it('picks numeric maxima by default and minima on request, honouring exclusive bounds and multipleOf', () => {
    const schema = {
      type: 'object',
      properties: {
        score: { type: 'integer', minimum: 1, maximum: 10 },
        ratio: { type: 'number', exclusiveMaximum: 1, minimum: 0 },
        step: { type: 'integer', minimum: 3, maximum: 20, multipleOf: 4 },
        open: { type: 'integer', minimum: 5 },
      },
      required: ['score', 'ratio', 'step', 'open'],
    };
    const max = sampleFromSchema(schema) as Record<string, number>;
    expect(max.score).toBe(10);
    expect(max.ratio).toBeLessThan(1);
    expect(max.ratio).toBeGreaterThan(0.99);
    expect(max.step).toBe(20);
    expect(max.open).toBe(5);
    const min = sampleFromSchema(schema, { numbers: 'min' }) as Record<string, number>;
    expect(min).toMatchObject({ score: 1, ratio: 0, step: 4, open: 5 });
  });

  it('follows enums, consts, nullable unions, refs and array bounds', () => {
    const schema = {
      type: 'object',
      $defs: { Item: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] } },
      properties: {
        kind: { type: 'string', enum: ['b', 'a'] },
        fixed: { const: 42 },
        maybe: { anyOf: [{ type: 'null' }, { type: 'boolean' }] },
        items: { type: 'array', items: { $ref: '#/$defs/Item' }, minItems: 3, maxItems: 5 },
        none: { type: 'array', items: { type: 'string' }, maxItems: 0 },
        name: { type: ['string', 'null'], minLength: 30 },
      },
    };
    const v = sampleFromSchema(schema) as Record<string, unknown>;
    expect(v.kind).toBe('b');
    expect(v.fixed).toBe(42);
    expect(v.maybe).toBe(true);
    expect(v.items).toEqual([{ id: '00000000-0000-4000-8000-000000000000' }, { id: '00000000-0000-4000-8000-000000000000' }, { id: '00000000-0000-4000-8000-000000000000' }]);
    expect(v.none).toEqual([]);
    expect((v.name as string).length).toBeGreaterThanOrEqual(30);
  });

  it('terminates on recursive schemas', () => {
    const tree = { type: 'object', properties: { label: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } }, required: ['label', 'children'] };
    const v = sampleFromSchema(tree);
    let depth = 0;
    for (let node = v as { children: unknown[] }; node.children.length; node = node.children[0] as { children: unknown[] }) depth++;
    expect(depth).toBeGreaterThan(0);
    expect(depth).toBeLessThan(10);
  });

  it('makes items differ under uniqueItems: enums, numbers, booleans, formats and nested strings', () => {
    const schema = {
      type: 'object',
      properties: {
        kinds: { type: 'array', items: { enum: ['a', 'b', 'c'] }, minItems: 3, uniqueItems: true },
        scores: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 10 }, minItems: 4, uniqueItems: true },
        flags: { type: 'array', items: { type: 'boolean' }, minItems: 2, uniqueItems: true },
        ids: { type: 'array', items: { type: 'string', format: 'uuid' }, minItems: 3, uniqueItems: true },
        people: { type: 'array', items: { type: 'object', properties: { name: { type: 'string', maxLength: 12 } }, required: ['name'] }, minItems: 3, uniqueItems: true },
      },
    };
    const v = sampleFromSchema(schema) as Record<string, unknown[]>;
    for (const key of Object.keys(schema.properties)) expect(new Set(v[key]!.map((x) => JSON.stringify(x))).size, key).toBe(v[key]!.length);
    expect(v.kinds).toEqual(['a', 'b', 'c']);
    for (const s of v.scores as number[]) expect(s >= 1 && s <= 10).toBe(true);
    for (const p of v.people as Array<{ name: string }>) expect(p.name.length).toBeLessThanOrEqual(12);
  });

  it('tries stock strings against a pattern, within the length bounds', () => {
    const v = sampleFromSchema({
      type: 'object',
      properties: { id: { type: 'string', pattern: '^[a-z_]+$' }, code: { type: 'string', pattern: '^[0-9]+$', minLength: 3 }, odd: { type: 'string', pattern: '^Q{5}$' } },
    }) as Record<string, string>;
    expect(v.id).toMatch(/^[a-z_]+$/);
    expect(v.code).toMatch(/^[0-9]{3,}$/);
    // Unsolvable by the stock strings: the plain text comes back and the caller's validator says so.
    expect(v.odd).not.toMatch(/^Q{5}$/);
  });

  it('pads only prose fields (top-level strings without maxLength) by padProse, and counts them', () => {
    const schema = {
      type: 'object',
      properties: {
        problem: { type: 'string', minLength: 20 },
        plan: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        title: { type: 'string', maxLength: 30 },
        keywords: { type: 'array', items: { type: 'string' }, minItems: 2 },
        nested: { type: 'object', properties: { note: { type: 'string' } } },
      },
    };
    const stats = { proseFields: 0 };
    const short = sampleFromSchema(schema, { stats }) as Record<string, unknown>;
    expect(stats.proseFields).toBe(2);
    const long = sampleFromSchema(schema, { padProse: 500 }) as Record<string, unknown>;
    expect((long.problem as string).length).toBe((short.problem as string).length + 500);
    expect((long.plan as string).length).toBe((short.plan as string).length + 500);
    expect(long.title).toBe(short.title);
    expect(long.keywords).toEqual(short.keywords);
    expect(long.nested).toEqual(short.nested);
  });

  it('says why when no value can be valid', () => {
    expect(() => sampleFromSchema({ type: 'object', properties: { x: { enum: [] } } })).toThrow(/"x".*empty enum/);
    expect(() => sampleFromSchema({ $ref: 'https://example.com/s.json' })).toThrow(/outside the schema/);
  });
});
