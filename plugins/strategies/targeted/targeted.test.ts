import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot, type Seed } from '../../../core/index.js';
import { createHarness, MockModel, type MockRequest } from '../../../core/testing/index.js';
import { deficiencySeeds, type DeficiencySeedMeta } from '../../seeds/deficiencies.js';
import { targetedCount } from './plan.js';
import targeted from './index.js';

const HUMANEVAL = join(packageRoot(), '..', 'shared', 'data', 'humaneval', 'HumanEval.jsonl.gz');

describe('targetedCount', () => {
  it('gives the top deficiency perDeficiency and the others their share of it, at least one', () => {
    expect(targetedCount(6, 17, 17)).toBe(6);
    expect(targetedCount(6, 10, 17)).toBe(4);
    expect(targetedCount(6, 2, 17)).toBe(1);
    expect(targetedCount(6, 1, 17)).toBe(1);
    expect(targetedCount(4, 3, 0)).toBe(4);
  });
});

function diagnosisFile(): string {
  const dir = join(tmpdir(), `instructsmith-targeted-${process.pid}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  const def = (rank: number, key: string, count: number, evidence: string[]) => ({ rank, key, ability: key, count, categories: ['String Processing'], evidence, explanations: evidence.map((e) => `fails ${e}`) });
  const file = join(dir, 'diagnosis.json');
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      benchmark: 'humaneval',
      file: HUMANEVAL,
      format: 'humaneval',
      deficiencies: [def(1, 'string manipulation', 6, ['HumanEval/1', 'HumanEval/6', 'HumanEval/7']), def(2, 'list operation', 3, ['HumanEval/3']), def(3, 'recursion', 1, ['HumanEval/55'])],
    }),
  );
  return file;
}

describe('seed:deficiencies', () => {
  it('reads diagnosis.json as one seed per deficiency up to top, with labels and benchmark prompts as context; the rest skipped', async () => {
    const h = await createHarness([[deficiencySeeds, { top: 2, contexts: 2 }]]);
    const file = diagnosisFile();
    const { seeds, skips, handled } = await h.readSeeds(file);
    expect(handled).toBe(true);
    expect(seeds).toHaveLength(2);
    expect(skips).toEqual([{ path: `${file}#3`, reason: 'below_top' }]);
    const meta = seeds[0]!.meta.deficiency as DeficiencySeedMeta;
    expect(meta).toMatchObject({ key: 'string manipulation', rank: 1, count: 6, topCount: 6 });
    expect(meta.contexts.map((c) => c.id)).toEqual(['HumanEval/1', 'HumanEval/6']);
    expect(meta.contexts[0]!.prompt).toContain('def separate_paren_groups');
    expect(seeds[0]!.label).toEqual({ ability_en: ['string manipulation'], cate_ability_en: ['String Processing'] });
    expect(new Set(seeds.map((s) => s.id)).size).toBe(2);
    // Any other file is left to the other seed sources.
    const other = join(tmpdir(), `instructsmith-other-${process.pid}.json`);
    writeFileSync(other, '{}');
    expect((await h.readSeeds(other)).handled).toBe(false);
  });
});

describe('strategy:targeted', () => {
  const seed = (meta: Partial<DeficiencySeedMeta> = {}): Seed => ({
    id: 'def-1',
    language: 'python',
    code: 'Weak ability: string manipulation',
    kind: 'record',
    source: { path: 'diagnosis.json', line: 1 },
    label: { ability_en: ['string manipulation'], cate_ability_en: ['String Processing'] },
    meta: { deficiency: { key: 'string manipulation', ability: 'string manipulation', rank: 1, count: 3, topCount: 6, categories: ['String Processing'], explanations: ['drops the last token'], evidence: ['HumanEval/1'], contexts: [{ id: 'HumanEval/1', prompt: 'def separate_paren_groups(s):' }], benchmark: 'humaneval', ...meta } },
  });
  const write = (req: MockRequest) => (req.schemaName === 'targeted_instruction' ? { instruction: `Write a Python function \`split_tokens_${req.seed}\` that splits a log line into tokens.` } : undefined);

  it('writes its share of instructions for the deficiency, each a distinct call, with label and lineage', async () => {
    const model = new MockModel([write]);
    const h = await createHarness([[targeted, { perDeficiency: 4 }]], { model });
    const records = await h.synthesize(seed());
    expect(records).toHaveLength(2);
    expect(records.map((r) => r.messages[0]!.content)).toEqual(['Write a Python function `split_tokens_0` that splits a log line into tokens.', 'Write a Python function `split_tokens_1` that splits a log line into tokens.']);
    expect(records.map((r) => r.lineage.details)).toEqual([{ deficiency: 'string manipulation', rank: 1, index: 0 }, { deficiency: 'string manipulation', rank: 1, index: 1 }]);
    for (const r of records) expect(r.label).toEqual({ ability_en: ['string manipulation'], cate_ability_en: ['String Processing'] });
    const asked = model.requests.filter((r) => r.schemaName === 'targeted_instruction');
    expect(asked.map((r) => r.seed)).toEqual([0, 1]);
    // The prompt shows the weakness and the failing benchmark prompt, as context not to copy.
    expect(asked[0]!.lastUser).toContain('drops the last token');
    expect(asked[0]!.lastUser).toContain('def separate_paren_groups(s):');
    expect(asked[0]!.system).toMatch(/contamination/);
  });

  it('drops the record of a call that never validates, with the reason, and passes over other seeds', async () => {
    const model = new MockModel([(req) => (req.schemaName === 'targeted_instruction' ? { instruction: 'short' } : undefined)]);
    const h = await createHarness([[targeted, { perDeficiency: 1 }]], { model });
    const [r] = await h.synthesize(seed());
    expect(r!.dropped).toMatchObject({ plugin: 'strategy:targeted', category: 'invalid_output' });
    expect(r!.dropped!.reason).toContain('string manipulation');
    expect(await h.synthesize({ ...seed(), meta: {} })).toEqual([]);
  });
});
