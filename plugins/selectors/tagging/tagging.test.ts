import { describe, expect, it } from 'vitest';
import { tagsReply } from '../../providers/mock/scripted-tags.js';
import { CODE_CATEGORIES } from './categories.js';
import { foldTag, matchCategory } from './normalize.js';
import { TagVocabulary } from './vocabulary.js';

const NAMES = CODE_CATEGORIES.map((c) => c.name);

describe('foldTag', () => {
  it('merges case, punctuation, plural and listed synonyms into one key', () => {
    for (const t of ['Sorting Algorithms', 'sorting-algorithms', 'sorting algorithm.', '  SORTING_ALGORITHM ']) expect(foldTag(t)).toBe('sorting algorithm');
    for (const t of ['hash table', 'Hash Maps', 'dictionary', 'Dictionaries', 'HashMap']) expect(foldTag(t)).toBe('hash map');
    expect(foldTag('String Processing')).toBe('string manipulation');
    expect(foldTag('Unit Testing')).toBe(foldTag('unit tests'));
    expect(foldTag('R&D')).toBe('r and d');
  });
  it('keeps words pluralize would mangle, and the symbols of language names', () => {
    expect(foldTag('Data Structures')).toBe('data structure');
    expect(foldTag('Physics')).toBe('physics');
    expect(foldTag('pandas')).toBe('pandas');
    expect(foldTag('JS')).toBe('js');
    expect(foldTag('C++ templates')).toBe('c++ template');
    expect(foldTag('C#')).toBe('c#');
    expect(foldTag('?!')).toBe('');
  });
  it('keeps different abilities apart', () => {
    expect(foldTag('string formatting')).not.toBe(foldTag('string manipulation'));
    expect(foldTag('graph traversal')).not.toBe(foldTag('tree traversal'));
  });
});

describe('matchCategory', () => {
  it('reads verbatim, folded and closest answers onto the list', () => {
    expect(matchCategory('Algorithms', NAMES)).toEqual({ answer: 'Algorithms', category: 'Algorithms', how: 'exact' });
    expect(matchCategory('object oriented design', NAMES)).toMatchObject({ category: 'Object-Oriented Design', how: 'folded' });
    expect(matchCategory('Data Structure', NAMES)).toMatchObject({ category: 'Data Structures', how: 'folded' });
    expect(matchCategory('Debugging', NAMES)).toMatchObject({ category: 'Testing and Debugging', how: 'closest' });
    expect(matchCategory('Algoritms', NAMES)).toMatchObject({ category: 'Algorithms', how: 'closest' });
    expect(matchCategory('Mathematic', NAMES)).toMatchObject({ category: 'Mathematics', how: 'closest' });
  });
  it('never invents a category: unrelated or ambiguous answers are unknown', () => {
    expect(matchCategory('Quantum Computing', NAMES)).toEqual({ answer: 'Quantum Computing', how: 'unknown' });
    expect(matchCategory('Creative Writing', NAMES).how).toBe('unknown');
    // "Design" is as close to "Object-Oriented Design" as to "Software Design and Architecture".
    expect(matchCategory('Design', ['Object Design', 'Software Design'])).toEqual({ answer: 'Design', how: 'unknown' });
  });
});

describe('TagVocabulary', () => {
  it('counts surface forms before and keys after normalisation, canonical = most frequent form', () => {
    const v = new TagVocabulary();
    for (const t of ['Hash Maps', 'hash map', 'hash map', 'dictionary', 'Recursion', 'recursion ', '!!']) v.add(t);
    expect(v.surfaceSize).toBe(5);
    expect(v.size).toBe(2);
    expect(v.canonical('hash map')).toBe('hash map');
    expect(v.top()).toEqual([
      { key: 'hash map', count: 4, canonical: 'hash map', forms: 3 },
      { key: 'recursion', count: 2, canonical: 'Recursion', forms: 2 },
    ]);
  });
});

describe('scripted infinity_tags reply', () => {
  const prompt = (instruction: string, names = NAMES) => `Label this.\n\n<instruction>\n${instruction}\n</instruction>\n<categories>\n${names.map((n) => `- ${n}: x`).join('\n')}\n</categories>`;

  it('tags from cue words, with surface variants that normalise to the cue key, and categories from the prompt list', () => {
    const keys = new Set<string>();
    const surfaces = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const reply = tagsReply({ schemaName: 'infinity_tags', lastUser: prompt(`Sort the list number ${i} of strings.`) }) as { abilities: string[]; categories: string[] };
      for (const a of reply.abilities) {
        surfaces.add(a);
        keys.add(foldTag(a));
      }
      for (const c of reply.categories) expect(matchCategory(c, NAMES).how === 'unknown' ? c : 'listed').toMatch(/^(listed|Quantum Computing)$/);
    }
    expect([...keys].sort()).toEqual(['list operation', 'sorting algorithm', 'string manipulation']);
    expect(surfaces.size).toBeGreaterThan(keys.size * 2);
  });

  it('plants invalid replies, off-list and misspelt categories, deterministically', () => {
    const replies = Array.from({ length: 300 }, (_, i) => tagsReply({ schemaName: 'infinity_tags', lastUser: prompt(`Count the vowels in word ${i}.`) }) as { abilities: string[]; categories: string[] });
    expect(replies.filter((r) => r.abilities.length === 0).length).toBeGreaterThan(5);
    expect(replies.filter((r) => r.categories.includes('Quantum Computing')).length).toBeGreaterThan(10);
    expect(replies.filter((r) => r.categories.some((c) => c !== 'Quantum Computing' && !NAMES.includes(c))).length).toBeGreaterThan(10);
    expect(tagsReply({ schemaName: 'infinity_tags', lastUser: prompt('Count the vowels in word 7.') })).toEqual(replies[7]);
    expect(tagsReply({ schemaName: 'quality_verdict', lastUser: '' })).toBeUndefined();
  });

  it('uses only categories of an overridden list', () => {
    const reply = tagsReply({ schemaName: 'infinity_tags', lastUser: prompt('Sort the list.', ['Easy', 'Hard']) }) as { categories: string[] };
    for (const c of reply.categories) expect(['Easy', 'Hard', 'easy', 'hard', 'Quantum Computing']).toContain(c);
  });
});
