import { ConfigError } from '../errors.js';
import { registeredProviders, type Hooks } from '../hooks.js';
import { BatchCollector } from './batch/collector.js';
import { BatchState } from './batch/state.js';
import { EndpointBreaker } from './breaker.js';
import { LlmCache, type RequestCache } from './cache.js';
import { createLlmClient, type RetryListener } from './client.js';
import { createDryRunClient, DryRunLog } from './dry-run.js';
import { EndpointLimiter } from './limiter.js';
import { parseModelId } from './model-id.js';
import { resolveLlmSettings } from './settings.js';
import { PROVIDER_API_VERSION, type ChatProvider, type LlmClient, type LlmSettings } from './types.js';
import type { UsageMeter } from './usage.js';

/** What the runner passes to {@link createLlmFactory}. */
export interface LlmFactoryOptions {
  /** The run's hooks; providers are looked up in `hooks.provider` (tapped by `provider:*` plugins). */
  hooks: Hooks;
  /** The `llm` config section; unset keys take DEFAULT_LLM_SETTINGS. */
  settings?: Partial<LlmSettings>;
  /**
   * `--base-url`. A string applies to the provider of `defaultModel` (or to every provider when there
   * is no default model); a record maps provider names to URLs (`{ openai: 'http://localhost:8000/v1' }`).
   * Providers fall back to their environment variable and default when unset.
   */
  baseUrl?: string | Readonly<Record<string, string>>;
  /** `--model` / config `model`: used when a plugin asks for a client without an id. */
  defaultModel?: string;
  /** `--dry-run`: no HTTP call is made; see {@link DryRunLog}. */
  dryRun?: boolean;
  /** Receives every call's usage. */
  meter: UsageMeter;
  /** Aborts all calls when the run is interrupted. */
  signal?: AbortSignal;
  /** Told about each retried failure. */
  onRetry?: RetryListener;
  /** Batch mode's record of open batches (`<runDir>/state/batches.jsonl`); unset: kept in memory (no resume). */
  batchStateFile?: string;
  /** A cache store used instead of the directory at `settings.cacheDir` (queue workers share one in Redis). */
  cache?: RequestCache;
}

/** `PluginApi.llm`: a client per model id, memoised. */
export interface LlmFactory {
  /**
   * The client for `modelId` (`provider:model`), or for the default model when omitted.
   * @throws ConfigError when no model is given anywhere, the id is malformed, or its provider is not registered.
   */
  (modelId?: string): LlmClient;
  /** The resolved settings. */
  readonly settings: LlmSettings;
  /** Under `dryRun`: the recorded requests and the token estimate. */
  readonly dryRunLog?: DryRunLog;
  /**
   * True when some endpoint in use should be given more work (a free slot, or a short backlog of
   * waiting attempts: {@link EndpointLimiter.wantsWork}): the runner then lets more seeds into flight.
   * False before any client is made.
   */
  wantsWork(): boolean;
  /** The limiters by endpoint (in-flight limit, queue, learned rate limits); for progress and tests. */
  readonly limiters: ReadonlyMap<string, EndpointLimiter>;
}

/**
 * Build what `PluginApi.llm` is. Clients are memoised per model id; providers are built once per
 * provider name; the in-flight limit ({@link EndpointLimiter}: AIMD up to `settings.concurrency`,
 * rate limits per model from `x-ratelimit-*` headers and `settings.rateLimit`) is shared by every
 * client whose provider talks to the same endpoint, so two models on one vLLM server share its slots,
 * and so is the endpoint's {@link EndpointBreaker}: one fatal failure, or `settings.breakerSeconds`
 * of nothing but 429/5xx, ends every call to that endpoint.
 *
 * Runner usage:
 * ```ts
 * const meter = new UsageMeter();
 * const llm = createLlmFactory({ hooks, settings: config.llm, baseUrl: flags.baseUrl, defaultModel: config.model, dryRun, meter, signal });
 * const api: PluginApi = { hooks, llm, ... };
 * // run.json: meter.byModel(), meter.total(); under --dry-run: llm.dryRunLog!.estimate(), llm.dryRunLog!.requests(3)
 * ```
 */
export function createLlmFactory(options: LlmFactoryOptions): LlmFactory {
  const settings = resolveLlmSettings(options.settings);
  const cache = options.dryRun ? undefined : (options.cache ?? (settings.cacheDir ? new LlmCache(settings.cacheDir) : undefined));
  const dryRunLog = options.dryRun ? new DryRunLog() : undefined;
  const clients = new Map<string, LlmClient>();
  const providers = new Map<string, ChatProvider>();
  const limiters = new Map<string, EndpointLimiter>();
  const breakers = new Map<string, EndpointBreaker>();
  const batchState = settings.batch.enabled ? new BatchState(options.batchStateFile) : undefined;
  const defaultProvider = options.defaultModel ? parseModelId(options.defaultModel, 'model').provider : undefined;

  function baseUrlFor(provider: string): string | undefined {
    const b = options.baseUrl;
    if (b === undefined) return undefined;
    if (typeof b === 'string') return defaultProvider === undefined || defaultProvider === provider ? b : undefined;
    return b[provider];
  }

  function providerFor(name: string, modelId: string): ChatProvider {
    const known = providers.get(name);
    if (known) return known;
    const registered = registeredProviders(options.hooks);
    if (!registered.includes(name)) {
      throw new ConfigError(`model "${modelId}": no provider named "${name}" is registered (registered: ${registered.length ? registered.join(', ') : 'none'})`, {
        code: 'CONFIG_UNKNOWN_PROVIDER',
        hint: registered.length ? `use one of ${registered.map((p) => `${p}:MODEL`).join(', ')}, or add the plugin that provides "${name}"` : 'add a provider plugin (provider:openai, provider:ollama) to the config',
      });
    }
    const baseUrl = baseUrlFor(name);
    const provider = options.hooks.provider.for(name).call(baseUrl === undefined ? {} : { baseUrl });
    if (!provider) throw new ConfigError(`model "${modelId}": the plugins tapped for provider "${name}" returned no provider`, { code: 'CONFIG_UNKNOWN_PROVIDER' });
    if (provider.apiVersion !== undefined && provider.apiVersion !== PROVIDER_API_VERSION) {
      throw new ConfigError(`provider "${name}" implements provider API v${provider.apiVersion}; this instructsmith implements v${PROVIDER_API_VERSION}`, {
        code: 'CONFIG_PROVIDER_API',
        hint: 'use a provider plugin release written for this instructsmith version',
      });
    }
    providers.set(name, provider);
    return provider;
  }

  function limiterFor(endpoint: string): EndpointLimiter {
    let limiter = limiters.get(endpoint);
    if (!limiter) {
      limiters.set(endpoint, (limiter = new EndpointLimiter(settings.concurrency, settings.rateLimit)));
      // Queued attempts end at once when the endpoint's breaker trips or the run is interrupted.
      const breaker = breakerFor(endpoint);
      const l = limiter;
      breaker.signal.addEventListener('abort', () => l.close(breaker.signal.reason), { once: true });
      options.signal?.addEventListener('abort', () => l.close(options.signal!.reason), { once: true });
    }
    return limiter;
  }

  function breakerFor(endpoint: string): EndpointBreaker {
    let breaker = breakers.get(endpoint);
    if (!breaker) breakers.set(endpoint, (breaker = new EndpointBreaker(endpoint, settings.breakerSeconds * 1000)));
    return breaker;
  }

  const factory = (modelId?: string): LlmClient => {
    const id = modelId ?? options.defaultModel;
    if (!id) {
      throw new ConfigError('no model: pass --model provider:model or set `model` in the config', {
        code: 'CONFIG_NO_MODEL',
        hint: 'e.g. --model ollama:qwen2.5-coder:7b or --model openai:gpt-4o-mini',
      });
    }
    const known = clients.get(id);
    if (known) return known;
    const ref = parseModelId(id, modelId ? 'model id' : 'model');
    const provider = providerFor(ref.provider, id);
    const batch = batchState && !dryRunLog ? batchCollector(id, ref.model, provider, batchState) : undefined;
    const client = dryRunLog
      ? createDryRunClient(id, dryRunLog, options.meter, { promptLogprobs: Boolean(provider.promptLogprobs) })
      : createLlmClient({ modelId: id, provider, model: ref.model, settings, cache, limiter: limiterFor(provider.endpoint), breaker: breakerFor(provider.endpoint), meter: options.meter, signal: options.signal, onRetry: options.onRetry, batch });
    clients.set(id, client);
    return client;
  };
  /** One collector per model id: a provider batch holds requests to one model. */
  function batchCollector(modelId: string, model: string, provider: ChatProvider, state: BatchState): BatchCollector {
    if (!provider.batch) {
      throw new ConfigError(`--batch (llm.batch.enabled): provider "${provider.name}" of model "${modelId}" has no batch API`, {
        code: 'CONFIG_NO_BATCH_API',
        hint: 'only the openai provider supports batch mode (OpenAI\'s Batch API, vLLM, compatible hosts); run without --batch, or use an openai: model',
      });
    }
    return new BatchCollector({ api: provider.batch, modelId, model, settings: settings.batch, http: settings, state, meter: options.meter, signal: options.signal });
  }
  const wantsWork = () => [...limiters.values()].some((l) => l.wantsWork());
  return Object.assign(factory, { settings, dryRunLog, wantsWork, limiters }) as LlmFactory;
}
