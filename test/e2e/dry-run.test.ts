import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/load.js';
import { dryRun, formatDryRun, type DryRunReport } from '../../core/runner/dry-run.js';
import { builtinPlugins, implicitPlugins } from '../../plugins/index.js';
import { startLlmDouble, type LlmDouble } from '../double/index.js';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { HUMANEVAL, quietLog, runPreset, tempDir, type PresetOverrides } from './helpers.js';

/** Seeds of the pilot run whose pass rates the dry run uses; our choice (a quarter of the demo input). */
const PILOT_SEEDS = 40;

/** What the model was asked since request `from` of the double's log: calls, and tokens as the double counts them (chars/4). */
function made(double: LlmDouble, from: number): { calls: number; promptTokens: number; completionTokens: number; bySchema: Record<string, number> } {
  const reqs = double.chatRequests().slice(from);
  const bySchema: Record<string, number> = {};
  for (const r of reqs) bySchema[r.schemaName ?? 'plain'] = (bySchema[r.schemaName ?? 'plain'] ?? 0) + 1;
  const promptTokens = reqs.reduce((a, r) => a + Math.ceil(r.messages!.map((m) => m.content).join('\n').length / 4), 0);
  const completionTokens = reqs.reduce((a, r) => a + Math.ceil(String(r.reply ?? '').length / 4), 0);
  return { calls: reqs.length, promptTokens, completionTokens, bySchema };
}

describe('--dry-run estimate vs the real run, infinite-instruct over the demo input (164 HumanEval functions)', () => {
  let double: LlmDouble;
  let base: PresetOverrides;
  let measured: DryRunReport;
  let unknown: DryRunReport;
  let actual: ReturnType<typeof made>;
  let callsDuringDryRuns: number;

  const dry = async (out: string) => {
    const { config } = await loadConfig({ cwd: tempDir('cwd'), overrides: { ...base, out } });
    return dryRun({ config, builtins: builtinPlugins, implicit: implicitPlugins, log: quietLog });
  };

  beforeAll(async () => {
    double = await startLlmDouble();
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    base = { preset: 'infinite-instruct', seeds: HUMANEVAL, model: 'openai:scripted-coder', baseUrl: double.url, concurrency: 8 };
    // A pilot over the first seeds measures the pass rates; the dry run over all seeds reads them from its run.json.
    const pilot = tempDir('dry-pilot');
    await runPreset({ ...base, out: pilot, limit: PILOT_SEEDS });
    const before = double.chatRequests().length;
    measured = await dry(pilot);
    unknown = await dry(tempDir('dry-fresh'));
    callsDuringDryRuns = double.chatRequests().length - before;
    const start = double.chatRequests().length;
    await runPreset({ ...base, out: tempDir('dry-real') });
    actual = made(double, start);
  }, 600_000);
  afterAll(async () => double?.close());

  it('estimates the calls and tokens of the real run within 10%, from the pass rates and reply lengths a pilot measured', () => {
    const err = (measured.projected.calls - actual.calls) / actual.calls;
    const tokErr = (measured.projected.promptTokens - actual.promptTokens) / actual.promptTokens;
    const complErr = (measured.projected.completionTokens - actual.completionTokens) / actual.completionTokens;
    const upperErr = (unknown.projected.calls - actual.calls) / actual.calls;
    console.log(
      [
        `dry run (pass rates of a ${PILOT_SEEDS}-seed pilot): ${measured.projected.calls} calls, ${measured.projected.promptTokens} prompt tokens, ${measured.projected.completionTokens} completion tokens ${JSON.stringify(measured.projected.byPlugin)}`,
        `dry run (no pilot: every record passes):  ${unknown.projected.calls} calls, ${unknown.projected.promptTokens} prompt tokens`,
        `real run:                                 ${actual.calls} calls, ${actual.promptTokens} prompt tokens, ${actual.completionTokens} completion tokens ${JSON.stringify(actual.bySchema)}`,
        `error: calls ${(err * 100).toFixed(1)}%, prompt tokens ${(tokErr * 100).toFixed(1)}%, completion tokens ${(complErr * 100).toFixed(1)}%; all-pass calls ${(upperErr * 100).toFixed(1)}%`,
      ].join('\n'),
    );
    expect(measured.passRates.from).toBe('measured');
    expect(Math.abs(err)).toBeLessThanOrEqual(0.1);
    // Tokens too: replies as long as the pilot's (mean per plugin) make later prompts as long as the real ones.
    expect(measured.passRates.replyTokens!['judge:quality']).toBeGreaterThan(0);
    expect(Math.abs(tokErr)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(complErr)).toBeLessThanOrEqual(0.1);
    // The all-pass figure is an upper bound on calls, printed next to the estimate.
    expect(measured.upperBound!.calls).toBe(unknown.projected.calls);
    expect(unknown.projected.calls).toBeGreaterThanOrEqual(actual.calls);
  });

  it('reaches every stage and the derived pass, and the stages that do not depend on verdicts match the real run exactly', () => {
    expect(callsDuringDryRuns).toBe(0);
    for (const r of [measured, unknown]) {
      expect(r.seedsSampled).toBe(164);
      expect(r.stages.verified.out).toBeGreaterThan(0);
      expect(r.derivedSeeds).toBeGreaterThan(0);
      expect(Object.keys(r.projected.byPlugin).sort()).toEqual(['judge:quality', 'responder:chat', 'strategy:backfeeding', 'strategy:reverse']);
      // Two structured calls per seed (initial problem, one rewrite), whatever the verdicts.
      expect(r.projected.byPlugin['strategy:reverse']).toBe(actual.bySchema.reverse_problem! + actual.bySchema.rewritten_problem!);
      // Three judgments per problem, responses only for problems that passed.
      expect(r.projected.byPlugin['judge:quality']).toBe(3 * r.stages.judged.in);
      expect(r.projected.byPlugin['responder:chat']).toBe(r.stages.judged.out);
    }
    // Without measured rates every record passes: one backfed problem per two kept ones.
    expect(unknown.derivedSeeds).toBe(Math.round(0.5 * 164));
    expect(unknown.passRates.from).toBe('assumed');
    const text = formatDryRun(unknown);
    expect(text).toMatch(/every record is assumed to pass.*upper bound/);
    expect(text).toContain('--limit N');
    expect(formatDryRun(measured)).toMatch(/pass rates measured by the earlier run in .*run\.json \(\d+ records\): synthesized 1, judged 0\.\d+/);
  });
});
