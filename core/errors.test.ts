import { describe, expect, it } from 'vitest';
import { ConfigError, InputError, InstructsmithError, PluginError, rootCause, ToolMissingError } from './errors.js';
import { LlmError } from './llm/types.js';

// A second copy of the same modules, as when a plugin resolves its own `instructsmith`.
// @ts-expect-error a query suffix makes the module loader evaluate the file again; TypeScript has no declaration for it
const other = (await import('./errors.js?second-copy')) as typeof import('./errors.js');
// @ts-expect-error as above
const otherLlm = (await import('./llm/types.js?second-copy')) as typeof import('./llm/types.js');

describe('error classes across two copies of the package', () => {
  it('the second copy is a distinct module (the test is not vacuous)', () => {
    expect(other.ConfigError).not.toBe(ConfigError);
    expect(otherLlm.LlmError).not.toBe(LlmError);
  });

  it('instanceof recognises an error thrown by the other copy, by class and superclass', () => {
    const e = new other.ConfigError('bad key', { hint: 'fix it' });
    expect(e instanceof ConfigError).toBe(true);
    expect(e instanceof InstructsmithError).toBe(true);
    expect(e instanceof InputError).toBe(false);
    expect(new other.ToolMissingError('pylint', 'apt-get install pylint') instanceof ToolMissingError).toBe(true);
    expect(new otherLlm.LlmError('auth', 'rejected') instanceof LlmError).toBe(true);
    expect(new Error('plain') instanceof InstructsmithError).toBe(false);
    expect({ message: 'x' } instanceof LlmError).toBe(false);
  });

  it('a PluginError names plugin, hook and record, keeps the cause, and inherits fatal and hint from it', () => {
    const cause = new ToolMissingError('pylint', 'apt-get install pylint', 'python');
    const e = new PluginError('analyzer:python', "analyze.for('python')", 'record abc', cause);
    expect(e.message).toBe("analyzer:python failed in hook analyze.for('python') on record abc: pylint is not installed (needed to check python)");
    expect(e.fatal).toBe(true);
    expect(e.hint).toBe('install it with: apt-get install pylint');
    expect(e.code).toBe('TOOL_MISSING');
    expect(rootCause(new PluginError('a:b', 'judge', undefined, e))).toBe(cause);
    expect(new PluginError('a:b', 'judge', undefined, new Error('boom')).fatal).toBe(false);
  });

  it('error brands stay out of JSON', () => {
    expect(JSON.parse(JSON.stringify(new ConfigError('x')))).toEqual({ name: 'ConfigError', code: 'CONFIG_INVALID', fatal: true });
    expect(Object.getOwnPropertySymbols(new ConfigError('x'))).toHaveLength(1);
  });
});
