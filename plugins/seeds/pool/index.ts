import { definePlugin } from '../../../core/index.js';
import { claims } from './claim.js';
import { poolOptions } from './options.js';
import { readPoolSeeds } from './read.js';

export { poolOptions, type PoolOptions } from './options.js';
export { readPoolSeeds, preScanPool } from './read.js';
export { toConversation, detectFormat, type PoolFormat } from './formats.js';

/**
 * `seed:pool`: the rows of an instruction pool as seeds, for selection (Infinity Instruct, arXiv
 * 2506.11116, Phase 1 selects from a large pool) and evolution. `--seeds` (or `--pool`) names a
 * `.jsonl`, `.jsonl.gz` or `.parquet` file, or a directory of them read recursively in sorted path
 * order. Opt-in: name it in a preset or config; it is not applied implicitly like seed:jsonl.
 *
 * Formats, per row from its keys (`format: auto`) or fixed by `format`, with column names from
 * `fields`: OpenAI `messages`, ShareGPT `conversations`, Alpaca `instruction`/`input`/`output` (see
 * options.ts). The format found is logged once per file (and again if a later row of it differs).
 *
 * Each seed: `kind: 'record'`, `messages` = the conversation (OpenAI roles), `code` = its first user
 * turn, `id` = `contentId(messages)`, `language` = the first fenced code block's language, else the
 * `language` option (default `text`), `source` = `{path (relative to the directory; the file's name
 * for a single file), line}` (JSONL line, Parquet row index + 1), `meta` = the row's other fields plus
 * `format` (`messages`|`sharegpt`|`alpaca`; it replaces a row field of that name).
 *
 * Which paths it takes when other sources are applied too: see {@link claims} (the more specific
 * source wins). Bad rows: `onMalformed: error` (default) fails before any seed, naming file:line;
 * `skip` counts them. Skip reasons (stable): `malformed_json`, `invalid_utf8`, `no_conversation`,
 * `bad_turn` (only with `onMalformed: skip`), `unreadable` (a file that cannot be decoded, only with
 * `skip`), `too_large`, `empty_conversation`, `empty_turn`, `no_user_turn`, `not_pool_file` and the
 * walk's `excluded`, `symlink` (directory entries passed over). Duplicates are kept (selector:dedup).
 *
 * Streams in bounded memory: one JSONL line or one Parquet row group at a time.
 */
export const poolSeeds = definePlugin({
  name: 'seed:pool',
  description: 'Reads an instruction pool (JSONL, JSONL.gz, Parquet; OpenAI, ShareGPT or Alpaca rows) as conversation seeds.',
  options: poolOptions,
  apply(ctx, options) {
    // Before the general sources, so that when they are applied too the more specific claim wins (claim.ts).
    ctx.hooks.seedSource.tapPromise({ before: ['seed:jsonl', 'seed:directory'] }, async (query) => {
      if (!(await claims(query.path, query.isDirectory, options))) return undefined;
      return readPoolSeeds(query, options, ctx.log);
    });
  },
});

export default poolSeeds;
