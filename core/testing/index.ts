/**
 * `instructsmith/testing`: what plugin authors test with, the way ESLint rules are tested with
 * RuleTester. Every built-in plugin is tested with exactly these.
 * - PluginTester: valid and invalid cases for a plugin of any kind, each run through the real runner.
 * - createHarness: plugins applied to a fresh runner's hooks, one method per lifecycle hook.
 * - MockModel / createMockModel: an in-process model, replies routed by template, schema or pattern.
 * - runPreset: a whole preset in a test.
 * - derivedSeedQuery: the `hooks.derivedSeeds` query over records in arrays (positions are indices), for strategy tests.
 */
export { PluginTester, type CaseRun, type TesterCase, type ValidCase, type InvalidCase, type PluginTesterOptions } from './plugin-tester.js';
export { createHarness, readRecordFile, type PluginHarness, type HarnessOptions, type PluginWithOptions, type SeedRun, type SelectRun } from './harness.js';
export type { SelectionDrop, SelectionSummary, SelectorCount } from '../selection.js';
export { MockModel, MockReply, mockReply, createMockModel, type MockRequest, type MockReplyFn, type MockMatch } from './mock-model.js';
export { runPreset, type RunPresetOptions, type PresetRun } from './run-preset.js';
export { memoryDerivedQuery as derivedSeedQuery } from '../runner/derived-query.js';
