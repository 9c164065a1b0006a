/**
 * The analyzer, sandbox, browser and queue tests skip when their tool is missing, so that a
 * contributor without, say, clang-tidy can run the rest. Under CI nothing may skip that way:
 * every tool `.ci/run` installs must be on PATH, or this fails naming it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findExecutable, packageRoot } from '../../core/index.js';

/** Debian package of `.ci/run` → the executable the tests look for. */
const EXECUTABLE: Record<string, string> = {
  pylint: 'pylint',
  bubblewrap: 'bwrap',
  shellcheck: 'shellcheck',
  'clang-tidy': 'clang-tidy',
  checkstyle: 'checkstyle',
  sqlfluff: 'sqlfluff',
  'golang-go': 'go',
  'php-cli': 'php',
  'default-jdk-headless': 'javac',
  rustc: 'rustc',
  chromium: 'chromium',
  tmux: 'tmux',
  'redis-server': 'redis-server',
};

function ciPackages(): string[] {
  const script = readFileSync(join(packageRoot(), '.ci', 'run'), 'utf8');
  const list = /^APT_PACKAGES=\(([^)]*)\)/m.exec(script);
  if (!list) throw new Error('.ci/run has no APT_PACKAGES=(...) line');
  return list[1]!.trim().split(/\s+/);
}

describe('the tools CI installs', () => {
  it('each have the executable the tests look for (a new package in .ci/run needs an entry here)', () => {
    expect(ciPackages().filter((p) => !(p in EXECUTABLE))).toEqual([]);
  });

  it.runIf(process.env.CI)('are all on PATH under CI, so no tool-dependent test skips there', () => {
    const missing = ciPackages().filter((p) => !findExecutable(EXECUTABLE[p] ?? p));
    expect(missing, `not on PATH: ${missing.join(', ')} (apt-get install them in .ci/run)`).toEqual([]);
  });
});
