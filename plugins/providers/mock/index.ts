import { definePlugin, z } from '../../../core/index.js';
import { MockModel } from '../../../core/testing/index.js';
import { scriptedModel } from './scripted.js';

export const mockProviderOptions = z
  .object({
    /**
     * A HumanEval-format JSONL(.gz) whose canonical solutions the `scripted` model answers with
     * (found by entry point). Default: the run's `--seeds` when it is such a file.
     */
    solutions: z.string().optional(),
  })
  .strict();

/**
 * `provider:mock`: in-process models for runs without a model server (`--model mock:NAME`).
 * `mock:scripted` is the deterministic code model of the demo (plugins/providers/mock/scripted.ts:
 * it answers the built-in templates as a capable model would, with planted faults so every stage
 * drops something); any other name answers every structured call with a reply that satisfies its
 * schema and every plain call with a short code block. No network, no keys.
 */
export default definePlugin({
  name: 'provider:mock',
  description: 'In-process mock models (mock:scripted is the demo model); no model server needed',
  options: mockProviderOptions,
  apply(ctx, options) {
    const seeds = typeof ctx.run.config.seeds === 'string' ? ctx.run.config.seeds : undefined;
    const solutions = options.solutions ?? (seeds && /\.jsonl(\.gz)?$/.test(seeds) ? seeds : undefined);
    let scripted: MockModel | undefined;
    let plain: MockModel | undefined;
    ctx.hooks.provider.for('mock').tap(() => {
      const byModel = {
        apiVersion: 1,
        name: 'mock',
        endpoint: 'mock://in-process',
        chat: (model: string, request: Parameters<ReturnType<MockModel['provider']>['chat']>[1], call: Parameters<ReturnType<MockModel['provider']>['chat']>[2]) => {
          // MockModel makes its default reply from `jsonSchema`, which lacks the keywords strict mode
          // rejects (minLength, ...); `sampleSchema` keeps them, so the reply validates.
          const req = request.schema?.sampleSchema ? { ...request, schema: { ...request.schema, jsonSchema: request.schema.sampleSchema } } : request;
          if (model === 'scripted') return (scripted ??= new MockModel([scriptedModel({ humanEvalPath: solutions })])).provider().chat(model, req, call);
          return (plain ??= new MockModel()).provider().chat(model, req, call);
        },
      };
      return byModel;
    });
  },
});
