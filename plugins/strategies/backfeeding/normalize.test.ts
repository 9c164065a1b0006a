import { describe, expect, it } from 'vitest';
import { compileAliases, foldPhrase, normalizeKeyword, singularize } from './normalize.js';

describe('normalizeKeyword', () => {
  it('merges case, whitespace, separator, plural and spelling variants of one concept', () => {
    const variants = ['Hash Map', '  hash   maps ', 'hash-map', 'HashMap', 'hash_maps', 'Hash Tables', 'the hash map', '"hash map".'];
    expect(new Set(variants.map((v) => normalizeKeyword(v)))).toEqual(new Set(['hash map']));
    expect(normalizeKeyword('Optimisation')).toBe(normalizeKeyword('optimization'));
    expect(normalizeKeyword('input normalisation')).toBe('input normalization');
    expect(normalizeKeyword('Serialising objects')).toBe('serializing object');
    expect(normalizeKeyword('Neighbour lists')).toBe('neighbor list');
    expect(normalizeKeyword('Binary Search Trees')).toBe('binary search tree');
    expect(normalizeKeyword('BST')).toBe('binary search tree');
    expect(normalizeKeyword("Dijkstra's algorithm")).toBe('dijkstra algorithm');
    expect(normalizeKeyword('Dijkstra algorithms')).toBe('dijkstra algorithm');
    expect(normalizeKeyword('DP')).toBe('dynamic programming');
    expect(normalizeKeyword('Regexes')).toBe('regular expression');
    expect(normalizeKeyword('database queries')).toBe('database query');
    expect(normalizeKeyword('matrices')).toBe('matrix');
    expect(normalizeKeyword('Prime Numbers')).toBe('prime number');
    expect(normalizeKeyword('LRU caches')).toBe('least recently used cache');
    expect(normalizeKeyword('Filter lists')).toBe(normalizeKeyword('filter a list'));
    expect(normalizeKeyword('parse the input strings')).toBe('parse input string');
  });

  it('keeps distinct concepts apart', () => {
    const distinct = ['hash map', 'hash set', 'sorting algorithm', 'sort', 'binary search', 'binary search tree', 'stack', 'queue', 'priority queue', 'c', 'c++', 'c#', 'class', 'status', 'analysis', 'process', 'dictionary', 'time complexity', 'space complexity', 'graphics', 'statistics'];
    const out = distinct.map((d) => normalizeKeyword(d));
    expect(new Set(out).size).toBe(distinct.length);
    expect(normalizeKeyword('classes')).toBe('class');
    expect(normalizeKeyword('Statistics')).toBe('statistics');
    expect(normalizeKeyword('C++')).toBe('c++');
    expect(normalizeKeyword('process')).toBe('process');
  });

  it('singularises only the head noun and leaves short words, acronyms and mass nouns alone', () => {
    expect(foldPhrase('unit tests for strings')).toBe('unit tests for string');
    expect(singularize('caches')).toBe('cache');
    expect(singularize('boxes')).toBe('box');
    expect(singularize('aws')).toBe('aws');
    expect(singularize('physics')).toBe('physics');
    expect(singularize('heuristics')).toBe('heuristic');
  });

  it('returns the empty string for keywords with no letters or digits', () => {
    expect(normalizeKeyword(' -- ')).toBe('');
    expect(normalizeKeyword('()')).toBe('');
  });

  it('applies user aliases on top of the built-ins and normalises them too', () => {
    const table = compileAliases({ 'memoization': ['Caching results', 'memoisation'] });
    expect(normalizeKeyword('caching result', table)).toBe('memoization');
    expect(normalizeKeyword('Memoisations', table)).toBe('memoization');
    expect(normalizeKeyword('DP', table)).toBe('dynamic programming');
    expect(() => compileAliases({ recursion: ['!!'] })).toThrow(/aliases."recursion": variant "!!"/);
  });
});
