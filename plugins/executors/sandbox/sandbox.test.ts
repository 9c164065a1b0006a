import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, definePlugin, z, type PluginContext } from '../../../core/index.js';
import { createHarness } from '../../../core/testing/index.js';
import { SandboxUnavailableError } from './bubblewrap.js';
import plugin, { createSandboxExecutor } from './index.js';

const LIMITS = { cpuSeconds: 5, wallSeconds: 20, memoryBytes: 256 * 1024 * 1024, outputBytes: 64 * 1024 };

describe('executor:sandbox', { timeout: 60_000 }, () => {
  const ex = createSandboxExecutor({ concurrency: 2, limits: LIMITS });

  it('runs every installed runtime with stdin and arguments', async () => {
    const programs: Record<string, string> = {
      python: 'import sys\nprint(sys.stdin.read().upper(), sys.argv[1:])',
      javascript: 'const s = require("fs").readFileSync(0, "utf8"); console.log(s.toUpperCase(), JSON.stringify(process.argv.slice(2)))',
      c: '#include <stdio.h>\n#include <ctype.h>\nint main(int n, char**v){int c; while((c=getchar())!=EOF) putchar(toupper(c)); printf(" %s\\n", v[1]); return 0;}',
      cpp: '#include <iostream>\n#include <string>\nint main(int n, char**v){std::string s; std::getline(std::cin, s); for(auto&c:s) c=toupper(c); std::cout << s << " " << v[1] << "\\n";}',
      java: 'public class Main { public static void main(String[] a) throws Exception { String s = new String(System.in.readAllBytes()); System.out.println(s.toUpperCase() + " " + a[0]); } }',
    };
    const langs = ex.languages.filter((l) => l in programs);
    expect(langs).toEqual(expect.arrayContaining(['python', 'javascript']));
    const results = await Promise.all(langs.map((language) => ex.execute({ language, code: programs[language]!, stdin: 'abc', args: ['x1'] })));
    for (const [i, r] of results.entries()) {
      expect({ language: langs[i], verdict: r.verdict, stderr: r.stderr }).toEqual({ language: langs[i], verdict: 'ok', stderr: '' });
      expect(r.stdout).toMatch(/^ABC.*x1/);
      expect(r.isolation).toBe('bwrap');
    }
  });

  it('reports a compile error as an error with the compiler output', async () => {
    if (!ex.languages.includes('c')) return;
    const r = await ex.execute({ language: 'c', code: 'int main( { return 0; }' });
    expect(r.verdict).toBe('error');
    expect(r.stderr).toMatch(/^compile error:\n[\s\S]*main\.c/);
  });

  it('places extra files next to the program, read-only', async () => {
    const r = await ex.execute({
      language: 'python',
      code: 'import helper\nprint(helper.X)\ntry:\n    open("helper.py", "a")\nexcept OSError:\n    print(\"read-only\")',
      files: [{ path: 'helper.py', content: 'X = 42\n' }],
    });
    expect(r.stdout).toBe('42\nread-only\n');
  });

  it('refuses bad requests with the reason instead of running them', async () => {
    expect(await ex.execute({ language: 'python', code: '', files: [{ path: '../x', content: '' }] })).toMatchObject({ verdict: 'refused', message: expect.stringMatching(/file path "..\/x" is not allowed/) });
    expect(await ex.execute({ language: 'python', code: '', limits: { wallSeconds: 1000 } })).toMatchObject({ verdict: 'refused', message: expect.stringMatching(/limits.wallSeconds is 1000; this executor allows at most 80/) });
    expect(await ex.execute({ language: 'cobol', code: '' })).toMatchObject({ verdict: 'refused', message: expect.stringMatching(/does not run cobol; it runs .*python/) });
  });

  it('refuses to run anything when bwrap is missing, naming the package', async () => {
    // A bwrap path that does not exist stands for a machine without bubblewrap.
    const noBwrap = createSandboxExecutorWithBwrap('/nonexistent/bwrap');
    await expect(noBwrap.execute({ language: 'python', code: 'print(1)' })).rejects.toThrow(SandboxUnavailableError);
    await expect(noBwrap.status()).rejects.toMatchObject({ hint: expect.stringContaining('apt-get install bubblewrap') });
  });

  it('runs unsandboxed only with the explicit opt-in, and warns loudly', async () => {
    const warnings: string[] = [];
    const unsafe = createSandboxExecutorWithBwrap('/nonexistent/bwrap', true, (m) => warnings.push(m));
    const r = await unsafe.execute({ language: 'python', code: 'import os\nprint(os.environ.get("HOME"), "ok")' });
    expect(r).toMatchObject({ verdict: 'ok', isolation: 'none' });
    expect(warnings.join('\n')).toMatch(/WITHOUT A SANDBOX/);
  });

  // As root, user-namespace mode runs bwrap as an unprivileged slot uid, which must reach the job's
  // files under the temp folder: a private TMPDIR (mode 0700) is found by the probe and named.
  it.skipIf(process.getuid?.() !== 0)('names a temp folder the sandbox uid cannot reach; auto mode then isolates as root-setuid', async () => {
    const previous = process.env.TMPDIR;
    const closed = mkdtempSync(join(tmpdir(), 'private-tmp-'));
    chmodSync(closed, 0o700);
    process.env.TMPDIR = closed;
    try {
      const userns = createSandboxExecutor({ limits: LIMITS, isolation: 'user-namespace' });
      await expect(userns.status()).rejects.toMatchObject({
        code: 'SANDBOX_UNAVAILABLE',
        message: expect.stringContaining(`cannot reach the temp folder ${closed}, where each job's files are written (${closed} has mode 0700; set TMPDIR`),
        hint: expect.stringMatching(/^set TMPDIR to a folder every user may traverse/),
      });
      const auto = createSandboxExecutor({ limits: LIMITS });
      expect(await auto.execute({ language: 'python', code: 'print("reached")' })).toMatchObject({ verdict: 'ok', stdout: 'reached\n', isolation: 'bwrap' });
      expect((await auto.status()).mode).toBe('root-setuid');
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
  });

  it('taps hooks.execute per language; asking for an unhandled language lists the handled ones', async () => {
    const logs: string[] = [];
    const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), debug: () => undefined };
    // A second plugin's context: what a strategy that runs code sees of the executor.
    let other: PluginContext | undefined;
    const probe = definePlugin({ name: 'test:probe', description: 'captures its context', options: z.object({}).strict(), apply: (ctx) => void (other = ctx) });
    const h = await createHarness([[plugin, { languages: ['python', 'javascript'], concurrency: 1, limits: LIMITS }], probe], { log });
    expect(other!.executableLanguages()).toEqual(['javascript', 'python']);
    expect((await other!.execute({ language: 'python', code: 'print(6*7)' })).stdout).toBe('42\n');
    await expect(other!.execute({ language: 'rust', code: '' })).rejects.toThrow(ConfigError);
    await expect(other!.execute({ language: 'rust', code: '' })).rejects.toThrow(/no executor runs rust code \(languages with an executor: javascript, python\)/);
    await h.hooks.runStart.promise({ runDir: h.runDir, dryRun: false });
    expect(logs.join('\n')).toMatch(/bubblewrap \((user-namespace|root-setuid)\)/);
  });
});

function createSandboxExecutorWithBwrap(bwrapPath: string, allowUnsandboxed = false, warn?: (m: string) => void) {
  return createSandboxExecutor({ limits: LIMITS, allowUnsandboxed, bwrapPath }, warn);
}
