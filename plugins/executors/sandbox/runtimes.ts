import { existsSync, readdirSync } from 'node:fs';
import type { ExecutionLimits } from '../../../core/index.js';

/**
 * How to run one language inside the sandbox. Paths are host paths that the sandbox binds
 * read-only (everything under /usr is always bound).
 */
export interface Runtime {
  language: string;
  /** The program's main file in the work directory. */
  mainFile: string;
  /** The binary the runtime needs (interpreter or compiler), absolute; the language is unavailable when it is missing. */
  binary: string;
  /** Debian package that installs `binary`, for error messages. */
  aptPackage: string;
  /** Command inside the sandbox for `args`, with the limits it runs under (JVM heap, V8 heap follow memoryBytes). */
  command(binary: string, args: readonly string[], limits: ExecutionLimits): string[];
  /** Address space the runtime reserves but does not use (see `prlimitArgs`). Measured, rounded up. */
  reserveBytes: number;
  /** stderr that means the runtime ran out of memory. */
  memoryPatterns: RegExp[];
  env: Record<string, string>;
  /** Host paths outside /usr the runtime reads. */
  roBinds(): string[];
}

const MiB = 1024 * 1024;

/**
 * Compile-then-run launcher for C and C++ (a fixed script of ours; the untrusted code is only ever a
 * file argument). Compiler output goes to stderr after a `compile error:` line, exit code 1. The
 * binary lives on the sandbox's /tmp tmpfs. Each process (cc1, ld, the program) gets the limits on its own.
 */
const COMPILE_AND_RUN = [
  'cc="$1"; src="$2"; shift 2',
  '"$cc" -O1 -pipe -o /tmp/prog "$src" -lm 2>/tmp/cc.log || { echo "compile error:" >&2; head -c 65536 /tmp/cc.log >&2; exit 1; }',
  'exec /tmp/prog "$@"',
].join('\n');

const nativeMemory = [/Cannot allocate memory/, /std::bad_alloc/, /out of memory/i];

/** The built-in runtimes (Debian 12 paths). Python and Node are required by issue #6; C, C++ and Java are extra. */
export const RUNTIMES: Readonly<Record<string, Runtime>> = Object.freeze({
  python: {
    language: 'python',
    mainFile: 'main.py',
    binary: '/usr/bin/python3',
    aptPackage: 'python3',
    // -s: no user site directory. Not -E or -I: the environment is ours (PYTHONHASHSEED below must
    // apply), and -I would hide extra files next to main.py from imports.
    command: (bin, args) => [bin, '-s', 'main.py', ...args],
    reserveBytes: 256 * MiB,
    memoryPatterns: [/\bMemoryError\b/, /Cannot allocate memory/],
    // Fixed hash seed: set and dict iteration order (and so printed output) is reproducible across runs.
    env: { PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    roBinds: () => [],
  },
  javascript: {
    language: 'javascript',
    mainFile: 'main.js',
    binary: '/usr/bin/node',
    aptPackage: 'nodejs',
    // V8's heap limit follows the memory limit so running out gives V8's own "heap out of memory".
    command: (bin, args, l) => [bin, `--max-old-space-size=${Math.max(16, Math.floor(l.memoryBytes / MiB))}`, 'main.js', ...args],
    // Node 20 does not start under RLIMIT_AS below ~800 MiB (measured); 1 GiB of headroom.
    reserveBytes: 1024 * MiB,
    memoryPatterns: [/heap out of memory/, /Array buffer allocation failed/, /Cannot allocate memory/, /std::bad_alloc/],
    env: { NODE_DISABLE_COLORS: '1' },
    roBinds: () => [],
  },
  c: {
    language: 'c',
    mainFile: 'main.c',
    binary: '/usr/bin/gcc',
    aptPackage: 'gcc',
    command: (bin, args) => ['/bin/sh', '-c', COMPILE_AND_RUN, 'sh', bin, 'main.c', ...args],
    reserveBytes: 256 * MiB,
    memoryPatterns: nativeMemory,
    env: {},
    roBinds: () => [],
  },
  cpp: {
    language: 'cpp',
    mainFile: 'main.cpp',
    binary: '/usr/bin/g++',
    aptPackage: 'g++',
    command: (bin, args) => ['/bin/sh', '-c', COMPILE_AND_RUN, 'sh', bin, 'main.cpp', ...args],
    reserveBytes: 256 * MiB,
    memoryPatterns: nativeMemory,
    env: {},
    roBinds: () => [],
  },
  java: {
    language: 'java',
    mainFile: 'Main.java',
    binary: '/usr/bin/java',
    aptPackage: 'default-jdk-headless',
    // Single-file source launch (JEP 330): no javac step. The heap gets half the memory limit; the
    // reserved regions are shrunk so the JVM starts under RLIMIT_AS (our measurements on JDK 17).
    command: (bin, args, l) => [
      bin,
      `-Xmx${Math.max(16, Math.floor(l.memoryBytes / 2 / MiB))}m`,
      '-Xss1m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-XX:ReservedCodeCacheSize=64m',
      '-XX:CompressedClassSpaceSize=64m',
      '-XX:MaxMetaspaceSize=128m',
      '-Dfile.encoding=UTF-8',
      'Main.java',
      ...args,
    ],
    reserveBytes: 1024 * MiB,
    memoryPatterns: [/OutOfMemoryError/, /Could not reserve enough space/, /Cannot allocate memory/],
    env: {},
    // The JDK's conf/ and security/ are symlinks into /etc/java-<version>-openjdk.
    roBinds: () => (existsSync('/etc') ? readdirSync('/etc').filter((d) => /^java-\d+-openjdk$/.test(d)).map((d) => `/etc/${d}`) : []),
  },
});
