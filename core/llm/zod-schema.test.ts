import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { sampleFromSchema } from './schema-sample.js';
import { schemaFromZod, structuredOutput, validatorFromZod } from './zod-schema.js';

const Problem = z.object({
  title: z.string().min(3).max(80),
  difficulty: z.enum(['easy', 'medium', 'hard']),
  score: z.number().int().min(1).max(10),
  tags: z.array(z.string()).min(1),
  hint: z.string().optional(),
  tests: z.array(z.object({ input: z.string(), expected: z.string().optional() })),
});

describe('schemaFromZod', () => {
  it('makes an OpenAI strict-mode schema: all properties required, no extra properties, optional → nullable', () => {
    const { name, jsonSchema } = schemaFromZod('problem', Problem);
    expect(name).toBe('problem');
    expect(jsonSchema).not.toHaveProperty('$schema');
    expect(jsonSchema.required).toEqual(['title', 'difficulty', 'score', 'tags', 'hint', 'tests']);
    expect(jsonSchema.additionalProperties).toBe(false);
    const props = jsonSchema.properties as Record<string, Record<string, unknown>>;
    expect(props.hint).toEqual({ type: ['string', 'null'] });
    expect(props.title).toEqual({ type: 'string' });
    expect(props.score).toEqual({ type: 'integer', minimum: 1, maximum: 10 });
    const item = (props.tests!.items as Record<string, unknown>);
    expect(item.required).toEqual(['input', 'expected']);
    expect(item.additionalProperties).toBe(false);
  });

  it('drops the ±2^53 bounds zod adds to unbounded integers', () => {
    const { jsonSchema } = schemaFromZod('n', z.object({ n: z.number().int() }));
    expect((jsonSchema.properties as Record<string, unknown>).n).toEqual({ type: 'integer' });
  });

  it('refuses bad names, non-object roots and records with ConfigErrors that say how to fix them', () => {
    expect(() => schemaFromZod('has space', Problem)).toThrow(ConfigError);
    expect(() => schemaFromZod('list', z.array(z.string()))).toThrow(/must be an object at the root/);
    const rec = (() => {
      try {
        schemaFromZod('rec', z.object({ counts: z.record(z.string(), z.number()) }));
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(rec).toBeInstanceOf(ConfigError);
    expect(rec!.message).toContain('counts');
    expect(rec!.hint).toContain('z.array');
  });
});

describe('validatorFromZod', () => {
  const validate = validatorFromZod(Problem);
  const good = { title: 'Two sum', difficulty: 'easy', score: 7, tags: ['arrays'], hint: null, tests: [{ input: '1 2', expected: null }] };

  it('accepts what the strict schema allows, turning null at optional fields into absent', () => {
    expect(validate(good)).toEqual({ title: 'Two sum', difficulty: 'easy', score: 7, tags: ['arrays'], tests: [{ input: '1 2' }] });
    expect(good.hint).toBeNull(); // the caller's value is not mutated
  });

  it('rejects with a message naming each failing path and what was expected', () => {
    expect(() => validate({ ...good, score: 11, difficulty: 'trivial' })).toThrow(/score[\s\S]*difficulty|difficulty[\s\S]*score/);
    const msg = (() => {
      try {
        validate({ ...good, score: 11 });
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(msg).toContain('score');
    expect(msg).toMatch(/10/);
  });

  it('still enforces constraints dropped from the sent schema (minLength)', () => {
    expect(() => validate({ ...good, title: 'ab' })).toThrow(/title/);
  });

  it('round-trips with sampleFromSchema: a generated value validates', () => {
    const out = structuredOutput('problem', Problem);
    expect(() => out.validate(sampleFromSchema(out.schema.jsonSchema))).not.toThrow();
  });

  it('keeps the dropped constraints in sampleSchema, so values made from it pass constraints the sent schema cannot state', () => {
    const Strict = z.object({ problem: z.string().min(40).max(60), hint: z.string().min(30).optional() });
    const out = structuredOutput('strict', Strict);
    const sent = out.schema.jsonSchema.properties as Record<string, Record<string, unknown>>;
    const kept = out.schema.sampleSchema!.properties as Record<string, Record<string, unknown>>;
    expect(sent.problem).toEqual({ type: 'string' });
    expect(kept.problem).toEqual({ type: 'string', minLength: 40, maxLength: 60 });
    expect(kept.hint).toEqual({ type: ['string', 'null'], minLength: 30 });
    expect(() => out.validate(sampleFromSchema(out.schema.jsonSchema))).toThrow(/problem/);
    const value = out.validate(sampleFromSchema(out.schema.sampleSchema!)) as z.output<typeof Strict>;
    expect(value.problem.length).toBeGreaterThanOrEqual(40);
  });
});
