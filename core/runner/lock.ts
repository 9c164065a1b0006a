import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { InstructsmithError } from '../errors.js';
import { writeAll } from './store.js';

/**
 * One writer per run directory: an exclusive lock file holding who holds it.
 *
 * Why our own code and not proper-lockfile: that library decides staleness by the lock's mtime
 * (the holder must keep touching it, and a holder that stalls longer than the timeout loses the lock
 * while still writing). A run is a long-lived process on one machine, so pid + host answers the
 * question exactly: on the same host a lock whose process is gone is stale and taken over at once;
 * a lock from another host (a shared volume) is never taken over, because its pid means nothing here.
 *
 * Protocol (all in the lock's own directory, so link and rename are atomic):
 * - create: write the holder to a private temp file, then link() it to the lock path. link fails with
 *   EEXIST when a lock exists, and readers never see a half-written lock.
 * - take over a stale lock: first win the breaker (`<lock>.takeover`, created the same way), then
 *   re-read the lock; only if it is still the very lock judged stale is it removed, then create as above.
 *   Two contenders for one stale lock: the loser either fails to get the breaker or, getting it after the
 *   winner, finds the winner's live lock and is refused.
 * - release: remove the lock only if it still holds our token; also done on process 'exit' (so
 *   `process.exit()` after a second Ctrl-C releases it). SIGKILL leaves it; the next run takes it over.
 * Residual risk, our choice to accept: a contender killed inside the breaker's window (a few syscalls)
 * leaves a breaker whose dead holder is then removed without a second breaker.
 */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** The holder's command line (URL credentials removed), for the "in use" message. */
  command?: string;
  /** Linux boot id: a lock from an earlier boot is stale whatever its pid. */
  bootId?: string;
  /** Start time of the holder's process (clock ticks since boot, /proc/PID/stat field 22): tells pid reuse apart. */
  pidStart?: string;
  /** Random; release and verification compare it, not the pid. */
  token: string;
}

export interface LockOptions {
  /** Recorded in the lock for the "in use" message. */
  command?: string;
  /** What the lock guards, for messages (default: the lock file). */
  what?: string;
  /** Test seam: called after a lock was judged stale, before taking it over, so tests can interleave a rival. */
  beforeTakeover?: () => void;
}

/** Locks this process holds, by path: a lock naming our pid that is not here was left by an earlier process with the same pid. */
const heldHere = new Map<string, string>();

export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {
    process.once('exit', this.onExit);
  }

  /**
   * Take the lock at `file` (its directory is created), taking over a stale one.
   * @throws InstructsmithError `RUN_DIR_LOCKED` naming the holder (pid, host, start, command) when another
   *   live process holds it, or when it is held from another host or cannot be read
   */
  static acquire(file: string, opts: LockOptions = {}): RunLock {
    mkdirSync(dirname(file), { recursive: true });
    const holder = ownHolder(opts.command);
    // Each round either creates the lock, throws, or removes one stale lock; a few rounds cover contenders coming and going.
    for (let round = 0; round < 5; round++) {
      if (tryCreate(file, holder)) {
        heldHere.set(file, holder.token);
        return new RunLock(file, holder);
      }
      const seen = readLock(file);
      if (!seen) continue; // released between our attempt and the read
      if (!isStale(file, seen.holder)) throw lockedError(file, seen.holder, opts.what ?? file);
      opts.beforeTakeover?.();
      breakStale(file, seen.raw);
    }
    throw new InstructsmithError('RUN_DIR_LOCKED', `${file}: could not take the run directory's lock: other runs keep taking it`, {
      hint: 'run one command per --out directory at a time',
    });
  }

  /** Remove the lock if it is still ours; safe to call twice. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    if (heldHere.get(this.file) === this.holder.token) heldHere.delete(this.file);
    const now = readLock(this.file);
    if (now?.holder.token !== this.holder.token) return; // taken over (we were judged dead) or removed by hand
    try {
      unlinkSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** Run `fn` holding the lock at `file`; released however `fn` ends. */
export async function withLock<T>(file: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lock = RunLock.acquire(file, opts);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** Who holds the lock at `file`, or undefined when none (or unreadable). */
export function lockHolder(file: string): LockHolder | undefined {
  return readLock(file)?.holder;
}

function ownHolder(command: string | undefined): LockHolder {
  return {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    ...(command ? { command: command.replace(/\/\/[^/@\s]*@/g, '//') } : {}),
    ...optional('bootId', readProc('/proc/sys/kernel/random/boot_id')?.trim()),
    ...optional('pidStart', processStart(process.pid)),
    token: randomBytes(12).toString('hex'),
  };
}

/** Atomically create `file` holding `holder`; false when it already exists. */
function tryCreate(file: string, holder: LockHolder): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx');
  try {
    writeAll(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return createExclusive(file, holder); // no hard links here (some network/FAT mounts)
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/** Fallback for file systems without hard links: O_EXCL create; a reader may briefly see it empty (read as "held, unreadable"). */
function createExclusive(file: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeAll(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(file: string): { raw: string; holder: LockHolder } | undefined {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const holder = JSON.parse(raw) as LockHolder;
    if (typeof holder.pid === 'number' && typeof holder.host === 'string') return { raw, holder };
  } catch {
    // fall through: not a lock we wrote
  }
  throw new InstructsmithError('RUN_DIR_LOCKED', `${file}: the run directory's lock file cannot be read (expected JSON with pid and host)`, {
    hint: `if no run is using this directory, delete ${file} and run again`,
  });
}

/** A lock is stale when its holder is provably gone: same host and (another boot, or no such process, or the pid now names another process). */
function isStale(file: string, h: LockHolder): boolean {
  if (h.host !== hostname()) return false;
  const bootId = readProc('/proc/sys/kernel/random/boot_id')?.trim();
  if (h.bootId && bootId && h.bootId !== bootId) return true;
  if (h.pid === process.pid) return heldHere.get(file) !== h.token; // our pid, but not our lock: an earlier process had it
  if (!pidAlive(h.pid)) return true;
  const start = processStart(h.pid);
  return Boolean(h.pidStart && start && h.pidStart !== start);
}

/** Remove the stale lock whose content was `raw`, under the breaker; no-op if the lock changed meanwhile. */
function breakStale(file: string, raw: string): void {
  const breaker = `${file}.takeover`;
  const me = ownHolder(undefined);
  if (!tryCreate(breaker, me)) {
    const other = readLock(breaker);
    if (other && isStale(breaker, other.holder)) unlinkQuiet(breaker); // see "residual risk" above
    return; // someone else is taking it over; the next round sees the result
  }
  try {
    let now: string | undefined;
    try {
      now = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (now === raw) unlinkSync(file);
  } finally {
    unlinkQuiet(breaker);
  }
}

function lockedError(file: string, h: LockHolder, what: string): InstructsmithError {
  const who = `pid ${h.pid} on host "${h.host}"${h.startedAt ? `, since ${h.startedAt}` : ''}${h.command ? ` (${h.command})` : ''}`;
  const hint =
    h.host === hostname()
      ? `wait for that run to finish, or stop it (kill ${h.pid}; it checkpoints, and the same command resumes); use another --out for a separate run`
      : `a lock held from another host is never taken over automatically; if that run is truly gone, delete ${file} and run again`;
  return new InstructsmithError('RUN_DIR_LOCKED', `${what} is in use by another run: ${who}`, { hint });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Field 22 of /proc/PID/stat (start time); undefined off Linux. The command name (field 2) may hold spaces and parentheses, so count from the last ')'. */
function processStart(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function readProc(file: string): string | undefined {
  try {
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

function unlinkQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
