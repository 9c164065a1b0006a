/**
 * Export preparation (core/export/prepare.ts): tokenizing and masking N samples (EXPORT_BENCH_SAMPLES,
 * default 20,000) with the built-in Qwen2.5 tokenizer, in the export's own thread (a tokenizer without
 * a `recipe`) against helper processes on the machine's cores (the default for exports of at least
 * 2,000 untokenized samples). Samples: 30-line windows of this machine's Python standard library as
 * the answers, so lengths are those of real code. Prints samples per second and the ratio; the two
 * exports' train files must be identical.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ExportContext, SampleRecord } from '../../core/index.js';
import { exportSettingsSchema, prepareDataset, releasePrepared } from '../../core/export/prepare.js';
import { readRecords } from '../../core/runner/store.js';
import { loadChatTokenizer } from '../../training/tokenizer.js';
import { tempDir } from '../e2e/helpers.js';

function pythonFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name === 'test' || name === 'tests' || name === 'site-packages') continue;
    const s = statSync(path);
    if (s.isDirectory()) pythonFiles(path, out);
    else if (name.endsWith('.py') && s.size > 2_000) out.push(path);
  }
  return out;
}

function samples(n: number): string[] {
  const stdlib = execFileSync('python3', ['-c', 'import sysconfig;print(sysconfig.get_path("stdlib"))'], { encoding: 'utf8' }).trim();
  const rows: string[] = [];
  for (const file of pythonFiles(stdlib)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let at = 0; at + 30 <= lines.length && rows.length < n; at += 30) {
      const code = lines.slice(at, at + 30).join('\n');
      if (code.trim().length < 200 || /^\s*[\r\n]/.test(code)) continue;
      const record: Partial<SampleRecord> = {
        id: `bench-${rows.length}`,
        language: 'python',
        messages: [
          { role: 'user', content: `Write the Python code at lines ${at + 1}-${at + 30} of ${file.slice(stdlib.length + 1)}.` },
          { role: 'assistant', content: `\`\`\`python\n${code}\n\`\`\`` },
        ],
        meta: {},
      };
      rows.push(JSON.stringify(record));
    }
    if (rows.length >= n) break;
  }
  return rows;
}

export default async function exportBench(log: (line: string) => void): Promise<void> {
  const n = Number(process.env.EXPORT_BENCH_SAMPLES ?? 20_000);
  const runDir = tempDir('bench-export');
  const rows = samples(n);
  writeFileSync(join(runDir, 'samples.jsonl'), `${rows.join('\n')}\n`);
  const tok = loadChatTokenizer('qwen2.5');
  const settings = exportSettingsSchema.parse({});
  const results: Array<{ label: string; seconds: number; train: string; tokenizedBy: unknown }> = [];
  for (const [label, tokenizer] of [
    ['in the export thread', { ...tok, addedTokens: tok.addedTokens, recipe: undefined }],
    [`helper processes (${Math.min(availableParallelism(), 8)})`, tok],
  ] as const) {
    const outDir = join(runDir, `out-${results.length}`);
    mkdirSync(outDir);
    const ctx: ExportContext = { runDir, outDir, samples: () => readRecords(join(runDir, 'samples.jsonl')), run: {}, written: [], tokenizer: () => tokenizer };
    const started = performance.now();
    const prepared = await prepareDataset(ctx, settings);
    let train = '';
    for await (const row of prepared.split('train')) train += `${row.id} ${row.input_ids.length} ${row.labels.join(',')}\n`;
    const seconds = (performance.now() - started) / 1000;
    releasePrepared(ctx);
    results.push({ label, seconds, train, tokenizedBy: prepared.report.tokenizedBy });
    log(`${label}: ${prepared.report.exported} of ${rows.length} samples prepared in ${seconds.toFixed(1)} s = ${(prepared.report.exported / seconds).toFixed(0)} samples/s (tokenized by ${JSON.stringify(prepared.report.tokenizedBy)}; ${prepared.report.tokens.train.mean.toFixed(0)} tokens mean)`);
  }
  const [inline, helpers] = results;
  log(`helpers vs export thread: ${(inline!.seconds / helpers!.seconds).toFixed(2)}x on ${availableParallelism()} cores; train files ${inline!.train === helpers!.train ? 'identical' : 'DIFFER'}`);
}
