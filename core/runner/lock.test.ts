import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstructsmithError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { lockHolder, RunLock, type LockHolder } from './lock.js';

const LOCK_TS = join(packageRoot(), 'core/runner/lock.ts');

/**
 * A child process that takes the lock when it reads "go" and prints `won` or `refused CODE`;
 * it then holds the lock until stdin closes ("exit" makes it call process.exit(130) instead).
 */
function contender(file: string): { child: ChildProcessWithoutNullStreams; line: () => Promise<string> } {
  const code = `
    import { RunLock } from ${JSON.stringify(LOCK_TS)};
    import { createInterface } from 'node:readline';
    const rl = createInterface({ input: process.stdin });
    let lock;
    console.log('ready');
    rl.on('line', (l) => {
      if (l === 'go') {
        try { lock = RunLock.acquire(${JSON.stringify(file)}); console.log('won'); } catch (e) { console.log('refused ' + e.code); }
      }
      if (l === 'exit') process.exit(130);
    });
    rl.on('close', () => { lock?.release(); });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: packageRoot() });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return { child, line: async () => String((await lines.next()).value) };
}

const exited = (child: ChildProcessWithoutNullStreams) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await exited(child as unknown as ChildProcessWithoutNullStreams);
  return child.pid!;
}

function holder(over: Partial<LockHolder>): LockHolder {
  return { pid: 1, host: hostname(), startedAt: '2024-01-01T00:00:00.000Z', token: 'someone-else', ...over };
}

function refusal(file: string): InstructsmithError {
  try {
    RunLock.acquire(file, { what: 'the run dir' }).release();
  } catch (err) {
    expect(err).toBeInstanceOf(InstructsmithError);
    return err as InstructsmithError;
  }
  throw new Error('the lock was taken');
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'instructsmith-lock-'));
  file = join(dir, 'state', 'lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('RunLock', () => {
  it('writes the holder, refuses a second taker naming it, and frees the file on release', () => {
    const lock = RunLock.acquire(file, { command: 'run --base-url http://user:pw@host/v1' });
    expect(lockHolder(file)).toMatchObject({ pid: process.pid, host: hostname(), command: 'run --base-url http://host/v1' });
    const err = refusal(file);
    expect(err.code).toBe('RUN_DIR_LOCKED');
    expect(err.message).toContain(`the run dir is in use by another run: pid ${process.pid} on host "${hostname()}"`);
    lock.release();
    expect(existsSync(file)).toBe(false);
    RunLock.acquire(file).release();
  });

  it('refuses while another live process holds it, and leaves that lock alone', async () => {
    const other = contender(file);
    expect(await other.line()).toBe('ready');
    other.child.stdin.write('go\n');
    expect(await other.line()).toBe('won');
    const before = readFileSync(file, 'utf8');
    expect(refusal(file).message).toContain(`pid ${other.child.pid} on host`);
    expect(readFileSync(file, 'utf8')).toBe(before);
    other.child.stdin.end();
    await exited(other.child);
    expect(existsSync(file)).toBe(false); // released when it let go
  });

  it('takes over a lock whose process is gone, and one an earlier process with our pid left', async () => {
    mkdirSync(join(dir, 'state'));
    writeFileSync(file, JSON.stringify(holder({ pid: await deadPid() })));
    const a = RunLock.acquire(file);
    expect(lockHolder(file)?.token).toBe(a.holder.token);
    a.release();
    writeFileSync(file, JSON.stringify(holder({ pid: process.pid })));
    const b = RunLock.acquire(file);
    expect(lockHolder(file)?.token).toBe(b.holder.token);
    b.release();
  });

  it.runIf(existsSync('/proc/self/stat'))('takes over a live pid that is another process now (start time differs) or from an earlier boot', () => {
    mkdirSync(join(dir, 'state'));
    const live = process.ppid;
    writeFileSync(file, JSON.stringify(holder({ pid: live, pidStart: '1' })));
    RunLock.acquire(file).release();
    writeFileSync(file, JSON.stringify(holder({ pid: live, bootId: 'an-earlier-boot' })));
    RunLock.acquire(file).release();
    writeFileSync(file, JSON.stringify(holder({ pid: live })));
    expect(refusal(file).message).toContain(`pid ${live}`);
  });

  it('never takes over a lock from another host; says how to override', async () => {
    mkdirSync(join(dir, 'state'));
    const content = JSON.stringify(holder({ pid: await deadPid(), host: 'other-machine' }));
    writeFileSync(file, content);
    const err = refusal(file);
    expect(err.message).toContain('on host "other-machine"');
    expect(err.hint).toContain(`delete ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(content);
  });

  it('refuses an unreadable lock file rather than guessing', () => {
    mkdirSync(join(dir, 'state'));
    writeFileSync(file, 'garbage');
    expect(refusal(file).message).toContain('cannot be read');
    expect(readFileSync(file, 'utf8')).toBe('garbage');
  });

  it('lets only one of two takers win a stale lock, even when the other takes it over in between', async () => {
    mkdirSync(join(dir, 'state'));
    writeFileSync(file, JSON.stringify(holder({ pid: await deadPid() })));
    let rival: RunLock | undefined;
    // The rival judges the same lock stale and takes it over while we are between judging and taking over.
    const taker = () => RunLock.acquire(file, { beforeTakeover: () => (rival ??= RunLock.acquire(file)) });
    expect(taker).toThrow(/is in use by another run/);
    expect(rival).toBeDefined();
    expect(lockHolder(file)?.token).toBe(rival!.holder.token);
    rival!.release();
  });

  it('lets exactly one of several processes racing for one stale lock win', async () => {
    mkdirSync(join(dir, 'state'));
    writeFileSync(file, JSON.stringify(holder({ pid: await deadPid() })));
    const racers = Array.from({ length: 6 }, () => contender(file));
    for (const r of racers) expect(await r.line()).toBe('ready');
    for (const r of racers) r.child.stdin.write('go\n');
    const results = await Promise.all(racers.map((r) => r.line()));
    expect(results.filter((r) => r === 'won')).toHaveLength(1);
    expect(results.filter((r) => r === 'refused RUN_DIR_LOCKED')).toHaveLength(5);
    const winner = racers[results.indexOf('won')]!;
    expect(lockHolder(file)?.pid).toBe(winner.child.pid);
    expect(readdirSync(join(dir, 'state'))).toEqual(['lock']); // no temp or takeover files left behind
    for (const r of racers) r.child.stdin.end();
    await Promise.all(racers.map((r) => exited(r.child)));
  }, 60_000);

  it('is released by process.exit() and left by SIGKILL, then taken over', async () => {
    const a = contender(file);
    await a.line();
    a.child.stdin.write('go\nexit\n');
    expect(await a.line()).toBe('won');
    await exited(a.child);
    expect(a.child.exitCode).toBe(130);
    expect(existsSync(file)).toBe(false);

    const b = contender(file);
    await b.line();
    b.child.stdin.write('go\n');
    expect(await b.line()).toBe('won');
    b.child.kill('SIGKILL');
    await exited(b.child);
    expect(lockHolder(file)?.pid).toBe(b.child.pid);
    const lock = RunLock.acquire(file);
    expect(lockHolder(file)?.pid).toBe(process.pid);
    lock.release();
  }, 60_000);
});
