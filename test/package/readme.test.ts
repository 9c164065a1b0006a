import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/paths.js';

/**
 * README's plugin section, verbatim, as an outside user gets it: `npm pack` the package, install the
 * tarball into a project outside the repository, write README's plugin files and config there, and
 * run `instructsmith run` from that project's node_modules (its plugins import 'instructsmith').
 */
const root = packageRoot();
const HUMANEVAL = join(root, '..', 'shared', 'data', 'humaneval', 'HumanEval.jsonl.gz');
let project: string;
const env = { ...process.env, CI: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

/** Files README marks with `<!-- file: NAME -->` just before a fenced block. */
function readmeFiles(): Map<string, string> {
  const text = readFileSync(join(root, 'README.md'), 'utf8');
  const files = new Map<string, string>();
  for (const m of text.matchAll(/<!-- file: ([\w.-]+) -->\n```\w*\n([\s\S]*?)\n```/g)) files.set(m[1]!, `${m[2]}\n`);
  return files;
}

function readJsonl(file: string): Array<Record<string, any>> {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'instructsmith-pack-'));
  const out = execFileSync('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: root, env, encoding: 'utf8' });
  const tarball = join(dir, out.trim().split('\n').at(-1)!);
  project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-data', private: true, type: 'module', dependencies: { instructsmith: `file:${tarball}` } }, null, 2));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project, env, stdio: 'pipe' });
  for (const [name, content] of readmeFiles()) writeFileSync(join(project, name), content);
  // Problems in HumanEval's format: six real ones, one whose solution still says TODO, one with a long solution.
  const problems = gunzipSync(readFileSync(HUMANEVAL)).toString('utf8').split('\n').filter(Boolean).slice(0, 6).map((l) => JSON.parse(l));
  problems.push({
    task_id: 'local/todo',
    entry_point: 'clamp',
    prompt: 'def clamp(x, lo, hi):\n    """Return x limited to the range from lo to hi."""\n',
    canonical_solution: '    # TODO: handle lo > hi\n    return max(lo, min(x, hi))\n',
  });
  problems.push({
    task_id: 'local/long',
    entry_point: 'describe_numbers',
    prompt: 'def describe_numbers(xs):\n    """Return a report naming the minimum, maximum and mean of a list of numbers."""\n',
    canonical_solution: `    lines = []\n${Array.from({ length: 30 }, (_, i) => `    lines.append("line ${i}: " + str(len(xs)))\n`).join('')}    return "\\n".join(lines)\n`,
  });
  writeFileSync(join(project, 'problems.jsonl'), problems.map((p) => JSON.stringify(p)).join('\n') + '\n');
}, 300_000);

afterAll(() => undefined);

describe("README's plugins, from a project outside the repository, against the packed package", () => {
  it('README holds the three plugins and the config', () => {
    expect([...readmeFiles().keys()].sort()).toEqual(['analyzer-todo.js', 'instructsmith.config.yaml', 'judge-length.js', 'strategy-docstring.js']);
    expect(readdirSync(join(project, 'node_modules', 'instructsmith', 'dist', 'core'))).toContain('index.js');
  });

  it('`instructsmith run` applies them: the strategy writes, the analyzer and the judge drop, the rest is kept', () => {
    const res = spawnSync(process.execPath, [join(project, 'node_modules', 'instructsmith', 'bin', 'instructsmith.js'), 'run', '--seeds', 'problems.jsonl', '--model', 'mock:scripted', '--out', 'runs/my-plugins'], {
      cwd: project,
      env,
      encoding: 'utf8',
    });
    expect(res.stderr + res.stdout).not.toMatch(/failed to start|cannot load plugin/);
    expect(res.status).toBe(0);
    const run = join(project, 'runs', 'my-plugins');
    const kept = readJsonl(join(run, 'samples.jsonl'));
    const rejected = readJsonl(join(run, 'rejected.jsonl'));
    expect(kept.length).toBeGreaterThanOrEqual(4);
    for (const r of [...kept, ...rejected]) expect(r.lineage.strategy).toBe('strategy:docstring');
    const todo = rejected.find((r) => r.lineage.seedId && r.dropped.plugin === 'analyzer:todo');
    expect(todo?.dropped).toMatchObject({ stage: 'verified', category: 'python: TODO' });
    expect(todo!.messages[0].content).toContain('clamp');
    const long = rejected.find((r) => r.dropped.plugin === 'judge:length');
    expect(long?.dropped).toMatchObject({ stage: 'verified', category: 'too_long' });
    expect(long!.dropped.reason).toMatch(/^response has \d+ characters \(at most 1200\)$/);
    for (const r of kept) expect(r.messages.at(-1).content.length).toBeLessThanOrEqual(1200);
    expect(readdirSync(join(run, 'export', 'messages'))).toContain('train.jsonl');
  });

  it("README's PluginTester example passes against the packed instructsmith/testing", () => {
    const text = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /```js\n(import \{ PluginTester \} from 'instructsmith\/testing';[\s\S]*?)\n```/.exec(text)?.[1];
    expect(example).toBeDefined();
    writeFileSync(join(project, 'tester-example.js'), `${example}\nconsole.log('tester example passed');\n`);
    const res = spawnSync(process.execPath, ['tester-example.js'], { cwd: project, env, encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('tester example passed');
  });
});
