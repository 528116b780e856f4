// A table from text to a value, looked up by a range of a longer string: the reader finds
// a line's match items in it without cutting each item out of the line first (a dump
// holds hundreds of thousands of items, a few thousand of them distinct).

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

// The low bits pick the slot: mixed so that texts differing in one character spread out.
function slotOf(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

export class TextTable<T> {
  private keys: Array<string | undefined> = new Array<string | undefined>(1024).fill(undefined);
  private hashes = new Int32Array(1024);
  private values: Array<T | undefined> = new Array<T | undefined>(1024).fill(undefined);
  private count = 0;

  get size(): number { return this.count; }

  /** The value for text[start, end), whose hash (hashStep from 0 over it) is `hash`. */
  get(text: string, start: number, end: number, hash: number): T | undefined {
    const mask = this.keys.length - 1;
    for (let i = slotOf(hash) & mask; ; i = (i + 1) & mask) {
      const k = this.keys[i];
      if (k === undefined) return undefined;
      if (this.hashes[i] === hash && k.length === end - start && hasAt(text, start, k)) return this.values[i];
    }
  }

  /** Adds `key` (not in the table yet) with its hash. */
  set(key: string, hash: number, value: T): void {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    this.put(key, hash, value);
    this.count++;
  }

  clear(): void {
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.count = 0;
  }

  private put(key: string, hash: number, value: T): void {
    const mask = this.keys.length - 1;
    let i = slotOf(hash) & mask;
    while (this.keys[i] !== undefined) i = (i + 1) & mask;
    this.keys[i] = key;
    this.hashes[i] = hash;
    this.values[i] = value;
  }

  private grow(): void {
    const { keys, hashes, values } = this;
    const n = keys.length * 2;
    this.keys = new Array<string | undefined>(n).fill(undefined);
    this.hashes = new Int32Array(n);
    this.values = new Array<T | undefined>(n).fill(undefined);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k !== undefined) this.put(k, hashes[i], values[i] as T);
    }
  }
}
