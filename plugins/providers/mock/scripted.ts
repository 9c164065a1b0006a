import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { MockReplyFn as ReplyFn } from '../../../core/testing/index.js';

/**
 * A deterministic stand-in for a code LLM, for the HTTP test double: it answers the prompts of the
 * built-in templates the way a capable model would, as a pure function of the request (so a rerun,
 * or a resumed run, gets the same answers). Planted faults make every funnel stage drop something:
 * - about 1 problem in 5 gets low quality scores (judge:quality drops it);
 * - about 1 response in 7 uses an undefined name (pylint E0602, the python analyzer drops it).
 * Responses to HumanEval-derived problems are the canonical solutions, found by entry point.
 * Backfeeding: keywords come from cue words of the problem (so problems that share a topic share
 * graph nodes), and reconstructed problems name a function made from the keywords they were given.
 */
export function scriptedModel(options: { humanEvalPath?: string } = {}): ReplyFn {
  const solutions = options.humanEvalPath ? loadHumanEval(options.humanEvalPath) : new Map<string, string>();
  return (req) => {
    const name = req.schemaName ?? '';
    if (name === 'reverse_problem') {
      const code = fenced(req.lastUser) ?? '';
      const fn = /def\s+([A-Za-z_]\w*)\s*\(/.exec(code)?.[1] ?? 'solve';
      const doc = /"""([\s\S]*?)"""/.exec(code)?.[1]?.trim().split('\n')[0] ?? 'processes its input';
      return {
        analysis: `The snippet defines \`${fn}\`, which ${doc.charAt(0).toLowerCase()}${doc.slice(1)} It is the kind of helper found in data-processing utilities.`,
        problem: `Write a Python function \`${fn}\` for the following task. ${doc}\nState your assumptions about the input and handle empty inputs.`,
      };
    }
    if (name === 'rewritten_problem') {
      const original = /"""\n([\s\S]*?)\n"""/.exec(req.lastUser)?.[1] ?? req.lastUser;
      const direction = /^(.*?):/m.exec(req.lastUser.split('\n').slice(2).join('\n'))?.[1] ?? 'rewrite';
      return { problem: `${original.trim()}\nAdditionally (${direction.toLowerCase()}): document the time complexity and validate the arguments.` };
    }
    if (name === 'quality_verdict') {
      const problem = /"""\n([\s\S]*?)\n"""/.exec(req.lastUser)?.[1] ?? '';
      const low = bucket(problem, 5) === 0;
      const keys = [...req.lastUser.matchAll(/^- (\w+) \(/gm)].map((m) => m[1]!);
      const scores = Object.fromEntries(keys.map((k, i) => [k, low ? 3 + ((i + (req.seed ?? 0)) % 3) : 6 + ((i + (req.seed ?? 0)) % 4)]));
      return { scores, rationale: low ? 'Vague requirements and little depth.' : 'Clear, realistic and reasonably challenging.' };
    }
    if (name === 'backfeeding_keywords') {
      const problem = (/<problem>\n([\s\S]*?)\n<\/problem>/.exec(req.lastUser)?.[1] ?? '').toLowerCase();
      const knowledge = [...new Set(KNOWLEDGE_CUES.filter(([cue]) => problem.includes(cue)).map(([, point]) => point))].slice(0, 4);
      if (knowledge.length === 0) knowledge.push(FALLBACK_KNOWLEDGE[bucket(problem, FALLBACK_KNOWLEDGE.length)]!);
      return {
        language: 'python',
        task: [TASKS[bucket(problem, TASKS.length)]!],
        instruction: problem.includes('empty') ? ['handle empty input'] : [],
        knowledge,
      };
    }
    if (name === 'backfeeding_problem') {
      // Keyword lines come before the optional relations section; "(none given ...)" lines are placeholders.
      const given = req.lastUser.split('How the keywords were connected')[0]!;
      const keywords = [...given.matchAll(/^- (.+)$/gm)].map((m) => m[1]!.trim()).filter((k) => !k.startsWith('('));
      const fn = `solve_${keywords.slice(-2).join('_').replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`.slice(0, 40).replace(/_+$/, '');
      return {
        plan: `Combine ${keywords.join(', ')} into one function.`,
        problem: `Write a Python function \`${fn}\` that takes a list of values and applies ${keywords.join(', ')}. Return the processed values as a sorted list and handle empty input.`,
      };
    }
    if (!req.schema && /expert/i.test(req.system)) {
      const fn = /`([A-Za-z_]\w*)`/.exec(req.lastUser)?.[1] ?? 'solve';
      let code = solutions.get(fn) ?? `def ${fn}(values):\n    """Return the values sorted."""\n    return sorted(values)\n`;
      if (bucket(req.lastUser, 7) === 3) code = `${code.trimEnd()}\n\n\ndef ${fn}_checked(*args):\n    return ${fn}(*args) + undefined_offset\n`;
      return `Here is a solution.\n\n\`\`\`python\n${code.trimEnd()}\n\`\`\`\n\nIt runs in linear time in the size of the input.`;
    }
    return undefined;
  };
}

/** Cue word in a problem -> knowledge point it calls for (so related problems share graph nodes). */
const KNOWLEDGE_CUES: Array<[string, string]> = [
  ['list', 'list manipulation'], ['string', 'string processing'], ['sort', 'sorting'], ['prime', 'prime numbers'],
  ['sum', 'aggregation'], ['palindrome', 'palindromes'], ['vowel', 'character classification'], ['fibonacci', 'recursion'],
  ['dictionar', 'hash map'], ['digit', 'digit manipulation'], ['bracket', 'stack'], ['parenthes', 'stack'],
  ['float', 'floating point'], ['max', 'maximum search'], ['count', 'counting'], ['even', 'parity'], ['odd', 'parity'],
  ['substring', 'substring search'], ['integer', 'integer arithmetic'], ['sequence', 'sequences'],
];
const FALLBACK_KNOWLEDGE = ['iteration', 'conditionals', 'list comprehension'];
const TASKS = ['transform a collection', 'compute a statistic', 'validate input data', 'search a sequence'];

function fenced(text: string): string | undefined {
  return /```[\w+-]*\n([\s\S]*?)```/.exec(text)?.[1];
}

function bucket(text: string, n: number): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) % n;
}

function loadHumanEval(path: string): Map<string, string> {
  const out = new Map<string, string>();
  const raw = readFileSync(path);
  for (const line of (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    const p = JSON.parse(line) as { prompt: string; canonical_solution: string; entry_point: string };
    out.set(p.entry_point, p.prompt + p.canonical_solution);
  }
  return out;
}
