import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Export scratch folders not yet removed; whatever is left goes when the process exits. */
const live = new Set<string>();
process.once('exit', () => {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
});

/** A new folder under the OS temp folder (`instructsmith-<prefix>-XXXXXX`), removed at process exit unless {@link removeTempDir} removed it first. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `instructsmith-${prefix}-`));
  live.add(dir);
  return dir;
}

/** Remove a folder made by {@link makeTempDir}, with everything in it. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
}
