/**
 * seed:pool (Infinity-Instruct issue #13): rows/s and peak RSS reading a synthetic 1,000,000-row pool,
 * as JSONL and as Parquet (Snappy, 50,000-row groups), with the default `onMalformed: error` (pre-scan,
 * then the read) and with `skip` (one pass), then `skip` again with the V8 heap capped (finishing shows
 * memory does not grow with the pool). Each read runs in a child process so its peak RSS is the
 * reader's alone. Measures only.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileWriter, parquetWriteRows } from 'hyparquet-writer';
import { mulberry32, packageRoot } from '../../core/index.js';
import { baseText } from './dedup-synthetic.js';

/** Rows per pool; POOL_BENCH_ROWS overrides it for a quick look. */
const ROWS = Number(process.env.POOL_BENCH_ROWS ?? 1_000_000);

/** Row `i` of the synthetic pool: a two- or four-turn conversation, some with a fenced code block, plus two fields for meta. */
function row(i: number, rng: () => number): { messages: { role: string; content: string }[]; source: string; score: number } {
  const words = (n: number) => baseText(Math.floor(rng() * 1e9)).slice(0, n).join(' ');
  const messages = [
    { role: 'user', content: `${words(12)}?` },
    { role: 'assistant', content: i % 3 === 0 ? `${words(10)}\n\`\`\`python\ndef f${i}(x):\n    return x + ${i}\n\`\`\`` : words(30) },
  ];
  if (i % 4 === 0) messages.push({ role: 'user', content: words(8) }, { role: 'assistant', content: words(20) });
  return { messages, source: `set-${i % 7}`, score: i % 100 };
}

async function writeJsonlPool(path: string): Promise<void> {
  const out = createWriteStream(path);
  const rng = mulberry32(13);
  for (let i = 0; i < ROWS; i++) {
    if (!out.write(JSON.stringify(row(i, rng)) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function writeParquetPool(path: string): Promise<void> {
  const rng = mulberry32(13);
  function* rows() {
    for (let i = 0; i < ROWS; i++) yield row(i, rng);
  }
  await parquetWriteRows({
    writer: fileWriter(path),
    rows: rows(),
    columns: [{ name: 'messages' }, { name: 'source' }, { name: 'score' }],
    rowGroupSize: 50_000,
    schema: [
      { name: 'root', num_children: 3 },
      { name: 'messages', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'role', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'content', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'source', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'score', type: 'INT32', repetition_type: 'OPTIONAL' },
    ],
  });
}

/** Heap cap (MB) of the last read of each pool: it finishing shows the reader's memory does not grow with the pool. Our choice. */
const CAPPED_HEAP_MB = 256;

function read(path: string, onMalformed: string, heapMb?: number): { seeds: number; seconds: number; perSecond: number; peakRssMb: number } {
  const flags = heapMb ? [`--max-old-space-size=${heapMb}`] : [];
  const out = execFileSync(process.execPath, [...flags, '--import', 'tsx', join(packageRoot(), 'test/bench/pool-read-worker.ts'), path, onMalformed], { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { seeds: number; seconds: number; perSecond: number; peakRssMb: number };
}

export default async function bench(log: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pool-bench-'));
  try {
    const pools: [string, string, () => Promise<void>][] = [
      ['JSONL', join(dir, 'pool.jsonl'), () => writeJsonlPool(join(dir, 'pool.jsonl'))],
      ['Parquet', join(dir, 'pool.parquet'), () => writeParquetPool(join(dir, 'pool.parquet'))],
    ];
    for (const [name, path, write] of pools) {
      const t0 = performance.now();
      await write();
      const mb = statSync(path).size / 2 ** 20;
      log(`${name} pool: ${ROWS.toLocaleString('en')} rows, ${mb.toFixed(0)} MB, written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      for (const [mode, heapMb] of [['error'], ['skip'], ['skip', CAPPED_HEAP_MB]] as [string, number?][]) {
        const what = `onMalformed: ${mode}${mode === 'error' ? ', with pre-scan' : ''}${heapMb ? `, V8 heap capped at ${heapMb} MB` : ''}`;
        try {
          const r = read(path, mode, heapMb);
          log(`  read (${what}): ${r.seeds.toLocaleString('en')} seeds in ${r.seconds.toFixed(1)} s = ${Math.round(r.perSecond).toLocaleString('en')} rows/s, peak RSS ${r.peakRssMb.toFixed(0)} MB`);
        } catch (err) {
          log(`  read (${what}): failed (${String((err as { stderr?: string }).stderr ?? err).split('\n').find((l) => /heap|memory/i.test(l)) ?? 'see stderr'})`);
        }
      }
      rmSync(path);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
