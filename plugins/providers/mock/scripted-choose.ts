import { createHash } from 'node:crypto';
import type { MockRequest } from '../../../core/testing/index.js';

/** Words that make an instruction harder to follow well (constraints, edge cases, reasoning); our choice. */
const HARD_CUES = ['must', 'should', 'without', 'handle', 'edge case', 'efficient', 'complexity', 'o(', 'at most', 'ensure', 'recursive', 'concurren', 'thread', 'optimi', 'explain', 'step', 'constraint', 'validate'];

/**
 * The scripted model's reply to `selector:choose`'s fallback difficulty rating (schema
 * `infinity_difficulty`, template `choose-difficulty`): 2 plus one per hardness cue in the
 * instruction plus one per 200 characters, at most 10; about 1 instruction in 5 is planted as
 * trivial (difficulty 2) whatever it says, so the `not_chosen` drop is exercised. Pure function of
 * the request. Returns undefined for other schemas.
 */
export function chooseReply(req: Pick<MockRequest, 'schemaName' | 'lastUser'>): unknown | undefined {
  if (req.schemaName !== 'infinity_difficulty') return undefined;
  const instruction = /Instruction:\n"""\n([\s\S]*?)\n"""/.exec(req.lastUser)?.[1] ?? req.lastUser;
  const text = instruction.toLowerCase();
  const cues = HARD_CUES.filter((c) => text.includes(c));
  if (createHash('sha256').update(instruction).digest().readUInt32BE(0) % 5 === 0) {
    return { difficulty: 2, reason: 'A single routine request with no constraints.' };
  }
  const difficulty = Math.min(10, 2 + cues.length + Math.floor(instruction.length / 200));
  return { difficulty, reason: cues.length ? `It asks for ${cues.slice(0, 3).join(', ')}.` : 'A routine request with few constraints.' };
}
