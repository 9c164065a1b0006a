/**
 * Data-quality gates (issue #11). Dedup: throughput and peak RSS at 100,000 and 1,000,000 synthetic
 * samples with planted exact and near-duplicates (each size in its own process, so RSS is the
 * index's); recall and precision of the MinHash/LSH candidate stage and of the MinHash estimate
 * against exact Jaccard on 10,000 pairs. Measures only; never fails on a threshold.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { mulberry32, packageRoot } from '../../core/index.js';
import { exactJaccard, MinHasher } from '../../plugins/filters/dedup/minhash.js';
import { dedupOptions } from '../../plugins/filters/dedup/options.js';
import { baseText, edit } from './dedup-synthetic.js';

export default async function bench(log: (line: string) => void): Promise<void> {
  for (const n of [100_000, 1_000_000]) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(packageRoot(), 'test/bench/dedup-worker.ts'), String(n)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>;
    log(
      `dedup ${n.toLocaleString('en')} samples: ${Math.round(r.perSecond!).toLocaleString('en')} samples/s (${r.seconds!.toFixed(1)} s), peak RSS ${Math.round(r.peakRssMb!)} MB, index ${Math.round(r.indexMb!)} MB; ` +
        `kept ${r.kept}, dropped exact ${r.exact} / near ${r.near}; caught planted exact copies ${r.exactCaught}/${r.plantedExact} (the rest copy a dropped sample and count as near), near-duplicates ${r.nearCaught}/${r.plantedNear}; unplanted samples dropped ${r.unplanted}`,
    );
  }
  pairs(log);
}

// 10,000 pairs: a base text and an edit of it with 0-12 words replaced (similarities spread over 0-1).
function pairs(log: (line: string) => void): void {
  const o = dedupOptions.parse({});
  const rows = o.numPerm / o.bands;
  const h = new MinHasher(o.numPerm, o.shingle);
  const rng = mulberry32(11);
  const t = { pos: 0, cand: 0, candPos: 0, est: 0, estPos: 0, absErr: 0 };
  for (let i = 0; i < 10_000; i++) {
    const a = baseText(10_000_000 + i);
    const b = edit(a, Math.floor(rng() * 13), i);
    const sa = h.shingles(a.join(' '));
    const sb = h.shingles(b.join(' '));
    const j = exactJaccard(sa, sb);
    const ga = h.signature(sa);
    const gb = h.signature(sb);
    let eq = 0;
    for (let k = 0; k < o.numPerm; k++) if (ga[k] === gb[k]) eq += 1;
    const est = eq / o.numPerm;
    let cand = false;
    for (let b0 = 0; b0 < o.bands && !cand; b0++) {
      let same = true;
      for (let k = b0 * rows; k < (b0 + 1) * rows && same; k++) same = ga[k] === gb[k];
      cand = same;
    }
    const pos = j >= o.threshold;
    t.pos += +pos;
    t.cand += +cand;
    t.candPos += +(cand && pos);
    t.est += +(est >= o.threshold);
    t.estPos += +(est >= o.threshold && pos);
    t.absErr += Math.abs(est - j);
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  log(`MinHash vs exact Jaccard, 10,000 pairs (${t.pos} at J ≥ ${o.threshold}; ${o.numPerm} permutations, ${o.bands}×${rows} bands, ${o.shingle}-word shingles):`);
  log(`  LSH candidates: recall ${pct(t.candPos / t.pos)}, precision ${pct(t.candPos / t.cand)} (candidates are then verified exactly, so the filter's precision is 100% and its recall the candidates' recall)`);
  log(`  MinHash estimate ≥ ${o.threshold}: recall ${pct(t.estPos / t.pos)}, precision ${pct(t.estPos / t.est)}; mean |estimate − exact| ${(t.absErr / 10_000).toFixed(3)}`);
}
