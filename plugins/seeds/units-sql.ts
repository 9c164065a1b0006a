import { lineAt, lineStartsOf, type Unit } from './unit.js';

const ROUTINE = /^create\s+(?:or\s+replace\s+)?(?:definer\s*=\s*\S+\s+)?(function|procedure|trigger)\s+(?:if\s+not\s+exists\s+)?([\w."`\[\]]+)/i;
const SCHEMA = /^create\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+|unlogged\s+)?(table|view|materialized\s+view|type)\s+(?:if\s+not\s+exists\s+)?([\w."`\[\]]+)/i;

/**
 * SQL statements that define something: `CREATE FUNCTION/PROCEDURE/TRIGGER` (kind `function`) and
 * `CREATE TABLE/VIEW/MATERIALIZED VIEW/TYPE` (kind `class`), split on `;` outside comments and
 * literals (masked text, so `;` inside `$$` bodies and strings never splits). `meta.statement` is the
 * verb, e.g. `create table`. Other statements (queries, inserts, ...) are not units: in `auto` mode they
 * are cut into windows with the rest of the file (our choice: a lone INSERT makes a poor seed).
 *
 * @param text original SQL text; @param masked `maskNonCode(text, 'sql')`.
 */
export function sqlUnits(text: string, masked: string): Unit[] {
  const lines = lineStartsOf(text);
  const units: Unit[] = [];
  let start = 0;
  for (let i = 0; i <= masked.length; i++) {
    if (i < masked.length && masked[i] !== ';') continue;
    let s = start;
    while (s < i && /\s/.test(masked[s]!)) s++;
    // The original text, so quoted names survive; masking only served to find the statement's first code character.
    const head = text.slice(s, Math.min(i, s + 400)).replace(/\s+/g, ' ');
    const routine = ROUTINE.exec(head);
    const schema = routine ? null : SCHEMA.exec(head);
    const m = routine ?? schema;
    if (m && s < i) {
      units.push({
        kind: routine ? 'function' : 'class',
        startLine: lineAt(lines, s),
        endLine: lineAt(lines, Math.min(i, masked.length - 1)),
        symbol: m[2]!.replace(/[`"\[\]]/g, ''),
        members: [],
        meta: { statement: `create ${m[1]!.toLowerCase().replace(/\s+/g, ' ')}` },
      });
    }
    start = i + 1;
  }
  return units;
}
