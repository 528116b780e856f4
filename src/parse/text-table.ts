// A table from text to a value, looked up by a range of a longer string: the reader finds
// a line's match items in it without cutting each item out of the line first (a dump
// holds hundreds of thousands of items, a few thousand of them distinct).
import { grownInt32, grownUint16, spreadHash } from '../util/open-addressing.js';

/** Whether `text` holds `key` at `at`. String.prototype.startsWith with a position is a
 *  builtin call each time; a loop over character codes is what the optimiser inlines (the
 *  reader asks this several times per line). */
export function hasAt(text: string, at: number, key: string): boolean {
  if (at + key.length > text.length) return false;
  for (let j = 0; j < key.length; j++) if (text.charCodeAt(at + j) !== key.charCodeAt(j)) return false;
  return true;
}

/** The hash TextTable expects, one character at a time: h = step(h, charCode). */
export const hashStep = (h: number, c: number): number => (Math.imul(h, 31) + c) | 0;


// Keys are kept as character codes side by side in one array, not as strings: checking a
// hit reads them from there rather than from a slice of some earlier line far away in
// the file (the check was as costly as scanning the line itself).
export class TextTable<T> {
  /** Open addressing: slot -> entry + 1 (0: free). */
  private slots = new Int32Array(1024);
  private hashes = new Int32Array(512);
  private keyAt = new Int32Array(512);
  private keyLen = new Int32Array(512);
  private chars = new Uint16Array(8192);
  private used = 0;
  private values: Array<T | undefined> = [];
  private count = 0;

  get size(): number { return this.count; }

  /** The value for text[start, end), whose hash (hashStep from 0 over it) is `hash`. */
  get(text: string, start: number, end: number, hash: number): T | undefined {
    const mask = this.slots.length - 1, len = end - start;
    for (let i = spreadHash(hash) & mask; ; i = (i + 1) & mask) {
      const e = this.slots[i] - 1;
      if (e < 0) return undefined;
      if (this.hashes[e] === hash && this.keyLen[e] === len && this.sameChars(e, text, start, len)) return this.values[e];
    }
  }

  /** Adds `key` (not in the table yet) with its hash. */
  set(key: string, hash: number, value: T): void {
    const e = this.count++;
    if (e >= this.hashes.length) this.growEntries();
    if (this.used + key.length > this.chars.length) this.chars = grownUint16(this.chars, (this.used + key.length) * 2);
    for (let j = 0; j < key.length; j++) this.chars[this.used + j] = key.charCodeAt(j);
    this.keyAt[e] = this.used;
    this.keyLen[e] = key.length;
    this.used += key.length;
    this.hashes[e] = hash;
    this.values[e] = value;
    if (this.count * 2 > this.slots.length) this.slots = new Int32Array(this.slots.length * 2);
    else { this.place(e); return; }
    for (let k = 0; k < this.count; k++) this.place(k);
  }

  clear(): void {
    this.slots.fill(0);
    this.values = [];
    this.count = 0;
    this.used = 0;
  }

  private sameChars(e: number, text: string, start: number, len: number): boolean {
    const a = this.keyAt[e], chars = this.chars;
    for (let j = 0; j < len; j++) if (text.charCodeAt(start + j) !== chars[a + j]) return false;
    return true;
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let i = spreadHash(this.hashes[e]) & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = e + 1;
  }

  private growEntries(): void {
    const n = this.hashes.length * 2;
    this.hashes = grownInt32(this.hashes, n);
    this.keyAt = grownInt32(this.keyAt, n);
    this.keyLen = grownInt32(this.keyLen, n);
  }
}
