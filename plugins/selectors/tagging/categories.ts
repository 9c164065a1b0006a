/** One level-2 (macro) category the tagger may choose: its name, and one line telling the model what it covers. */
export interface TagCategory {
  name: string;
  description: string;
}

/**
 * The fixed level-2 category list for code instructions: our choice. Infinity Instruct (arXiv
 * 2506.11116) groups its level-1 tags under 25 macro categories for general chat data; we could not
 * verify that list, and most of it (e.g. creative writing, medical knowledge) does not apply to code,
 * so these 25 are code-oriented: broad enough that every code instruction fits one or two, narrow
 * enough that an evaluation set such as HumanEval spreads over several.
 */
export const CODE_CATEGORIES: readonly TagCategory[] = [
  { name: 'Algorithms', description: 'searching, sorting, graph, greedy, dynamic programming and other algorithm design' },
  { name: 'Data Structures', description: 'lists, stacks, queues, trees, heaps, hash maps and their operations' },
  { name: 'Mathematics', description: 'arithmetic, number theory, combinatorics, geometry, probability' },
  { name: 'String Processing', description: 'parsing, formatting, searching and transforming text' },
  { name: 'Logical Reasoning', description: 'case analysis, invariants, puzzles, step-by-step deduction' },
  { name: 'Programming Fundamentals', description: 'control flow, loops, conditionals, variables, basic types' },
  { name: 'Object-Oriented Design', description: 'classes, inheritance, interfaces, encapsulation' },
  { name: 'Functional Programming', description: 'higher-order functions, immutability, map/filter/reduce, closures' },
  { name: 'Software Design and Architecture', description: 'modules, patterns, APIs of one\'s own code, maintainability' },
  { name: 'Testing and Debugging', description: 'unit tests, finding and fixing bugs, edge cases, error handling' },
  { name: 'Code Comprehension', description: 'explaining, reviewing or translating existing code' },
  { name: 'Performance Optimization', description: 'time and memory complexity, profiling, faster implementations' },
  { name: 'Databases and SQL', description: 'queries, schemas, transactions, ORMs' },
  { name: 'Web Development', description: 'HTTP, HTML/CSS, front-end and back-end frameworks, REST' },
  { name: 'Systems Programming', description: 'memory management, operating system interfaces, low-level code' },
  { name: 'Concurrency and Parallelism', description: 'threads, async code, locks, parallel computation' },
  { name: 'Networking', description: 'sockets, protocols, distributed communication' },
  { name: 'Data Analysis', description: 'tabular data, statistics, aggregation, visualisation' },
  { name: 'Machine Learning', description: 'models, training, features, evaluation' },
  { name: 'File and I/O Handling', description: 'reading and writing files, streams, serialization formats' },
  { name: 'Security', description: 'authentication, cryptography, input validation against attacks' },
  { name: 'DevOps and Tooling', description: 'shell, build systems, packaging, CI, containers, version control' },
  { name: 'Scientific Computing', description: 'numerical methods, simulation, linear algebra, units' },
  { name: 'Library and API Usage', description: 'using a third-party library, framework or service API correctly' },
  { name: 'Documentation and Communication', description: 'docstrings, comments, explaining a solution in prose' },
];
