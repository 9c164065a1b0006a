import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { configSchema } from '../config/schema.js';
import { definePlugin, type Plugin } from '../plugin.js';
import { createRecord, type SampleRecord, type Seed, type Stage } from '../record.js';
import { runPipeline } from '../runner/runner.js';
import { readRecordFile, type PluginWithOptions } from './harness.js';
import { MockModel, MockReply, type MockReplyFn } from './mock-model.js';

/** One case: what the record looks like when it reaches the plugin under test. */
export interface TesterCase {
  /** Shown in failures; default `valid #i` / `invalid #i`. */
  name?: string;
  /** Options of the plugin under test for this case. */
  options?: unknown;
  /** The seed a strategy or seed-dependent plugin sees. Default: a one-line Python function. */
  seed?: { code: string; language?: string; kind?: Seed['kind']; meta?: Record<string, unknown> };
  /** The instruction (user turn). Written by the tester's strategy unless the plugin under test is a strategy. */
  instruction?: string;
  /** The response (assistant turn). Written by the tester unless the plugin under test is a strategy or responder. */
  response?: string;
  /** Replies of the mock model for this case, asked before the tester's model. */
  model?: MockReplyFn;
}

/** A case the plugin must let through: at least one record kept, none dropped by the plugin. */
export interface ValidCase extends TesterCase {
  /** Further checks on the kept records. Throw to fail. */
  check?(kept: SampleRecord[]): void;
}

/** A case the plugin must reject: a record dropped by the plugin under test, as described. */
export interface InvalidCase extends TesterCase {
  error: {
    /** The stage the record was dropped at (`judged`, `verified`, ...). */
    stage?: Stage;
    /** `dropped.category`. */
    category?: string;
    /** `dropped.reason`: equal to a string, or matching a RegExp. */
    reason?: string | RegExp;
  };
}

/** What {@link PluginTester.runCase} returns. */
export interface CaseRun {
  kept: SampleRecord[];
  rejected: SampleRecord[];
  runDir: string;
  /** Remove the case's temporary folder (its run directory included); safe to call twice. */
  dispose(): Promise<void>;
}

export interface PluginTesterOptions {
  /** Other plugins every case needs (an executor, an analyzer), with options. */
  plugins?: readonly PluginWithOptions[];
  /** The model behind `mock:test`; its routes answer after each case's own `model`. */
  model?: MockModel;
}

const DEFAULT_SEED = { code: 'def add(a, b):\n    return a + b\n', language: 'python' };

/**
 * ESLint's RuleTester, for instructsmith plugins: each valid and invalid case is a seed that goes
 * through the real runner (config validation, plugin contexts, every stage, the run directory), with
 * the plugin under test, the supporting plugins given, an in-process mock model, and tester plugins
 * that fill the stages before it (a seed source for the case; a strategy writing the case's
 * instruction and response, unless the plugin under test is a strategy or responder).
 *
 * ```ts
 * it('judge:length', () =>
 *   new PluginTester().run(lengthJudge, {
 *     valid: [{ instruction: 'Add two numbers.', response: 'return a + b' }],
 *     invalid: [{ response: 'x'.repeat(5000), options: { maxChars: 100 }, error: { category: 'too_long' } }],
 *   }));
 * ```
 * Each case runs in a temporary folder, removed once the case passes; a failed case's stays, named in
 * the failure, to be looked at.
 * @throws Error listing every case that failed and why (after running all of them)
 */
export class PluginTester {
  constructor(private readonly options: PluginTesterOptions = {}) {}

  async run(plugin: Plugin, cases: { valid?: readonly ValidCase[]; invalid?: readonly InvalidCase[] }): Promise<void> {
    const failures: string[] = [];
    const all = [...(cases.valid ?? []).map((c, i) => ({ c, valid: true, label: c.name ?? `valid #${i + 1}` })), ...(cases.invalid ?? []).map((c, i) => ({ c, valid: false, label: c.name ?? `invalid #${i + 1}` }))];
    for (const { c, valid, label } of all) {
      let run: CaseRun | undefined;
      try {
        run = await this.runCase(plugin, c);
        const { kept, rejected } = run;
        const byPlugin = rejected.filter((r) => r.dropped?.plugin === plugin.name);
        if (valid) {
          if (byPlugin.length) throw new Error(`dropped by ${plugin.name}: ${byPlugin[0]!.dropped!.reason}`);
          if (kept.length === 0) throw new Error(`nothing kept; rejected: ${rejected.map((r) => `${r.dropped!.plugin}: ${r.dropped!.reason}`).join('; ') || 'none'}`);
          (c as ValidCase).check?.(kept);
        } else {
          const want = (c as InvalidCase).error;
          if (byPlugin.length === 0) throw new Error(`not dropped by ${plugin.name} (kept ${kept.length}; other drops: ${rejected.map((r) => `${r.dropped!.plugin}: ${r.dropped!.reason}`).join('; ') || 'none'})`);
          const ok = byPlugin.some((r) => matchesDrop(r, want));
          if (!ok) throw new Error(`dropped, but not as expected ${describeWant(want)}: got ${byPlugin.map((r) => JSON.stringify(r.dropped)).join(', ')}`);
        }
        await run.dispose();
      } catch (err) {
        // A failed case's run directory stays, for its run.json, records and funnel to be read.
        failures.push(`${plugin.name} ${label}: ${(err as Error).message}${run ? ` (run directory kept: ${run.runDir})` : ''}`);
      }
    }
    if (failures.length) throw new Error(`${failures.length} of ${all.length} cases failed:\n  ${failures.join('\n  ')}`);
  }

  /**
   * Run one case through the runner; returns the run directory's kept and rejected records. The run
   * directory (in a temporary folder) is the caller's: `dispose()` removes it. A case whose run throws
   * leaves nothing behind.
   * @throws what the run throws (a fatal error of the plugin under test, a ConfigError for its options)
   */
  async runCase(plugin: Plugin, c: TesterCase): Promise<CaseRun> {
    const dir = mkdtempSync(join(tmpdir(), 'instructsmith-tester-'));
    const dispose = async () => rmSync(dir, { recursive: true, force: true });
    try {
      return { ...(await this.runIn(dir, plugin, c)), dispose };
    } catch (err) {
      await dispose();
      throw err;
    }
  }

  private async runIn(dir: string, plugin: Plugin, c: TesterCase): Promise<Omit<CaseRun, 'dispose'>> {
    const seedFile = join(dir, 'case.json');
    const seed = { ...DEFAULT_SEED, ...c.seed };
    writeFileSync(seedFile, JSON.stringify({ seed, instruction: c.instruction, response: c.response }));
    const kind = plugin.name.split(':')[0];
    const base = this.options.model ?? new MockModel();
    const model = new MockModel([...(c.model ? [c.model] : []), (req) => routeThrough(base, req)]);
    const helpers: Plugin[] = [model.plugin('mock'), caseSeeds];
    if (kind !== 'strategy') helpers.push(caseStrategy(kind !== 'responder'));
    const support = (this.options.plugins ?? []).map((p) => (Array.isArray(p) ? (p as readonly [Plugin, unknown]) : ([p as Plugin, {}] as const)));
    const plugins: Record<string, unknown> = {};
    for (const [p, o] of support) plugins[p.name] = o ?? {};
    plugins[plugin.name] = c.options ?? {};
    if (kind !== 'strategy') plugins[CASE_STRATEGY] = {};
    const config = configSchema.parse({ seeds: seedFile, out: join(dir, 'run'), model: 'mock:test', concurrency: 1, cache: { enabled: false }, plugins });
    const result = await runPipeline({ config, builtins: [plugin, ...support.map(([p]) => p), ...helpers], implicit: [model.plugin('mock'), caseSeeds], log: { info() {}, warn() {}, debug() {} } });
    return { kept: await readRecordFile(join(result.runDir, 'samples.jsonl')), rejected: await readRecordFile(join(result.runDir, 'rejected.jsonl')), runDir: result.runDir };
  }
}

async function routeThrough(model: MockModel, req: Parameters<MockReplyFn>[0]): Promise<unknown> {
  const provider = model.provider('mock');
  const res = await provider.chat(req.model, { messages: req.messages as never, ...(req.schema ? { schema: { name: req.schemaName ?? 'output', jsonSchema: req.schema, ...(req.sampleSchema ? { sampleSchema: req.sampleSchema } : {}) } } : {}), temperature: req.temperature, topP: req.topP, stop: req.stop, seed: req.seed, maxTokens: req.maxTokens }, { timeoutMs: 0 });
  return res.finishReason && res.finishReason !== 'stop' ? new MockReply(res.content, { finishReason: res.finishReason }) : res.content;
}

function matchesDrop(r: SampleRecord, want: InvalidCase['error']): boolean {
  const d = r.dropped!;
  if (want.stage !== undefined && d.stage !== want.stage) return false;
  if (want.category !== undefined && d.category !== want.category) return false;
  if (want.reason !== undefined && !(typeof want.reason === 'string' ? d.reason === want.reason : want.reason.test(d.reason))) return false;
  return true;
}

function describeWant(w: InvalidCase['error']): string {
  return JSON.stringify({ ...w, reason: w.reason instanceof RegExp ? String(w.reason) : w.reason });
}

const CASE_STRATEGY = 'strategy:tester-case';

/** The tester's seed source: the case file written by runCase. */
const caseSeeds = definePlugin({
  name: 'seed:tester-case',
  description: 'PluginTester: the case as one seed',
  options: z.object({}).strict(),
  apply(ctx) {
    ctx.hooks.seedSource.tapPromise(async (query) => {
      if (!query.path.endsWith('case.json')) return undefined;
      const { readFileSync } = await import('node:fs');
      const c = JSON.parse(readFileSync(query.path, 'utf8')) as { seed: { code: string; language: string; kind?: Seed['kind']; meta?: Record<string, unknown> }; instruction?: string; response?: string };
      const seed: Seed = { id: 'tester-case', language: c.seed.language, code: c.seed.code, source: { path: 'case.json', line: 1 }, kind: c.seed.kind ?? 'function', meta: { ...c.seed.meta, tester: { instruction: c.instruction, response: c.response } } };
      return (async function* () {
        yield seed;
      })();
    });
  },
});

/** The tester's strategy: the case's instruction, and its response unless a responder is under test. */
function caseStrategy(withResponse: boolean): Plugin {
  return definePlugin({
    name: CASE_STRATEGY,
    description: 'PluginTester: writes the case instruction (and response)',
    options: z.object({}).strict(),
    apply(ctx) {
      ctx.hooks.synthesize.tapPromise(async (records, seed) => {
        const t = (seed.meta.tester ?? {}) as { instruction?: string; response?: string };
        const messages: SampleRecord['messages'] = [{ role: 'user', content: t.instruction ?? 'Write a function that adds two numbers.' }];
        // Without a response the record would stop at the respond stage, which no plugin under test here fills.
        if (withResponse) messages.push({ role: 'assistant', content: t.response ?? 'The function returns the sum of its two arguments.' });
        return [...records, createRecord({ seed, strategy: CASE_STRATEGY, messages })];
      });
    },
  });
}
