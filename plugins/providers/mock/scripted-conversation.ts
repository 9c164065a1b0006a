import { createHash } from 'node:crypto';
import type { MockRequest } from '../../../core/testing/index.js';

/** What an evolution adds, per dimension (the title the strategy's prompt names). */
const EVOLUTION_CLAUSES: Record<string, string> = {
  Depth: 'Also support nested lists by flattening them first, and say what happens with an empty input.',
  Difficulty: 'The input may hold up to 10^5 values; reject non-numeric values with a ValueError and keep the running time linear.',
  Complexity: 'First remove duplicates, then order the rest, and explain each of these steps in a comment.',
};

/** What the simulated user asks, per follow-up kind (the title the responder's prompt names); `FN` is the function of the conversation. */
const FOLLOWUPS: Record<string, string> = {
  Extend: 'Can you extend `FN` so it also accepts an optional `reverse` flag that returns the result in descending order?',
  'Edge case': 'What does `FN` do with an empty list or with None? Please make it handle both explicitly.',
  Refactor: 'Please refactor `FN` so the validation lives in a small helper function with a clear name.',
  Explain: 'Why does `FN` work, and what are its time and memory costs? Add comments to the code accordingly.',
  Test: 'Please write unit tests for `FN` that cover normal inputs and the empty list.',
};

/**
 * The scripted model's answers for Infinity Instruct's Phase 2 (plugins/providers/mock/scripted.ts
 * calls it first for every request): evolutions (`infinity_evolution`), compliance checks
 * (`infinity_compliance`), simulated-user follow-ups (`infinity_followup`) and the assistant's
 * answers to follow-ups (plain calls with the responder's system prompt and more than one user turn).
 * A pure function of the request. Planted faults, so each drop path runs:
 * - about 1 evolution in 6 returns the original unchanged (judge:compliance's cheap check drops it);
 * - about 1 compliance check in 7 says the evolution did not comply (dropped, `evolution_failed`);
 * - about 1 answer to a follow-up in 9 uses an undefined name (pylint E0602 drops the conversation).
 * Returns undefined for any other request.
 */
export function conversationReply(req: MockRequest): unknown {
  const name = req.schemaName ?? '';
  if (name === 'infinity_evolution') {
    const original = quoted(req.lastUser, 'Instruction:') ?? req.lastUser;
    if (bucket(original, 6) === 0) return { instruction: original };
    const dimension = /^Dimension: (\w+)/m.exec(req.lastUser)?.[1] ?? 'Depth';
    if (dimension === 'Breadth') {
      const fn = functionName(original);
      return { instruction: `Write a Python function \`${fn}_inventory\` that takes a list of (item, quantity) pairs from a small shop's stock list and returns the items whose quantity is below a given threshold, sorted by name. Handle an empty list.` };
    }
    return { instruction: `${original.trim()}\n${EVOLUTION_CLAUSES[dimension] ?? EVOLUTION_CLAUSES.Depth}` };
  }
  if (name === 'infinity_compliance') {
    const evolved = quoted(req.lastUser, 'Evolved instruction:') ?? '';
    if (bucket(evolved, 7) === 0) return { complied: false, reason: 'The added requirement contradicts the output the instruction asks for, so it cannot be answered as stated.' };
    return { complied: true, reason: 'It follows the directive and states everything needed to answer it.' };
  }
  if (name === 'infinity_followup') {
    const first = /<turn role="user">\n([\s\S]*?)\n<\/turn>/.exec(req.lastUser)?.[1] ?? '';
    const kind = /Kind of follow-up: ([A-Za-z ]+?):/.exec(req.lastUser)?.[1] ?? 'Extend';
    return { followup: (FOLLOWUPS[kind] ?? FOLLOWUPS.Extend!).replace('FN', functionName(first)) };
  }
  const userTurns = req.messages.filter((m) => m.role === 'user');
  if (!req.schema && /expert/i.test(req.system) && userTurns.length > 1) {
    const fn = functionName(req.lastUser);
    const transcript = req.messages.map((m) => m.content).join('\n');
    let code = `def ${fn}(values, reverse=False):\n    """Return the values sorted, descending when reverse is true."""\n    if values is None:\n        return []\n    return sorted(values, reverse=reverse)\n`;
    if (/unit tests/.test(req.lastUser)) code += `\n\ndef test_${fn}():\n    assert ${fn}([3, 1, 2]) == [1, 2, 3]\n    assert ${fn}([]) == []\n`;
    if (bucket(transcript, 9) === 2) code += `\n\ndef ${fn}_checked(values):\n    return ${fn}(values) + undefined_offset\n`;
    return `Sure. Here is the updated code.\n\n\`\`\`python\n${code.trimEnd()}\n\`\`\`\n\nIt still runs in O(n log n) time.`;
  }
  return undefined;
}

function quoted(prompt: string, heading: string): string | undefined {
  const at = prompt.indexOf(`${heading}\n"""\n`);
  if (at < 0) return undefined;
  const body = prompt.slice(at + heading.length + 5);
  const end = body.indexOf('\n"""');
  return end < 0 ? undefined : body.slice(0, end);
}

function functionName(text: string): string {
  return /`([A-Za-z_]\w*)`/.exec(text)?.[1] ?? 'solve';
}

function bucket(text: string, n: number): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) % n;
}
