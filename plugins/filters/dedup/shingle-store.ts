import { closeSync, mkdirSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCapacity } from './tables.js';

/**
 * The sorted shingle hashes of every kept sample, on disk, so that a near-duplicate candidate is
 * verified by its exact Jaccard similarity while memory holds only 12 bytes per sample (offset and
 * length). The file is unlinked as soon as it is opened: it lives as long as the process holds it
 * and never outlives a crash. It is opened at the first sample, so a run that filters nothing (a dry
 * run) writes nothing.
 */
export class ShingleStore {
  private fd = -1;
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private n = 0;
  private end = 0;
  private buf = new Uint32Array(4096);

  /** @param dir folder for the (immediately unlinked) file; created when missing */
  constructor(private readonly dir: string) {}

  private open(): number {
    if (this.fd === -1) {
      mkdirSync(this.dir, { recursive: true });
      const path = join(this.dir, `.dedup-shingles-${process.pid}-${Math.random().toString(36).slice(2)}.bin`);
      this.fd = openSync(path, 'w+');
      unlinkSync(path);
    }
    return this.fd;
  }

  /** Bytes held in memory. */
  get bytes(): number {
    return this.offsets.byteLength + this.lengths.byteLength + this.buf.byteLength;
  }

  /** Length of sample i's shingle set. */
  length(i: number): number {
    return this.lengths[i]!;
  }

  /** Append sample i's sorted, distinct shingle hashes (i must be the next index). */
  add(i: number, shingles: Uint32Array): void {
    if (i !== this.n) throw new Error(`shingle store: expected sample ${this.n}, got ${i}`);
    if (this.n + 1 > this.offsets.length) {
      const o = new Float64Array(this.offsets.length * 2);
      o.set(this.offsets);
      this.offsets = o;
    }
    this.lengths = ensureCapacity(this.lengths, this.n + 1);
    this.offsets[i] = this.end;
    this.lengths[i] = shingles.length;
    if (shingles.length > 0) writeSync(this.open(), shingles, 0, shingles.byteLength, this.end);
    this.end += shingles.byteLength;
    this.n += 1;
  }

  /** Sample i's shingles (a view valid until the next call). */
  get(i: number): Uint32Array {
    const len = this.lengths[i]!;
    if (this.buf.length < len) this.buf = new Uint32Array(2 ** Math.ceil(Math.log2(len)));
    if (len > 0) readSync(this.fd, this.buf, 0, len * 4, this.offsets[i]!);
    return this.buf.subarray(0, len);
  }

  close(): void {
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Sorted distinct copy of hashes. */
export function sortedDistinct(h: Uint32Array): Uint32Array {
  const s = Uint32Array.from(h).sort();
  let k = 0;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[k - 1]) s[k++] = s[i]!;
  return s.subarray(0, k);
}

/** Jaccard similarity of two sorted distinct arrays. */
export function sortedJaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      inter += 1;
      i += 1;
      j += 1;
    } else if (a[i]! < b[j]!) i += 1;
    else j += 1;
  }
  const union = a.length + b.length - inter;
  return union === 0 ? 1 : inter / union;
}
