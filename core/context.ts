import { bindHooks } from './context-hooks.js';
import { execute } from './exec/execute.js';
import type { ExecutionRequest } from './exec/types.js';
import { executableLanguages, type Hooks } from './hooks.js';
import { tokenizerResolver } from './export/tokenizer-resolver.js';
import type { CallMeta, LlmClient } from './llm/types.js';
import type { Logger, PluginContext, PluginLlmClient, RunInfo, TemplateRenderer } from './plugin.js';
import { dropRecord, nextStage, type JudgeVerdict, type SampleRecord } from './record.js';

/** What every plugin context of one run shares. */
export interface ContextParts {
  hooks: Hooks;
  llm: (modelId?: string) => LlmClient;
  templates: TemplateRenderer;
  log: Logger;
  run: RunInfo;
  /** Where `ctx.report` puts each plugin's figures (run.json's `reports`); default a map of this context's own. */
  reports?: PluginReports;
}

/** Figures plugins reported (`ctx.report`), by plugin name. */
export type PluginReports = Map<string, Record<string, unknown>>;

/** The `reports` object of run.json: each plugin's figures, by name, in report order. */
export function reportsJson(reports: PluginReports): { reports?: Record<string, Record<string, unknown>> } {
  return reports.size ? { reports: Object.fromEntries(reports) } : {};
}

/**
 * The context one plugin's `apply` receives (core/plugin.ts, PluginContext): hooks that tap under
 * its name, LLM clients that account calls to it, `drop` and `verdict` that name it and the stage,
 * a log prefixed with its name.
 */
export function createPluginContext(name: string, parts: ContextParts): PluginContext {
  const clients = new Map<string, PluginLlmClient>();
  const reports = parts.reports ?? new Map<string, Record<string, unknown>>();
  const drop = (record: SampleRecord, reason: string, category?: string) => dropRecord(record, nextStage(record.stage), name, reason, category);
  return Object.freeze({
    name,
    hooks: bindHooks(parts.hooks, name),
    llm(modelId?: string): PluginLlmClient {
      const key = modelId ?? '';
      let c = clients.get(key);
      if (!c) clients.set(key, (c = bindClient(parts.llm(modelId), name)));
      return c;
    },
    drop,
    verdict(record: SampleRecord, verdict: JudgeVerdict): boolean {
      record.scores.push(verdict);
      if (!verdict.passed) drop(record, verdictReason(verdict), 'below_threshold');
      return verdict.passed;
    },
    execute: (request: ExecutionRequest) => execute(parts.hooks, request),
    executableLanguages: () => executableLanguages(parts.hooks),
    tokenizer: tokenizerResolver(parts.hooks),
    templates: parts.templates,
    log: prefixed(parts.log, name),
    run: parts.run,
    report(values: Record<string, unknown>) {
      reports.set(name, { ...reports.get(name), ...structuredClone(values) });
    },
  });
}

/** `score 5.2 < 6 (specificity 5, complexity 4.33)`: the reason a failed verdict drops a record with. */
export function verdictReason(v: JudgeVerdict): string {
  const dims = Object.entries(v.dimensions)
    .map(([k, x]) => `${k} ${round(x)}`)
    .join(', ');
  return `score ${round(v.score)} < ${v.threshold}${dims ? ` (${dims})` : ''}`;
}

function bindClient(client: LlmClient, plugin: string): PluginLlmClient {
  const bound: PluginLlmClient = {
    modelId: client.modelId,
    complete: (request, meta) => client.complete(request, { ...meta, plugin: meta?.plugin ?? plugin }),
    structured: (request, output, meta) => client.structured(request, output.schema, output.validate, { ...meta, plugin: meta?.plugin ?? plugin }),
    ...(client.promptLogprobs ? { promptLogprobs: (text: string, meta?: Partial<CallMeta>) => client.promptLogprobs!(text, { ...meta, plugin: meta?.plugin ?? plugin }) } : {}),
  };
  return Object.freeze(bound);
}

function prefixed(log: Logger, name: string): Logger {
  return {
    info: (m) => log.info(`${name}: ${m}`),
    warn: (m) => log.warn(`${name}: ${m}`),
    debug: (m) => log.debug(`${name}: ${m}`),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
