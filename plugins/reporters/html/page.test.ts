import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientBundle } from './page.js';

describe('the report page script', () => {
  it('is bundled once per machine: kept in the temp folder and read from there by the next process', async () => {
    const bundle = await clientBundle();
    expect(bundle).toContain('Chart');
    const dir = join(tmpdir(), 'instructsmith-report-client');
    const files = readdirSync(dir).filter((f) => f.endsWith('.js') && readFileSync(join(dir, f), 'utf8') === bundle);
    expect(files).toHaveLength(1);
    // A later process takes the kept file instead of bundling again: mark it and ask a fresh process.
    const file = join(dir, files[0]!);
    writeFileSync(file, `${bundle}\n/* marked */`);
    try {
      const script = `import { clientBundle } from ${JSON.stringify(join(import.meta.dirname, 'page.ts'))}; process.stdout.write(String((await clientBundle()).endsWith('/* marked */')));`;
      const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: import.meta.dirname });
      expect(out).toBe('true');
    } finally {
      writeFileSync(file, bundle);
    }
  }, 60_000);
});
