/**
 * The public part of the LLM layer (re-exported by core/index.ts): what plugins, provider plugins
 * and the runner use. One line in core/index.ts points here so the LLM layer can grow without
 * touching the shared file.
 */
export { parseModelId, type ModelRef } from './model-id.js';
export { DEFAULT_LLM_SETTINGS, llmSettingsSchema, resolveLlmSettings } from './settings.js';
export { cacheKey, LlmCache, type CacheEntry, type CacheKeyParts } from './cache.js';
export { backoffDelay, withRetry, abortableSleep, type RetrySettings, type RetryHooks } from './retry.js';
export { UsageMeter } from './usage.js';
export { parseJsonReply } from './json-reply.js';
export { sampleFromSchema, type SampleOptions } from './schema-sample.js';
export { schemaFromZod, validatorFromZod, structuredOutput } from './zod-schema.js';
export { createLlmClient, type LlmClientDeps, type RetryListener } from './client.js';
export { createDryRunClient, DryRunLog, dryRunPlaceholder, estimateTokens, type DryRunEstimate, type DryRunRequest } from './dry-run.js';
export { createLlmFactory, type LlmFactory, type LlmFactoryOptions } from './factory.js';
export { llmErrorFromNetwork, llmErrorFromStatus, networkErrorCode, parseEndpointUrl, publicUrl, retryAfterMs, type EndpointUrl, type FailureContext } from './http-errors.js';
export { linkSignals, type LinkedSignal } from './abort.js';
