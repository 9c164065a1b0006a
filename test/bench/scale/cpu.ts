import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds of this process and its children (Linux /proc): a child's time reaches this process's
 * cutime/cstime only once it has exited and been reaped, so long-lived children (analyzer servers)
 * are read from their own /proc/<pid>/stat while they live. Read before and after; the difference is
 * what the work between cost.
 */
export function cpuSeconds(ticksPerSecond: number): { self: number; children: number } {
  const fields = statFields('/proc/self/stat');
  const usage = process.cpuUsage();
  return { self: (usage.user + usage.system) / 1e6, children: (Number(fields[13]) + Number(fields[14])) / ticksPerSecond + liveChildrenSeconds(ticksPerSecond) };
}

/** CPU seconds of this process and of its reaped children only (/proc/self/stat utime + stime + cutime + cstime). */
export function selfAndReapedSeconds(ticksPerSecond: number): number {
  const fields = statFields('/proc/self/stat');
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / ticksPerSecond;
}

/** CPU seconds used so far by this process's live (or not yet reaped) children. */
export function liveChildrenSeconds(ticksPerSecond: number): number {
  let sum = 0;
  for (const task of readdirSync('/proc/self/task')) {
    for (const pid of readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
      try {
        const fields = statFields(`/proc/${pid}/stat`);
        sum += (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
      } catch {
        // exited and reaped meanwhile: its time is in cutime now
      }
    }
  }
  return sum;
}

/** The fields of a /proc stat line from field 3 (state) on: utime is index 11, cutime 13. */
function statFields(file: string): string[] {
  const stat = readFileSync(file, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
