/**
 * Analyzer cost in the main job (issue #15): the infinite-instruct preset over HumanEval's functions
 * (`SCALE_SEEDS`, default 164) with analyzer:python on, the scripted model behind the HTTP test double
 * at 200 ms latency, `llm.concurrency: 64`, once per gate dispatch policy, back to back in this
 * process. Per policy: pylint processes (the gate's analyzer calls, from run.json's verify section),
 * mean files per process, CPU per verified sample (children: reaped ones from /proc/self/stat cutime +
 * cstime, live ones, such as the pylint servers, from their own /proc stat, see cpu.ts; i.e. pylint; and the whole job: that plus process.cpuUsage(), which includes the double and
 * the scripted model living in this process), wall, and the endpoint utilisation the run reached.
 * The reference is the batched figure: pylint once over the same verified samples in one process
 * (`pylintSpec` of analyzer:python with `server: false`, through `runBatched`); ratios are the
 * run's CPU per sample over the reference's CPU per file. `SCALE_POLICIES` picks some of
 * `timer,slot,fill`, run in that order.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { cpuSeconds } from './cpu.js';
import { join } from 'node:path';
import type { ConfigInput } from '../../../core/config/schema.js';
import type { CodeSample, SampleRecord } from '../../../core/index.js';
import { runBatched } from '../../../core/verify/batch.js';
import { codeSamples, type VerifyPolicyInput, type VerifyStats } from '../../../core/verify/gate.js';
import { pylintSpec, pythonOptions } from '../../../plugins/analyzers/python.js';
import { scriptedModel } from '../../../plugins/providers/mock/scripted.js';
import { startLlmDouble } from '../../double/index.js';
import { HUMANEVAL, readJsonl, runPreset, tempDir } from '../../e2e/helpers.js';

const LATENCY_MS = 200;
const CALL_SLOTS = 64;

const POLICIES: Array<[name: string, label: string, policy: VerifyPolicyInput]> = [
  ['timer', 'timer: sealed 25 ms after the first sample, batches of <= 64 (before #15)', { dispatch: 'timer', maxWaitMs: 25, batchSize: 64 }],
  ['slot', 'slot: whatever waits leaves when a slot frees (<= 128)', { dispatch: 'slot' }],
  ['fill', 'fill: the default (<= 128, quiet 500 ms, oldest <= 10 s)', {}],
];

/** The python code blocks the gate checked in a run directory (kept and rejected records with a python check). */
function verifiedPython(runDir: string): CodeSample[] {
  const records = [...readJsonl<SampleRecord>(join(runDir, 'samples.jsonl')), ...readJsonl<SampleRecord>(join(runDir, 'rejected.jsonl'))];
  return records.filter((r) => r.checks.some((c) => c.language === 'python' && !c.skipped)).flatMap((r) => codeSamples(r).filter((s) => s.language === 'python'));
}

/** Returns, per policy run, pylint CPU per verified sample over the batched figure, and files per process. */
export async function analyzerCost(log: (line: string) => void): Promise<Array<{ policy: string; vsBatched: number; filesPerProcess: number }>> {
  const seeds = Number(process.env.SCALE_SEEDS ?? 164);
  const wanted = (process.env.SCALE_POLICIES ?? 'timer,slot,fill').split(',');
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  log(`analyzer cost: infinite-instruct, ${seeds} HumanEval seeds, ${LATENCY_MS} ms double, llm.concurrency ${CALL_SLOTS}; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const rows: Array<{ name: string; label: string; calls: number; files: number; maxBatch: number; childCpu: number; totalCpu: number; wall: number; utilisation: number; kept: number; waitMs: number }> = [];
  let samples: CodeSample[] = [];
  for (const [name, label, policy] of wanted.flatMap((w) => POLICIES.filter((p) => p[0] === w))) {
    const double = await startLlmDouble({ latencyMs: LATENCY_MS });
    double.reply(scriptedModel({ humanEvalPath: HUMANEVAL }));
    try {
      const out = join(tempDir('scale-analyzers'), 'run');
      const overrides: ConfigInput = { model: 'openai:scripted-coder', baseUrl: double.url, out, limit: seeds, concurrency: CALL_SLOTS, llm: { concurrency: CALL_SLOTS }, verify: policy };
      const cpu0 = cpuSeconds(ticks);
      const started = performance.now();
      const result = await runPreset({ preset: 'infinite-instruct', seeds: HUMANEVAL, ...overrides });
      const wall = (performance.now() - started) / 1000;
      const cpu1 = cpuSeconds(ticks);
      const verify = (JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { verify: VerifyStats }).verify;
      const py = verify.analyzers.python;
      if (!py) throw new Error(`${name}: run.json has no python analyzer calls; is analyzer:python on?`);
      samples = verifiedPython(out);
      const childCpu = cpu1.children - cpu0.children;
      const utilisation = (double.chatRequests().length * (LATENCY_MS / 1000)) / (wall * CALL_SLOTS);
      rows.push({ name, label, calls: py.calls, files: py.samples, maxBatch: py.maxBatch, childCpu, totalCpu: childCpu + cpu1.self - cpu0.self, wall, utilisation, kept: result.funnel.kept, waitMs: py.meanWaitMs });
    } finally {
      await double.close();
    }
  }
  if (rows.length === 0) return [];

  // The batched reference: the verified samples of the last run, one pylint process.
  let processes = 0;
  const ref0 = cpuSeconds(ticks);
  const refStarted = performance.now();
  // One CLI process (server: false): the bench's batched figure, and its CPU is a reaped child's.
  await runBatched(samples, pylintSpec(pythonOptions.parse({ server: false })), { onProcess: () => processes++ });
  const refWall = (performance.now() - refStarted) / 1000;
  const perFile = (cpuSeconds(ticks).children - ref0.children) / samples.length;
  log(`reference: pylint over the ${samples.length} verified samples in ${processes} process: ${(perFile * 1000).toFixed(1)} ms CPU per file, ${refWall.toFixed(1)} s wall`);
  for (const r of rows) {
    const child = r.childCpu / r.files;
    const total = r.totalCpu / r.files;
    log(
      `${r.label}\n  ${r.calls} pylint processes, ${(r.files / r.calls).toFixed(1)} files per process (max ${r.maxBatch}), mean wait ${(r.waitMs / 1000).toFixed(2)} s; ` +
        `pylint CPU ${r.childCpu.toFixed(1)} s = ${(child * 1000).toFixed(1)} ms per verified sample = ${(child / perFile).toFixed(2)}x batched; ` +
        `whole job ${r.totalCpu.toFixed(1)} s = ${(total * 1000).toFixed(1)} ms per sample = ${(total / perFile).toFixed(2)}x; ` +
        `wall ${r.wall.toFixed(1)} s, utilisation ${r.utilisation.toFixed(3)}, kept ${r.kept}`,
    );
  }
  const before = rows.find((r) => r.name === 'timer');
  for (const r of rows) {
    if (before && r !== before) log(`${r.name} / timer: pylint CPU per sample ${(r.childCpu / r.files / (before.childCpu / before.files)).toFixed(2)}x, whole-job CPU per sample ${(r.totalCpu / r.files / (before.totalCpu / before.files)).toFixed(2)}x, wall ${(r.wall / before.wall).toFixed(2)}x`);
  }
  log(`load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  return rows.map((r) => ({ policy: r.name, vsBatched: r.childCpu / r.files / perFile, filesPerProcess: r.files / r.calls }));
}
