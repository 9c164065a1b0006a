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
 * files the dynamic linker needs, fresh /proc and minimal /dev, size-limited tmpfs at /work and /tmp
 * as the only writable places, `--clearenv` plus `env`, `--die-with-parent` (the pid namespace's
 * init dies with us, and the kernel kills everything in the namespace with it) and `--new-session`
 * (no TIOCSTI into our terminal).
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
  a.push('--perms', '1777', '--size', size, '--tmpfs', '/tmp');
  a.push('--perms', '1777', '--size', size, '--tmpfs', SANDBOX_WORKDIR);
  for (const f of layout.files) a.push('--ro-bind', f.host, f.sandbox);
  a.push('--remount-ro', '/');
  a.push('--chdir', SANDBOX_WORKDIR);
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
