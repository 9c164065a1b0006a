import { contentId, definePlugin, z, type Seed, type SeedQuery } from '../../core/index.js';
import { isJsonlPath } from './jsonl.js';
import { readLines } from './lines.js';

export const samplesSeedOptions = z
  .object({
    /** A longer line is skipped as `too_large` and counted; same default as seed:jsonl (our choice). */
    maxLineBytes: z.number().int().positive().default(1024 * 1024),
  })
  .strict();

/**
 * `seed:samples`: an earlier instructsmith run's `samples.jsonl` as seeds, one per kept sample, so a
 * strategy can grow that run's problems (strategy:genetic evolves them). It claims a JSONL file only
 * when its first record is an instructsmith sample (`messages` array and `lineage` object), so any
 * other dataset goes to seed:jsonl. Each seed: `code` = the sample's last user turn (its instruction),
 * `language` = the sample's, `kind: 'record'`, `meta.sampleId` = the sample's id.
 * Skip reasons: `too_large`, `invalid_utf8`, `malformed_json`, `no_instruction`, `duplicate`.
 */
export const samplesSeeds = definePlugin({
  name: 'seed:samples',
  description: "Reads an earlier run's samples.jsonl as seeds: each kept sample's instruction",
  options: samplesSeedOptions,
  apply(ctx, options) {
    ctx.hooks.seedSource.tapPromise(async (query) => {
      if (query.isDirectory || !isJsonlPath(query.path)) return undefined;
      if (!(await looksLikeSamples(query.path, options.maxLineBytes))) return undefined;
      return readSampleSeeds(query, options.maxLineBytes);
    });
  },
});

interface SampleLike {
  id?: unknown;
  language?: unknown;
  messages?: unknown;
  lineage?: unknown;
}

function parse(text: string): SampleLike | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as SampleLike) : undefined;
  } catch {
    return undefined;
  }
}

async function looksLikeSamples(path: string, maxLineBytes: number): Promise<boolean> {
  for await (const l of readLines(path, path.toLowerCase().endsWith('.gz'), maxLineBytes)) {
    if (!('text' in l)) return false;
    if (!l.text.trim()) continue;
    const rec = parse(l.text);
    return Boolean(rec && Array.isArray(rec.messages) && rec.lineage && typeof rec.lineage === 'object');
  }
  return false;
}

async function* readSampleSeeds(query: SeedQuery, maxLineBytes: number): AsyncGenerator<Seed> {
  const file = query.path;
  const seen = new Set<string>();
  for await (const l of readLines(file, file.toLowerCase().endsWith('.gz'), maxLineBytes)) {
    if ('tooLarge' in l) {
      query.skip(`${file}:${l.line}`, 'too_large');
      continue;
    }
    if ('invalidUtf8' in l) {
      query.skip(`${file}:${l.line}`, 'invalid_utf8');
      continue;
    }
    if (!l.text.trim()) continue;
    const rec = parse(l.text);
    if (!rec || !Array.isArray(rec.messages)) {
      query.skip(`${file}:${l.line}`, 'malformed_json');
      continue;
    }
    const user = (rec.messages as { role?: unknown; content?: unknown }[]).filter((m) => m?.role === 'user' && typeof m.content === 'string').at(-1);
    const code = (user?.content as string | undefined)?.trim();
    const language = typeof rec.language === 'string' ? rec.language : 'python';
    if (!code) {
      query.skip(`${file}:${l.line}`, 'no_instruction');
      continue;
    }
    const id = contentId({ language, code });
    if (seen.has(id)) {
      query.skip(`${file}:${l.line}`, 'duplicate');
      continue;
    }
    seen.add(id);
    yield { id, language, code, source: { path: file, line: l.line }, kind: 'record', meta: typeof rec.id === 'string' ? { sampleId: rec.id } : {} };
  }
}
