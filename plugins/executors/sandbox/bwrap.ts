import { existsSync, lstatSync, readlinkSync } from 'node:fs';

/**
 * How the sandboxed program is made an unprivileged user (so RLIMIT_NPROC applies: the kernel
 * ignores it for root, and for a user-namespace "root" that maps to host root):
 * - `user-namespace`: bwrap itself runs as an unprivileged host uid (we drop to it with `setpriv`
 *   when we are root) and maps it into a new user namespace. Needs unprivileged user namespaces.
 * - `root-setuid`: bwrap runs as root without a user namespace (privileged mode), keeps only
 *   CAP_SETUID/CAP_SETGID for the program's launcher, and `setpriv` inside drops to the
 *   unprivileged uid with no_new_privs before anything untrusted runs. For hosts that forbid
 *   unprivileged user namespaces; needs root.
 */
export type IsolationMode = 'user-namespace' | 'root-setuid';

/** Everything {@link bwrapArgs} needs to lay out one sandbox. */
export interface BwrapLayout {
  mode: IsolationMode;
  /** Unprivileged host uid (and gid) of this sandbox slot. */
  hostUid: number;
  /** Extra host paths bound read-only at the same place (a runtime outside /usr, /etc/java-17-openjdk, ...); missing ones are skipped. */
  roBinds: readonly string[];
  /** Host file → path inside the sandbox, bound read-only (the program's sources). */
  files: readonly { host: string; sandbox: string }[];
  /** Size in bytes of each writable tmpfs (`/work`, `/tmp`). */
  diskBytes: number;
  /** The program's whole environment; nothing else is inherited. */
  env: Readonly<Record<string, string>>;
  /** The command inside the sandbox (already wrapped by prlimit), absolute binary path first. */
  command: readonly string[];
  /** The fd on which bwrap writes its JSON status (child pid, exit code). */
  statusFd: number;
  /** An fd open for reading at the start of {@link seccompFilter}'s bytes, one per bwrap (bwrap reads it to the end). */
  seccompFd: number;
}

/** The sandbox's working directory (writable tmpfs, the program's files bound read-only inside). */
export const SANDBOX_WORKDIR = '/work';
/** The uid the program sees inside a user namespace (our choice; any non-zero id works). */
export const SANDBOX_INNER_UID = 1000;

/**
 * The top-level entries of a merged-/usr Debian system, mirrored as symlinks when they are
 * symlinks on the host (`/bin -> usr/bin`) and bound read-only otherwise.
 */
const ROOT_LINKS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** Files outside /usr that dynamic linking and `update-alternatives` need. */
const BASE_RO = ['/usr', '/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives'];

/**
 * Build the `bwrap` argument vector (bubblewrap 0.8, Debian package `bubblewrap`) for one sandbox:
 * every namespace unshared (network, pid, ipc, uts, cgroup; user in `user-namespace` mode), a root
 * that is an empty tmpfs remounted read-only at the end, read-only binds of /usr and the few /etc
 * files the dynamic linker needs, fresh /proc and a read-only minimal /dev, size-limited tmpfs at
 * /work, /tmp and /dev/shm as the only writable places, a seccomp filter refusing new user
 * namespaces and System V shared memory ({@link seccompFilter}), `--clearenv` plus `env`,
 * `--die-with-parent` (the pid namespace's init dies with us, and the kernel kills everything in
 * the namespace with it) and `--new-session` (no TIOCSTI into our terminal).
 *
 * Pure apart from checking which host paths exist. Returns the arguments after `bwrap`.
 */
export function bwrapArgs(layout: BwrapLayout): string[] {
  const a: string[] = [];
  if (layout.mode === 'user-namespace') {
    a.push('--unshare-user', '--uid', String(SANDBOX_INNER_UID), '--gid', String(SANDBOX_INNER_UID), '--disable-userns');
  } else {
    // Privileged bwrap drops every capability from the sandbox except those added here; setpriv
    // needs these two to become the unprivileged uid, after which the kernel clears them.
    a.push('--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID');
  }
  a.push('--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try');
  a.push('--die-with-parent', '--new-session', '--hostname', 'sandbox');
  a.push('--clearenv');
  for (const [k, v] of Object.entries(layout.env)) a.push('--setenv', k, v);

  for (const link of ROOT_LINKS) {
    if (!existsSync(link)) continue;
    const st = lstatSync(link);
    if (st.isSymbolicLink()) a.push('--symlink', readlinkSync(link), link);
    else a.push('--ro-bind', link, link);
  }
  // Privileged bwrap creates missing parent directories as 0700 root; make /etc traversable.
  a.push('--perms', '0755', '--dir', '/etc');
  for (const p of [...BASE_RO, ...layout.roBinds]) if (existsSync(p)) a.push('--ro-bind', p, p);
  a.push('--proc', '/proc', '--dev', '/dev');
  const size = String(Math.floor(layout.diskBytes));
  // Shared memory gets its own tmpfs with the temp directories' cap: Python's multiprocessing
  // (semaphores, Lock, Pool) needs a writable /dev/shm, and without a tmpfs of its own /dev/shm
  // would be a directory of the uncapped /dev tmpfs (issue #17). /dev itself stays read-only, so
  // nothing but the device nodes `--dev` binds (null, zero, full, random, urandom, tty, pts) is writable.
  a.push('--perms', '1777', '--size', size, '--tmpfs', '/dev/shm');
  a.push('--remount-ro', '/dev');
  a.push('--perms', '1777', '--size', size, '--tmpfs', '/tmp');
  a.push('--perms', '1777', '--size', size, '--tmpfs', SANDBOX_WORKDIR);
  for (const f of layout.files) a.push('--ro-bind', f.host, f.sandbox);
  a.push('--remount-ro', '/');
  a.push('--chdir', SANDBOX_WORKDIR);
  a.push('--seccomp', String(layout.seccompFd));
  a.push('--json-status-fd', String(layout.statusFd));
  a.push('--');
  if (layout.mode === 'root-setuid') a.push(...setprivArgs(layout.hostUid, true));
  a.push(...layout.command);
  return a;
}

/**
 * `setpriv` (util-linux) arguments that become `uid`:`uid` with no supplementary groups.
 * With `noNewPrivs`, setuid binaries and file capabilities can no longer raise privileges.
 */
export function setprivArgs(uid: number, noNewPrivs: boolean): string[] {
  return ['/usr/bin/setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', ...(noNewPrivs ? ['--no-new-privs'] : []), '--'];
}

/** Native architectures the seccomp filter knows: audit arch (linux/audit.h) and syscall numbers (asm/unistd*.h). */
const SECCOMP_ARCH: Readonly<Record<string, { audit: number; clone: number; unshare: number; clone3: number; shmget: number; x32: boolean }>> = {
  x64: { audit: 0xc000003e, clone: 56, unshare: 272, clone3: 435, shmget: 29, x32: true },
  arm64: { audit: 0xc00000b7, clone: 220, unshare: 97, clone3: 435, shmget: 194, x32: false },
};

/**
 * The sandbox's classic-BPF seccomp program (`struct sock_filter[]`, 8 bytes each, native byte
 * order: what `bwrap --seccomp FD` reads). It allows everything except:
 * - new user namespaces: `unshare` and `clone` with CLONE_NEWUSER fail with EPERM, and `clone3`
 *   (whose flags sit behind a pointer a filter cannot read) fails with ENOSYS, so glibc and others
 *   fall back to `clone` (what Flatpak does). In `root-setuid` mode there is no user namespace of
 *   bwrap's, so `--disable-userns` cannot be used, and an unprivileged program could otherwise make
 *   a user namespace and hold capabilities over namespaces of its own (issue #17). `user-namespace`
 *   mode gets the filter too, behind `--disable-userns`, so both modes behave the same.
 * - System V shared memory: `shmget` fails with ENOSYS (as on a kernel without SysV IPC). Its
 *   segments outlive detaching, and the IPC namespace's `shmall` is unlimited, so without this a
 *   program held 1 GiB under a 256 MiB memory limit (measured); POSIX shared memory (/dev/shm,
 *   which Python's multiprocessing uses) stays, inside its size cap.
 * - syscalls of any other ABI (i386 via int 0x80, x32) fail with ENOSYS: we run native programs
 *   only, and a foreign ABI would bypass the syscall numbers checked here.
 *
 * @param arch a Node `process.arch` value; default the running one.
 * @throws Error for architectures other than x64 and arm64, naming the supported ones.
 */
export function seccompFilter(arch: string = process.arch): Buffer {
  const a = SECCOMP_ARCH[arch];
  if (!a) throw new Error(`the sandbox's seccomp filter does not know the ${arch} architecture; it supports ${Object.keys(SECCOMP_ARCH).join(', ')}`);
  // linux/filter.h, linux/seccomp.h, linux/sched.h, linux/errno.h
  const LD_W_ABS = 0x20, JEQ = 0x15, JGE = 0x35, JSET = 0x45, RET = 0x06;
  const ALLOW = 0x7fff0000, ERRNO = 0x00050000, EPERM = 1, ENOSYS = 38, CLONE_NEWUSER = 0x10000000;
  // x32 numbers have bit 30 set; other arches never reach 0xffffffff (and -1 is ENOSYS anyway).
  const FOREIGN_NR = a.x32 ? 0x40000000 : 0xffffffff;
  type Op = { code: number; k: number; jt?: string; jf?: string; label?: string };
  // struct seccomp_data: nr at 0, arch at 4, args[0] at 16 (its low 32 bits first on little-endian,
  // and CLONE_NEWUSER is in the low 32 bits). A missing jt/jf means "the next instruction".
  const prog: Op[] = [
    { code: LD_W_ABS, k: 4 },
    { code: JEQ, k: a.audit, jf: 'nosys' },
    { code: LD_W_ABS, k: 0 },
    { code: JGE, k: FOREIGN_NR, jt: 'nosys' },
    { code: JEQ, k: a.clone3, jt: 'nosys' },
    { code: JEQ, k: a.shmget, jt: 'nosys' },
    { code: JEQ, k: a.unshare, jt: 'flags' },
    { code: JEQ, k: a.clone, jf: 'allow' },
    { code: LD_W_ABS, k: 16, label: 'flags' },
    { code: JSET, k: CLONE_NEWUSER, jf: 'allow' },
    { code: RET, k: ERRNO | EPERM },
    { code: RET, k: ALLOW, label: 'allow' },
    { code: RET, k: ERRNO | ENOSYS, label: 'nosys' },
  ];
  // Jump offsets are relative: a jump at index i with offset n lands on i + 1 + n.
  const at = (i: number, label: string | undefined) => (label === undefined ? 0 : prog.findIndex((o) => o.label === label) - i - 1);
  // Both supported arches are little-endian.
  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach((op, i) => {
    buf.writeUInt16LE(op.code, i * 8);
    buf.writeUInt8(at(i, op.jt), i * 8 + 2);
    buf.writeUInt8(at(i, op.jf), i * 8 + 3);
    buf.writeUInt32LE(op.k >>> 0, i * 8 + 4);
  });
  return buf;
}
