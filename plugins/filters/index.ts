import dedupFilter from './dedup/index.js';
import decontaminateFilter from './decontaminate/index.js';

/** Built-in filters (`filter` hook), in the order the presets list them: decontaminate, then dedup last (see dedup/index.ts). */
export const filters = [decontaminateFilter, dedupFilter] as const;
export { dedupFilter, decontaminateFilter };
