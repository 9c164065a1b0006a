import { z } from '../../../core/index.js';

/** The built-in rule sets, by name. */
export const BUILTIN_RULES = ['io', 'length', 'empty-response', 'non-code'] as const;
export type BuiltinRule = (typeof BUILTIN_RULES)[number];

const bounds = z
  .object({ min: z.number().int().min(0).default(0), max: z.number().int().positive().optional() })
  .strict()
  .refine((b) => b.max === undefined || b.max >= b.min, { message: 'max must be at least min', path: ['max'] });

const userRule = z
  .object({
    /** Short slug, used as the drop category. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a short lower-case slug (letters, digits, - and _)'),
    /** What the pattern is matched against: the user turns, the assistant turns, the row's source (file path and its `source` field), or any of them. */
    field: z.enum(['instruction', 'response', 'source', 'any']),
    /** A JavaScript regular expression (without slashes). */
    pattern: z.string().min(1),
    /** RegExp flags, e.g. `i` (`g` and `y` are refused: they make `test` stateful). */
    flags: z.string().regex(/^[imsu]*$/, 'RegExp flags among i, m, s, u').optional(),
    /** `drop`: a row that matches is dropped; `keep`: a row that does not match is dropped. */
    action: z.enum(['drop', 'keep']),
  })
  .strict()
  .superRefine((r, ctx) => {
    try {
      new RegExp(r.pattern, r.flags);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: `not a valid regular expression: ${(err as Error).message}` });
    }
    if ((BUILTIN_RULES as readonly string[]).includes(r.name) || r.name.startsWith('source')) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: `"${r.name}" is taken by a built-in rule; choose another name` });
    }
  });

export type UserRule = z.output<typeof userRule>;

/**
 * Options of `selector:rules`. Defaults are our choice:
 * - `builtin: [io, empty-response]`: the rules Infinity Instruct's Phase 1 states for code
 *   (arXiv 2506.11116: samples with network or file I/O are removed) and a row with nothing to learn from.
 *   `length` and `non-code` are opt-in: a general pool legitimately holds short chats and prose answers.
 * - `length`: instruction 10 to 8,000 characters, response 1 to 16,000 (characters of the joined
 *   turns; `max` unset = unbounded). 10 keeps out "hi" and "continue"; the maxima keep a row inside
 *   a 4k-token context with room for evolution.
 */
export const rulesOptions = z
  .object({
    builtin: z.array(z.enum(BUILTIN_RULES)).default(['io', 'empty-response']),
    length: z
      .object({ instruction: bounds.default({ min: 10, max: 8000 }), response: bounds.default({ min: 1, max: 16000 }) })
      .strict()
      .default({ instruction: { min: 10, max: 8000 }, response: { min: 1, max: 16000 } }),
    /** Checked in order before the built-in sets. */
    rules: z.array(userRule).default([]),
    /**
     * Glob patterns (picomatch; a pattern without `/` matches the base name) over the row's file path
     * and its `source` field (`seed.meta.source`, as Infinity Instruct's released rows carry). With
     * `allow`, a row must match one; a row matching a `deny` pattern is dropped.
     */
    sources: z.object({ allow: z.array(z.string().min(1)).optional(), deny: z.array(z.string().min(1)).default([]) }).strict().default({ deny: [] }),
  })
  .strict()
  .superRefine((o, ctx) => {
    const seen = new Set<string>();
    o.rules.forEach((r, i) => {
      if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `rule name "${r.name}" is used twice` });
      seen.add(r.name);
    });
  });

export type RulesOptions = z.output<typeof rulesOptions>;
