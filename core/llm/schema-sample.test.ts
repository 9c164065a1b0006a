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

  it('says why when no value can be valid', () => {
    expect(() => sampleFromSchema({ type: 'object', properties: { x: { enum: [] } } })).toThrow(/"x".*empty enum/);
    expect(() => sampleFromSchema({ $ref: 'https://example.com/s.json' })).toThrow(/outside the schema/);
  });
});
