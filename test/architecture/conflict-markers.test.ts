/** A merge's conflict markers once reached README.md on main unseen; no tracked text file may hold them. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/paths.js';

const TEXT = /\.(md|ts|js|mjs|cjs|json|ya?ml|sh|py|jinja|txt|html|css)$|^\.ci\/run$/;

describe('tracked files', () => {
  it('hold no merge-conflict markers', () => {
    const root = packageRoot();
    const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter((f) => TEXT.test(f));
    expect(files.length).toBeGreaterThan(100);
    const marked = files.filter((f) => /^(<{7} |>{7} |={7}$)/m.test(readFileSync(join(root, f), 'utf8')));
    expect(marked).toEqual([]);
  });
});
