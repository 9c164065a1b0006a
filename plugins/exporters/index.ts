import alpaca from './alpaca.js';
import messages from './messages.js';
import sharegpt from './sharegpt.js';
import tokenized from './tokenized.js';

/** Built-in exporters, by export format name (`--format`). */
export const exporters = { messages, sharegpt, alpaca, tokenized } as const;
export type ExportFormat = keyof typeof exporters;
export { alpaca, messages, sharegpt, tokenized };
