/** Loss-masked SFT export: weighting, chat-template tokenization and masking, hygiene, writers, dataset card. */
export { SampleExportError } from './sample-error.js';
export { weightConversation, splitSystem, toExchanges, type TrainOn } from './conversation.js';
export { loadChatTokenizer, BUILTIN_TOKENIZERS, type ChatTokenizer } from './tokenizer.js';
export { tokenizeConversation, verifyMask, IGNORE_INDEX, type TokenizedSample } from './mask.js';
export { exportSettingsSchema, prepareDataset, releasePrepared, type ExportSettings, type PreparedSample, type PreparedDataset, type ExportReport, type ExportDrop } from './prepare.js';
export { writeExport, writeJsonl, type FormatSpec, type FormatResult, type RowFileWriter } from './write.js';
export { datasetCard, sizeCategory, type CardInput } from './card.js';
export { lengthStats, type LengthStats } from './stats.js';
export { openRunDir, readSamples, exportContextFor } from './run-dir.js';
