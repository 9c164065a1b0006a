/**
 * Typed-array building blocks for the dedup index, so that a million samples cost a few hundred
 * bytes each instead of a JavaScript object or Map entry each.
 */

/** Copy `arr` into a larger array of the same type when `needed` elements do not fit (capacity doubles). */
export function ensureCapacity<T extends Int32Array | Uint32Array | Uint16Array>(arr: T, needed: number): T {
  if (needed <= arr.length) return arr;
  // Grow by half: a million-sample index would waste up to half its largest arrays with doubling.
  let cap = Math.max(16, arr.length);
  while (cap < needed) cap = Math.ceil(cap * 1.5);
  const next = new (arr.constructor as new (n: number) => T)(cap);
  next.set(arr);
  return next;
}

/**
 * A multimap from 32-bit keys to int32 values: open addressing (linear probing, load ≤ 3/4) over
 * the keys, each slot heading a chain of values in two growable arrays. 8 bytes per slot plus
 * 8 bytes per value. Values come back newest first.
 */
export class MultiMap32 {
  private keys: Uint32Array;
  private heads: Int32Array;
  private values = new Int32Array(1024);
  private next = new Int32Array(1024);
  private slotsUsed = 0;
  private size = 0;

  constructor(initialSlots = 1024) {
    const cap = 2 ** Math.ceil(Math.log2(Math.max(16, initialSlots)));
    this.keys = new Uint32Array(cap);
    this.heads = new Int32Array(cap).fill(-1);
  }

  /** Number of values held. */
  get count(): number {
    return this.size;
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.heads.byteLength + this.values.byteLength + this.next.byteLength;
  }

  add(key: number, value: number): void {
    if ((this.slotsUsed + 1) * 4 > this.keys.length * 3) this.rehash(this.keys.length * 2);
    const slot = this.slotOf(key >>> 0, this.keys, this.heads);
    if (this.heads[slot] === -1) {
      this.keys[slot] = key >>> 0;
      this.slotsUsed += 1;
    }
    const e = this.size++;
    this.values = ensureCapacity(this.values, this.size);
    this.next = ensureCapacity(this.next, this.size);
    this.values[e] = value;
    this.next[e] = this.heads[slot]!;
    this.heads[slot] = e;
  }

  /** Call `fn` with each value stored under `key`, newest first, until it returns true. */
  forEach(key: number, fn: (value: number) => boolean | void): void {
    const slot = this.slotOf(key >>> 0, this.keys, this.heads);
    for (let e = this.heads[slot]!; e !== -1; e = this.next[e]!) if (fn(this.values[e]!)) return;
  }

  private slotOf(key: number, keys: Uint32Array, heads: Int32Array): number {
    const mask = keys.length - 1;
    let s = Math.imul(key, 0x9e3779b1) >>> 0 & mask;
    while (heads[s] !== -1 && keys[s] !== key) s = (s + 1) & mask;
    return s;
  }

  private rehash(cap: number): void {
    const keys = new Uint32Array(cap);
    const heads = new Int32Array(cap).fill(-1);
    for (let s = 0; s < this.keys.length; s++) {
      if (this.heads[s] === -1) continue;
      const t = this.slotOf(this.keys[s]!, keys, heads);
      keys[t] = this.keys[s]!;
      heads[t] = this.heads[s]!;
    }
    this.keys = keys;
    this.heads = heads;
  }
}
