import { describe, expect, it } from 'vitest';
import { classifyOutcome, splitExitStatus, type RawOutcome } from './classify.js';
import { DEFAULT_LIMITS } from '../../../core/index.js';

const base: RawOutcome = { exitCode: 0, signal: null, timedOut: false, cancelled: false, outputExceeded: false, stderr: '' };
const mem = [/MemoryError/];

describe('splitExitStatus', () => {
  it('reads 128 + N as signal N', () => {
    expect(splitExitStatus(137, null)).toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(splitExitStatus(152, null)).toEqual({ exitCode: null, signal: 'SIGXCPU' });
    expect(splitExitStatus(1, null)).toEqual({ exitCode: 1, signal: null });
    expect(splitExitStatus(null, 'SIGTERM')).toEqual({ exitCode: null, signal: 'SIGTERM' });
  });
});

describe('classifyOutcome', () => {
  const v = (o: Partial<RawOutcome>) => classifyOutcome({ ...base, ...o }, DEFAULT_LIMITS, mem).verdict;
  it('classifies by cause before symptom', () => {
    expect(v({})).toBe('ok');
    expect(v({ exitCode: 1 })).toBe('error');
    expect(v({ exitCode: 1, stderr: 'Traceback...\nMemoryError\n' })).toBe('memory');
    expect(v({ exitCode: 152 })).toBe('timeout');
    expect(v({ exitCode: 128 + 25 })).toBe('output_limit');
    expect(v({ exitCode: 139 })).toBe('error');
    expect(v({ exitCode: 143 })).toBe('killed');
    expect(v({ exitCode: null, signal: 'SIGKILL', timedOut: true })).toBe('timeout');
    expect(v({ exitCode: null, signal: 'SIGKILL', outputExceeded: true, timedOut: true })).toBe('output_limit');
    expect(v({ exitCode: null, signal: 'SIGKILL', cancelled: true })).toBe('killed');
  });
  it('does not call a successful run out of memory because of what it printed', () => {
    expect(v({ exitCode: 0, stderr: 'MemoryError handled' })).toBe('ok');
  });
  it('explains every verdict but ok', () => {
    expect(classifyOutcome({ ...base, exitCode: 3 }, DEFAULT_LIMITS, mem).message).toBe('exited with code 3');
    expect(classifyOutcome({ ...base, timedOut: true }, DEFAULT_LIMITS, mem).message).toMatch(/wall clock exceeded 10 s/);
  });
});
