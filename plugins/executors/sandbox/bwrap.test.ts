import { describe, expect, it } from 'vitest';
import { bwrapArgs, seccompFilter, type BwrapLayout } from './bwrap.js';

const layout: BwrapLayout = {
  mode: 'user-namespace',
  hostUid: 1_500_000_001,
  roBinds: ['/definitely/missing/path'],
  files: [{ host: '/tmp/x/main.py', sandbox: '/work/main.py' }],
  diskBytes: 1024,
  env: { PATH: '/usr/bin', HOME: '/work' },
  command: ['/usr/bin/prlimit', '--nproc=4', '--', '/usr/bin/python3', 'main.py'],
  statusFd: 3,
  seccompFd: 4,
};

function pairs(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

describe('bwrapArgs', () => {
  it('unshares every namespace and ties the sandbox to our lifetime', () => {
    const a = bwrapArgs(layout);
    for (const f of ['--unshare-user', '--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--die-with-parent', '--new-session', '--clearenv', '--disable-userns']) {
      expect(a).toContain(f);
    }
  });
  it('passes only the given environment', () => {
    const a = bwrapArgs(layout);
    const set = a.flatMap((x, i) => (x === '--setenv' ? [`${a[i + 1]}=${a[i + 2]}`] : []));
    expect(set).toEqual(['PATH=/usr/bin', 'HOME=/work']);
  });
  it('binds the system read-only, skips missing paths, and makes only size-limited tmpfs writable', () => {
    const a = bwrapArgs(layout);
    expect(pairs(a, '--ro-bind')).toContain('/usr');
    expect(a).not.toContain('/definitely/missing/path');
    expect(a).not.toContain('--bind');
    expect(pairs(a, '--tmpfs')).toEqual(['/dev/shm', '/tmp', '/work']);
    expect(pairs(a, '--size')).toEqual(['1024', '1024', '1024']);
    expect(pairs(a, '--remount-ro')).toEqual(['/dev', '/']);
    // /dev/shm is mounted before /dev turns read-only, or bwrap could not create its mount point.
    expect(a.indexOf('/dev/shm')).toBeLessThan(a.indexOf('--remount-ro'));
    const i = a.indexOf('/tmp/x/main.py');
    expect(a.slice(i - 1, i + 2)).toEqual(['--ro-bind', '/tmp/x/main.py', '/work/main.py']);
  });
  it('loads the seccomp filter from the given fd, in both modes', () => {
    expect(pairs(bwrapArgs(layout), '--seccomp')).toEqual(['4']);
    expect(pairs(bwrapArgs({ ...layout, mode: 'root-setuid' }), '--seccomp')).toEqual(['4']);
  });
  it('builds the filter for the architectures it knows and names them for others', () => {
    for (const arch of ['x64', 'arm64']) expect(seccompFilter(arch).length % 8).toBe(0);
    expect(seccompFilter('x64').equals(seccompFilter('arm64'))).toBe(false);
    expect(() => seccompFilter('riscv64')).toThrow(/does not know the riscv64 architecture; it supports x64, arm64/);
  });
  it('ends with the command after --', () => {
    const a = bwrapArgs(layout);
    expect(a.slice(a.indexOf('--') + 1)).toEqual(layout.command);
  });
  it('in root-setuid mode keeps only the setuid capabilities and drops to the slot uid before the command', () => {
    const a = bwrapArgs({ ...layout, mode: 'root-setuid' });
    expect(a).not.toContain('--unshare-user');
    expect(pairs(a, '--cap-add')).toEqual(['CAP_SETUID', 'CAP_SETGID']);
    const tail = a.slice(a.indexOf('--') + 1);
    expect(tail.slice(0, 6)).toEqual(['/usr/bin/setpriv', '--reuid=1500000001', '--regid=1500000001', '--clear-groups', '--no-new-privs', '--']);
    expect(tail.slice(6)).toEqual(layout.command);
  });
});
