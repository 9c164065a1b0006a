import { describe, expect, it } from 'vitest';
import { compareStdout, compareValues, normalizeStdout, numbersClose } from './compare.js';

describe('numbersClose', () => {
  it('accepts float noise and rejects real differences', () => {
    expect(numbersClose(0.1 + 0.2, 0.3)).toBe(true);
    expect(numbersClose(1e12, 1e12 + 1)).toBe(true);
    expect(numbersClose(1.0, 1.001)).toBe(false);
    expect(numbersClose(0, 1e-12)).toBe(true);
    expect(numbersClose(0, 1e-6)).toBe(false);
  });
  it('treats NaN as equal to NaN and infinities by sign', () => {
    expect(numbersClose(NaN, NaN)).toBe(true);
    expect(numbersClose(NaN, 0)).toBe(false);
    expect(numbersClose(Infinity, Infinity)).toBe(true);
    expect(numbersClose(Infinity, -Infinity)).toBe(false);
  });
  it('honours a custom tolerance', () => {
    expect(numbersClose(1.0, 1.001, { relTol: 1e-2 })).toBe(true);
  });
});

describe('compareValues', () => {
  it('compares nested values and names the path of the first difference', () => {
    expect(compareValues({ a: [1, 2.0000000001, 'x'] }, { a: [1, 2, 'x'] }).equal).toBe(true);
    expect(compareValues({ a: [1, 2, 'x'] }, { a: [1, 3, 'x'] })).toMatchObject({ equal: false, path: '$.a[1]' });
    expect(compareValues([1, 2], [1, 2, 3])).toMatchObject({ equal: false, reason: 'expected 2 items, got 3' });
  });
  it('keeps list order unless told it does not matter', () => {
    expect(compareValues([1, 2, 3], [3, 1, 2]).equal).toBe(false);
    expect(compareValues([1, 2, 3], [3, 1, 2], { unordered: true }).equal).toBe(true);
    expect(compareValues([1, 1, 2], [1, 2, 2], { unordered: true }).equal).toBe(false);
  });
  it('never cares about the order of sets and dict entries', () => {
    expect(compareValues({ $set: [1, 2, 3] }, { $set: [3, 2, 1] }).equal).toBe(true);
    expect(compareValues({ $dict: [[1, 'a'], [2, 'b']] }, { $dict: [[2, 'b'], [1, 'a']] }).equal).toBe(true);
    expect(compareValues({ $dict: [[1, 'a']] }, { $dict: [[1, 'b']] }).equal).toBe(false);
  });
  it('tells tuples from lists, booleans from numbers, and strings from numbers', () => {
    expect(compareValues({ $tuple: [1, 2] }, [1, 2])).toMatchObject({ equal: false, path: '$' });
    expect(compareValues(true, 1).equal).toBe(false);
    expect(compareValues('1', 1).equal).toBe(false);
    expect(compareValues(null, 0).equal).toBe(false);
  });
  it('treats an int and a float of the same value as equal, as Python does', () => {
    expect(compareValues(3, 3.0).equal).toBe(true);
  });
  it('decodes special floats and compares big ints exactly', () => {
    expect(compareValues({ $float: 'nan' }, { $float: 'nan' }).equal).toBe(true);
    expect(compareValues({ $float: 'inf' }, 1e308).equal).toBe(false);
    expect(compareValues({ $int: '123456789012345678901' }, { $int: '123456789012345678902' }).equal).toBe(false);
    expect(compareValues({ $int: '123456789012345678901' }, { $int: '123456789012345678901' }).equal).toBe(true);
  });
  it('compares opaque reprs as text', () => {
    expect(compareValues({ $repr: '<Foo 1>' }, { $repr: '<Foo 1>' }).equal).toBe(true);
    expect(compareValues({ $repr: '<Foo 1>' }, { $repr: '<Foo 2>' }).equal).toBe(false);
  });
});

describe('normalizeStdout', () => {
  it('unifies line endings and drops trailing whitespace and blank lines, keeping indentation', () => {
    expect(normalizeStdout('  a \r\nb\t\r\n\n\n')).toBe('  a\nb');
    expect(normalizeStdout('x\ry')).toBe('x\ny');
  });
});

describe('compareStdout', () => {
  it('ignores trailing whitespace and line-ending style', () => {
    expect(compareStdout('1 2\n3\n', '1 2   \r\n3').equal).toBe(true);
  });
  it('compares numeric tokens with tolerance and other tokens exactly', () => {
    expect(compareStdout('0.3\n', '0.30000000000000004\n').equal).toBe(true);
    expect(compareStdout('1e3', '1000.0').equal).toBe(true);
    expect(compareStdout('0.3', '0.31')).toMatchObject({ equal: false, path: 'line 1' });
    expect(compareStdout('yes', 'Yes').equal).toBe(false);
    expect(compareStdout('a  b', 'a b').equal).toBe(true);
  });
  it('reports a different number of lines', () => {
    expect(compareStdout('1\n2', '1')).toMatchObject({ equal: false, reason: 'expected 2 lines, got 1' });
  });
  it('matches lines as a multiset when order does not matter', () => {
    expect(compareStdout('a 1\nb 2', 'b 2.0\na 1').equal).toBe(false);
    expect(compareStdout('a 1\nb 2', 'b 2.0\na 1', { unordered: true }).equal).toBe(true);
    expect(compareStdout('a\na', 'a\nb', { unordered: true }).equal).toBe(false);
  });
});
