import { describe, expect, it } from 'vitest';
import { prlimitArgs, resolveLimits } from './limits.js';
import { DEFAULT_LIMITS } from '../../../core/index.js';

describe('resolveLimits', () => {
  it('layers request overrides on executor limits on defaults', () => {
    expect(resolveLimits()).toEqual(DEFAULT_LIMITS);
    expect(resolveLimits({ cpuSeconds: 2 }, { wallSeconds: 3 })).toEqual({ ...DEFAULT_LIMITS, cpuSeconds: 2, wallSeconds: 3 });
  });
  it('names the field and the fix for bad values', () => {
    expect(() => resolveLimits({}, { cpuSeconds: -1 })).toThrow(/limits.cpuSeconds is -1; expected a positive finite number/);
    expect(() => resolveLimits({}, { wallSeconds: 100 }, { wallSeconds: 40 })).toThrow(/at most 40 \(raise the executor option maxLimits.wallSeconds/);
    expect(() => resolveLimits({}, { cpu: 1 } as never)).toThrow(/limits.cpu is not a limit; expected one of cpuSeconds/);
  });
});

describe('prlimitArgs', () => {
  it('maps limits to rlimits, with the runtime reservation on the address space', () => {
    const args = prlimitArgs({ ...DEFAULT_LIMITS, cpuSeconds: 2.5, memoryBytes: 100 }, { reserveBytes: 50 });
    expect(args).toEqual(['--cpu=3:4', '--data=100', '--as=150', `--nproc=${DEFAULT_LIMITS.processes}`, `--fsize=${DEFAULT_LIMITS.diskBytes}`, '--core=0']);
  });
});
