// Numbers each distinct sequence of numbers it is given (0, 1, 2, ...): the flows reader
// numbers a line's sequence of match items, the mask table a match's (slot, mask) pairs,
// and each then finds what it keeps for them by index. No string is made and hashed per
// lookup (a dump's ~60,000 distinct matches made a Map keyed by strings the slowest
// single line of the reader: each lookup compared against a key far in memory).
import { grownInt32, spreadHash } from './open-addressing.js';

/** hashStep for numbers: h = idsHashStep(h, id), from 0. */
export const idsHashStep = (h: number, id: number): number => (Math.imul(h, 0x01000193) ^ id) | 0;

export class IdsTable {
  /** Open addressing: slot -> sequence number + 1 (0: free), and that sequence's hash. */
  private slots = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  /** Sequence k is pool[start[k], start[k + 1]). */
  private start = new Int32Array(1024);
  private pool = new Int32Array(4096);
  private count = 0;

  get size(): number { return this.count; }

  /** The number of ids[0, n) (whose idsHashStep hash is `hash`): the one it was given
   *  before, or the next number (0, 1, 2, ...). */
  intern(ids: number[], n: number, hash: number): number {
    const mask = this.slots.length - 1;
    let i = spreadHash(hash) & mask;
    for (; ; i = (i + 1) & mask) {
      const s = this.slots[i];
      if (s === 0) break;
      if (this.hashes[i] === hash && this.same(s - 1, ids, n)) return s - 1;
    }
    const k = this.count++;
    this.append(ids, n);
    this.slots[i] = k + 1;
    this.hashes[i] = hash;
    if (this.count * 2 > this.slots.length) this.grow();
    return k;
  }

  private same(k: number, ids: number[], n: number): boolean {
    const a = this.start[k];
    if (this.start[k + 1] - a !== n) return false;
    for (let j = 0; j < n; j++) if (this.pool[a + j] !== ids[j]) return false;
    return true;
  }

  private append(ids: number[], n: number): void {
    const k = this.count - 1;
    if (k + 2 > this.start.length) this.start = grownInt32(this.start, (k + 2) * 2);
    const a = this.start[k];
    if (a + n > this.pool.length) this.pool = grownInt32(this.pool, (a + n) * 2);
    for (let j = 0; j < n; j++) this.pool[a + j] = ids[j];
    this.start[k + 1] = a + n;
  }

  private grow(): void {
    const { slots, hashes } = this;
    this.slots = new Int32Array(slots.length * 2);
    this.hashes = new Int32Array(slots.length * 2);
    const mask = this.slots.length - 1;
    for (let i = 0; i < slots.length; i++) {
      if (slots[i] === 0) continue;
      let j = spreadHash(hashes[i]) & mask;
      while (this.slots[j] !== 0) j = (j + 1) & mask;
      this.slots[j] = slots[i];
      this.hashes[j] = hashes[i];
    }
  }
}
