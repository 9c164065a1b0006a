/**
 * Summarise a V8 .cpuprofile (from `node --cpu-prof`, or the inspector's Profiler as overhead.ts's
 * runs can be wrapped): time by function (self), by file (self), and by the innermost project module
 * on the stack (core/x or plugins/x; samples with none are charged to their library or native frame).
 * Samples are wall time on the main thread: on a loaded machine they include time the thread was
 * descheduled, so read shares, and confirm a cut with process CPU (overhead.ts) before trusting it.
 *
 *   node --import tsx test/bench/scale/cpuprofile-summary.ts FILE.cpuprofile [ROWS]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: cpuprofile-summary.ts FILE.cpuprofile [ROWS]');
  process.exit(2);
}
const rows = Number(rowsArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const short = (url: string) => url.replace(/^file:\/\//, '').replace(/^.*?\/(core|plugins|test|node_modules)\//, '$1/');
const isProject = (url: string) => /\/(core|plugins)\//.test(url) && !url.includes('node_modules');

function table(title: string, keyOf: (id: number) => string): void {
  const sums = new Map<string, number>();
  for (const [id, us] of self) sums.set(keyOf(id), (sums.get(keyOf(id)) ?? 0) + us);
  console.log(`\n## ${title}`);
  for (const [k, us] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
}

console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
table('self time by function', (id) => {
  const f = byId.get(id)!.callFrame;
  return `${f.functionName || '(anonymous)'} ${short(f.url)}`;
});
table('self time by file', (id) => short(byId.get(id)!.callFrame.url) || byId.get(id)!.callFrame.functionName);
table('by innermost project module', (id) => {
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const url = byId.get(cur)!.callFrame.url;
    if (isProject(url)) return short(url).replace(/\.ts$/, '');
  }
  const f = byId.get(id)!.callFrame;
  return `(no project frame) ${short(f.url) || f.functionName}`;
});
