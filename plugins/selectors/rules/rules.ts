import picomatch from 'picomatch';
import type { Seed } from '../../../core/index.js';
import { seedTexts } from '../seed-text.js';
import { ioRegExp } from './io-patterns.js';
import type { BuiltinRule, RulesOptions, UserRule } from './options.js';

/** A pool row as the rules see it. */
export interface RowView {
  instruction: string;
  response: string;
  /** The row's file path, then its own `source` field when it has one. */
  sources: string[];
  /** Whether the row has any assistant turn. */
  answered: boolean;
}

/** One compiled rule: `check` returns why the row is dropped, or undefined to pass it on. */
export interface CompiledRule {
  name: string;
  /** Drop category (short, snake_case for built-ins, the rule's name for user rules). */
  category: string;
  check(row: RowView): string | undefined;
}

/** The view of a seed the rules test. */
export function rowView(seed: Seed): RowView {
  const { instruction, response } = seedTexts(seed);
  const sources = [seed.source.path];
  if (typeof seed.meta.source === 'string' && seed.meta.source) sources.push(seed.meta.source);
  return { instruction, response, sources, answered: seed.messages?.some((m) => m.role === 'assistant') ?? false };
}

/**
 * The rules of `selector:rules` in the order they are checked (the first that drops a row names it):
 * source deny and allow globs, the user rules as listed, then the built-in sets as listed.
 */
export function compileRules(o: RulesOptions): CompiledRule[] {
  const out: CompiledRule[] = [];
  const glob = (patterns: string[]) => patterns.map((p) => ({ p, m: picomatch(p, { dot: true, basename: true }) }));
  const deny = glob(o.sources.deny);
  if (deny.length) {
    out.push({
      name: 'source-deny',
      category: 'source_denied',
      check: (row) => {
        for (const s of row.sources) for (const { p, m } of deny) if (m(s)) return `source: "${s}" matches deny glob "${p}"`;
        return undefined;
      },
    });
  }
  if (o.sources.allow) {
    const allow = glob(o.sources.allow);
    out.push({
      name: 'source-allow',
      category: 'source_not_allowed',
      check: (row) =>
        row.sources.some((s) => allow.some(({ m }) => m(s))) ? undefined : `source: ${row.sources.map((s) => `"${s}"`).join(' / ')} matches no allow glob (${allow.map(({ p }) => `"${p}"`).join(', ')})`,
    });
  }
  for (const r of o.rules) out.push(userRule(r));
  for (const b of o.builtin) out.push(builtin(b, o));
  return out;
}

function fieldTexts(row: RowView, field: UserRule['field']): [string, string][] {
  const src = row.sources.map((s): [string, string] => ['source', s]);
  if (field === 'source') return src;
  if (field === 'instruction') return [['instruction', row.instruction]];
  if (field === 'response') return [['response', row.response]];
  return [['instruction', row.instruction], ['response', row.response], ...src];
}

function userRule(r: UserRule): CompiledRule {
  const re = new RegExp(r.pattern, r.flags);
  return {
    name: r.name,
    category: r.name,
    check(row) {
      for (const [where, text] of fieldTexts(row, r.field)) {
        const m = re.exec(text);
        if (m && r.action === 'drop') return `${r.name}: /${r.pattern}/${r.flags ?? ''} matched ${quote(m[0])} in ${where}`;
        if (m) return undefined;
      }
      return r.action === 'keep' ? `${r.name}: no match of /${r.pattern}/${r.flags ?? ''} in ${r.field === 'any' ? 'any field' : r.field}` : undefined;
    },
  };
}

// An opening code fence (CommonMark: up to 3 spaces, then 3+ backticks or tildes); an unclosed one runs to the end.
const FENCE = /^ {0,3}(?:`{3,}|~{3,})/m;

function builtin(name: BuiltinRule, o: RulesOptions): CompiledRule {
  switch (name) {
    case 'io': {
      const re = ioRegExp();
      return {
        name,
        category: 'io',
        check(row) {
          for (const [where, text] of [['instruction', row.instruction], ['response', row.response]] as const) {
            const m = re.exec(text);
            // Up to the call's parenthesis (`requests.get(`, not the argument after it), unless the match is a whole call (`require('fs')`).
            if (m) return `io: ${m[0].endsWith(')') ? m[0] : m[0].replace(/\(.*$/s, '(')} in ${where}`;
          }
          return undefined;
        },
      };
    }
    case 'length':
      return {
        name,
        category: 'length',
        check(row) {
          for (const [where, text] of [['instruction', row.instruction], ['response', row.response]] as const) {
            const b = o.length[where];
            const n = text.length;
            if (n < b.min) return `length: ${where} ${n} chars < min ${b.min}`;
            if (b.max !== undefined && n > b.max) return `length: ${where} ${n} chars > max ${b.max}`;
          }
          return undefined;
        },
      };
    case 'empty-response':
      return {
        name,
        category: 'empty_response',
        check: (row) => (!row.answered ? 'empty-response: no assistant turn' : row.response.trim() === '' ? 'empty-response: every assistant turn is blank' : undefined),
      };
    case 'non-code':
      return { name, category: 'non_code', check: (row) => (FENCE.test(row.response) ? undefined : 'non-code: no fenced code block in any assistant turn') };
  }
}

function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}
