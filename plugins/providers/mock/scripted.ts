import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { MockReplyFn as ReplyFn } from '../../../core/testing/index.js';
import { chooseReply } from './scripted-choose.js';
import { conversationReply } from './scripted-conversation.js';
import { diagnoseReply } from './scripted-diagnose.js';
import { tagsReply } from './scripted-tags.js';

/**
 * A deterministic stand-in for a code LLM, for the HTTP test double: it answers the prompts of the
 * built-in templates the way a capable model would, as a pure function of the request (so a rerun,
 * or a resumed run, gets the same answers). Planted faults make every funnel stage drop something:
 * - about 1 problem in 5 gets low quality scores (judge:quality drops it);
 * - about 1 response in 7 uses an undefined name (pylint E0602, the python analyzer drops it).
 * Responses to HumanEval-derived problems are the canonical solutions, found by entry point.
 * Backfeeding: keywords come from cue words of the problem (so problems that share a topic share
 * graph nodes), and reconstructed problems name a function made from the keywords they were given.
 * Genetic-Instruct: mutations and crossovers rename the function and add the rule's or parents' task
 * (bounded length); the Coder's solution fails its own unit tests about 1 time in 9; the Judge calls
 * about 1 pair in 6 incorrect.
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
    if (name === 'infinity_tags') return tagsReply(req);
    if (name === 'infinity_difficulty') return chooseReply(req);
    if (name === 'infinity_deficiency' || name === 'targeted_instruction') return diagnoseReply(req);
    if (name === 'genetic_mutation' || name === 'genetic_crossover' || name === 'genetic_solution' || name === 'genetic_verdict') return geneticReply(name, req.lastUser, req.seed);
    const conversation = conversationReply(req);
    if (conversation !== undefined) return conversation;
    if (!req.schema && /expert/i.test(req.system)) {
      const fn = /`([A-Za-z_]\w*)`/.exec(req.lastUser)?.[1] ?? 'solve';
      let code = solutions.get(fn) ?? `def ${fn}(values):\n    """Return the values sorted."""\n    return sorted(values)\n`;
      if (bucket(req.lastUser, 7) === 3) code = `${code.trimEnd()}\n\n\ndef ${fn}_checked(*args):\n    return ${fn}(*args) + undefined_offset\n`;
      return `Here is a solution.\n\n\`\`\`python\n${code.trimEnd()}\n\`\`\`\n\nIt runs in linear time in the size of the input.`;
    }
    return undefined;
  };
}

const GENETIC_CLAUSES: Record<string, string> = {
  'Add constraints': 'The input may hold up to 10^5 values; reject non-numeric values with a ValueError.',
  Deepen: 'Also support nested lists by flattening them first.',
  Concretize: 'The values are sensor readings from a weather station, given as floats.',
  'More reasoning steps': 'First remove duplicates, then order the rest, and explain each step in a comment.',
  'Rarer requirement': 'Ties must keep their original relative order (a stable ordering).',
  'In-breadth': 'The task is about inventory quantities in a small shop instead.',
};

function geneticReply(name: string, prompt: string, seed = 0): unknown {
  const h = (n: number) => bucket(prompt, n);
  const tag = (n: number) => createHash('sha256').update(`${seed}|${prompt}`).digest('hex').slice(0, n);
  if (name === 'genetic_mutation') {
    const parent = /"""\n([\s\S]*?)\n"""/.exec(prompt)?.[1] ?? prompt;
    const rule = /^(.*?): /m.exec(prompt.split('\n').slice(2).join('\n'))?.[1] ?? 'Deepen';
    const fn = /`([A-Za-z_]\w*)`/.exec(parent)?.[1] ?? 'solve';
    const next = `${fn.replace(/_v[0-9a-f]{4}$/, '')}_v${tag(4)}`;
    const first = parent.split('\n')[0]!.replace(`\`${fn}\``, `\`${next}\``);
    return { instruction: `${first.includes(next) ? first : `Write a Python function \`${next}\`. ${first}`}\n${GENETIC_CLAUSES[rule] ?? 'Handle empty input.'}` };
  }
  if (name === 'genetic_crossover') {
    const examples = [...prompt.matchAll(/Example \d+:\n"""\n([\s\S]*?)\n"""/g)].map((m) => m[1]!.split('\n')[0]!);
    const tasks = examples.map((e) => (/ that (.*)$/.exec(e)?.[1] ?? e).replace(/\.$/, '').slice(0, 80));
    return { instruction: `Write a Python function \`combined_${tag(6)}\` that takes a list of values and does both of these tasks: ${tasks.map((t, i) => `(${i + 1}) ${t}`).join('; ')}. Return the values sorted.` };
  }
  if (name === 'genetic_solution') {
    const fn = /`([A-Za-z_]\w*)`/.exec(prompt)?.[1] ?? 'solve';
    let code = `def ${fn}(values):\n    """Return the values sorted."""\n    return ${h(9) === 5 ? 'list(values)' : 'sorted(values)'}\n`;
    if (h(7) === 3) code = `${code}\n\ndef ${fn}_checked(*args):\n    return ${fn}(*args) + undefined_offset\n`;
    return { solution: `Here is a solution.\n\n\`\`\`python\n${code.trimEnd()}\n\`\`\``, tests: `assert ${fn}([3, 1, 2]) == [1, 2, 3]\nassert ${fn}([]) == []\n` };
  }
  const bad = h(6) === 0;
  const s = bad ? [3, 4, 4, 3] : [8, 9, 7, 8];
  return {
    scores: { instruction_clarity: s[0], correctness: s[1], completeness: s[2], code_quality: s[3] },
    correct: !bad,
    reasons: bad ? ['The code ignores part of the instruction.'] : ['The code solves the task as stated.'],
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
