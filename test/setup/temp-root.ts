import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup (vitest.config.ts): the test processes' temporary folders (`os.tmpdir()`, read
 * from TMPDIR at each call) go under one folder of this test run, removed when the run ends, so that
 * what tests leave behind (their own scratch folders, run directories they did not dispose, a killed
 * child's files) does not pile up in the machine's temp folder run after run. The test processes are
 * started after this and inherit TMPDIR. `INSTRUCTSMITH_KEEP_TEST_TMP=1` keeps the folder (its path
 * is printed) to look at what a failing test wrote.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'instructsmith-vitest-'));
  // The modes of /tmp: the sandbox's slot uids must reach the job folders made under it.
  chmodSync(root, 0o1777);
  process.env.TMPDIR = root;
  const keep = process.env.INSTRUCTSMITH_KEEP_TEST_TMP === '1';
  if (keep) process.stdout.write(`test temp folder (kept): ${root}\n`);
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (!keep) rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
}
