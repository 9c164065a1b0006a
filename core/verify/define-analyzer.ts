import type { z } from 'zod';
import type { CodeSample, StageContext } from '../hooks.js';
import { definePlugin, type Plugin, type PluginContext } from '../plugin.js';
import type { CheckResult } from '../record.js';
import { runBatched, type BatchToolSpec } from './batch.js';

/** What {@link defineAnalyzer} takes. */
export interface AnalyzerDefinition<S extends z.ZodType> {
  /** `analyzer:<language>` or another namespaced name. */
  name: string;
  description: string;
  /** The language id whose code blocks it checks (`hooks.analyze.for(language)`). */
  language: string;
  options: S;
  /**
   * Called once at apply time: a BatchToolSpec (the common case: one tool process checks a batch
   * of files, diagnostics mapped back to each sample; see core/verify/batch.ts), or a function that
   * checks a batch itself and returns one CheckResult per sample, in order.
   */
  analyzer(options: z.output<S>, ctx: PluginContext): BatchToolSpec | ((samples: CodeSample[], stage: StageContext) => Promise<CheckResult[]>);
}

/**
 * Declare an analyzer plugin: `definePlugin` plus the tap on `hooks.analyze.for(language)`.
 * @returns the plugin
 * @throws Error when the name is not namespaced
 */
export function defineAnalyzer<S extends z.ZodType>(def: AnalyzerDefinition<S>): Plugin<S> {
  return definePlugin({
    name: def.name,
    description: def.description,
    options: def.options,
    apply(ctx, options) {
      const a = def.analyzer(options, ctx);
      const check = typeof a === 'function' ? a : (samples: CodeSample[], stage: StageContext) => runBatched(samples, a, { signal: stage.signal });
      ctx.hooks.analyze.for(def.language).tapPromise((samples, stage) => check(samples, stage));
    },
  });
}
