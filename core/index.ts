/**
 * instructsmith's public API (`import { ... } from 'instructsmith'`), plugin API v1. Named exports
 * only, grouped by what a plugin does with them; built-in plugins import nothing else, exactly as a
 * third-party plugin does. The test kit is the second entry, `instructsmith/testing`; the server side of the tool-server protocol the third, `instructsmith/tool-server` (verify/serve-lines.ts), light enough for a tool server's start-up.
 * Anything not exported here is internal and may change without notice.
 */
export { z } from 'zod';

// --- the plugin contract
export { definePlugin, PLUGIN_API_VERSION } from './plugin.js';
export type { Plugin, PluginContext, PluginLlmClient, PluginCommand, CommandIo, TemplateRenderer, Logger, RunInfo } from './plugin.js';
export type { PluginHooks, BoundHook, BoundHookMap, TapOptions } from './context-hooks.js';
export type { StageContext, FilterContext, SelectContext, SeedQuery, CodeSample, ExportContext, TrainContext, DerivedSeedQuery, RecordEntry, RunSummary, JudgeSubject } from './hooks.js';
export type { SelectionDrop, SelectionSummary, SelectorCount } from './selection.js';

// --- records
export { createRecord, contentId, recordId, STAGES } from './record.js';
export type { SampleRecord, Seed, SeedSourceRef, ChatMessage, Lineage, JudgeVerdict, Diagnostic, CheckResult, UsageEntry, Dropped, Stage, Label } from './record.js';
export { curriculumRank, compareByCurriculum, type CurriculumMeta } from './curriculum.js';
export { languageFromPath, languageFromFence, isKnownLanguage } from './languages.js';
export { mulberry32, shuffleInPlace, type Rng } from './random.js';
export { packageRoot } from './paths.js';

// --- errors (recognised across copies of the package)
export { InstructsmithError, ConfigError, InputError, ToolMissingError, PluginError, rootCause, redactSecrets, redactConfigSecrets, isSecretQueryParam } from './errors.js';

// --- LLM access: structured output for plugins, the contract and helpers for provider plugins
export { structuredOutput } from './llm/zod-schema.js';
export { LlmError, PROVIDER_API_VERSION } from './llm/types.js';
export type { ChatRequest, ChatResult, SamplingParams, OutputSchema, Completion, StructuredCompletion, CallMeta, CallPriority, ChatProvider, ProviderOptions, CallOptions, LlmErrorKind, PromptLogprobs, PromptLogprobsResult, PromptLogprobsCompletion } from './llm/types.js';
export { llmErrorFromNetwork, llmErrorFromStatus, networkErrorCode, parseEndpointUrl, publicUrl, retryAfterMs, type EndpointUrl, type FailureContext } from './llm/http-errors.js';
export { linkSignals } from './llm/abort.js';
export type { BatchApi, BatchCallOptions, BatchRequestLine, BatchResultLine, BatchStatus, BatchStatusName } from './llm/batch/types.js';
export { rateLimitFromHeaders, type RateLimitInfo } from './llm/rate-limit.js';

// --- analyzers: batched tool runs
export { defineAnalyzer, type AnalyzerDefinition } from './verify/define-analyzer.js';
export { runBatched, findExecutable, requireTool, ToolCrash, type BatchToolSpec, type BatchFile, type ToolDiagnostic, type ToolResult, type RunBatchedOptions } from './verify/batch.js';
export { createToolServer, nodeScriptCommand, STDERR_TAIL, type ToolServer, type ToolServerOptions, type ToolRequestOptions } from './verify/tool-server.js';

// --- executors
export { DEFAULT_LIMITS, type ExecutionLimits, type ExecutionRequest, type ExecutionResult, type ExecutionFile, type ExecutionVerdict } from './exec/types.js';

// --- evaluation (`instructsmith evaluate`)
export { passAtK, meanPassAtK } from './evaluation/pass-at-k.js';
export type { EvaluationTask, EvaluationItem, EvaluationOutcome, EvaluationError } from './evaluation/types.js';

// --- exporters and tokenizers
export { defineExporter, type ExporterDefinition } from './export/define-exporter.js';
export { exportSettingsSchema, type ExportSettings, type PreparedSample } from './export/prepare.js';
export { writeExport, writeJsonl, type FormatSpec, type FormatResult, type RowFileWriter } from './export/write.js';
export { SampleExportError } from './export/sample-error.js';
export { splitSystem, toExchanges, type TrainOn } from './export/conversation.js';
export { IGNORE_INDEX } from './export/mask.js';
export type { ChatTokenizer, TokenizerRecipe } from './export/chat-tokenizer.js';
