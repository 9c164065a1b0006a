import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/paths.js';
import { HUMANEVAL, tempDir } from './helpers.js';

/**
 * The progress display on a real terminal: `instructsmith run` inside tmux (160 columns, as in issue
 * #16), the screen read back with capture-pane. tmux runs on a private socket; .ci/run installs it.
 */
const SOCKET = `instructsmith-test-${process.pid}`;
const tmux = (...args: string[]) => execa('tmux', ['-L', SOCKET, ...args]);
const BIN = join(packageRoot(), 'cli', 'bin.ts');
const LIMIT = 12;

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
});

/** Wait for `file` to appear (the command's exit code), up to `ms`; fails naming what it waited for. */
async function waitFor(file: string, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (existsSync(file)) return;
    await sleep(250);
  }
  throw new Error(`the run in tmux did not finish within ${ms} ms (no ${file})`);
}

describe('progress on a TTY', () => {
  it('prints log lines above the bars, one bar per pass, a count for the derived pass', async () => {
    const dir = tempDir('tty');
    const out = join(dir, 'run');
    const exitFile = join(dir, 'exit');
    const cmd = `cd ${packageRoot()} && env -u CI node --import tsx ${BIN} run --preset infinite-instruct --seeds ${HUMANEVAL} --model mock:scripted --limit ${LIMIT} --out ${out}; echo $? > ${exitFile}; sleep 300`;
    await tmux('new-session', '-d', '-s', 'run', '-x', '160', '-y', '60', cmd);
    await waitFor(exitFile, 180_000);
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');
    const screen = (await tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'run')).stdout.split('\n');

    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { funnel: { seeds: { read: number }; kept: number; rejected: number } };
    const derived = run.funnel.seeds.read - LIMIT;
    expect(derived).toBeGreaterThan(0); // backfeeding made a second pass: the case issue #16 showed as 0/0

    const bars = screen.filter((l) => /^pass \d/.test(l));
    expect(bars).toHaveLength(2);
    expect(bars[0]).toMatch(new RegExp(`^pass 1 \\S+ ${LIMIT}/${LIMIT} seeds \\| done \\| synthesized \\d+ judged \\d+ responded \\d+ verified \\d+ kept \\d+ rejected \\d+ \\| [\\d.]+ calls/s \\| [\\d.]+k? tokens$`));
    expect(bars[1]).toMatch(new RegExp(`^pass 2 ${derived} seeds \\(total not known yet\\) \\|.* kept ${run.funnel.kept} rejected ${run.funnel.rejected} \\|.* tokens$`));
    expect(screen.join('\n')).not.toContain('0/0');

    // Every log line starts at column 0 on its own line, above the bars, never inside one.
    const logs = screen.filter((l) => /(strategy:backfeeding|exporter:messages|reporter:html):/.test(l));
    expect(logs.length).toBeGreaterThanOrEqual(3);
    for (const l of logs) expect(l).toMatch(/^(strategy:backfeeding|exporter:messages|reporter:html): /);
    const lastLog = screen.lastIndexOf(logs.at(-1)!);
    expect(lastLog).toBeLessThan(screen.indexOf(bars[0]!));
    expect(screen.indexOf(bars[1]!)).toBe(screen.indexOf(bars[0]!) + 1);
  }, 240_000);
});

describe('progress in CI', () => {
  it('is plain lines, without escape codes, with the same figures', async () => {
    const out = join(tempDir('ci'), 'run');
    const r = await execa('node', ['--import', 'tsx', BIN, 'run', '--preset', 'infinite-instruct', '--seeds', HUMANEVAL, '--model', 'mock:scripted', '--limit', String(LIMIT), '--out', out], { cwd: packageRoot(), env: { CI: '1' } });
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { funnel: { seeds: { read: number }; kept: number; rejected: number } };
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('progress: '));
    expect(r.stderr).not.toContain('\u001b[');
    expect(lines.length).toBeLessThanOrEqual(15); // quiet: about one line per tenth of a pass
    expect(lines.filter((l) => l.startsWith(`progress: pass 1 ${LIMIT}/${LIMIT} seeds`))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(new RegExp(`^progress: pass 2 ${run.funnel.seeds.read - LIMIT} seeds \\|.* kept ${run.funnel.kept} rejected ${run.funnel.rejected} \\|`));
  }, 180_000);
});
