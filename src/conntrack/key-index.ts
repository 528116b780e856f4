// The table's index from a key's 30-bit hash to what owns it: open addressing with linear
// probing in one array of (hash, value) pairs. A Map<number, …> of a few 100,000 keys
// costs several cache misses a lookup (its bucket, then each entry of the bucket's chain,
// 2 per bucket on average, mostly old entries); here a probe reads one pair, and the next
// pairs it may go on to sit beside it, so a lookup, hit or miss, costs about one miss.

/** A free pair's hash (hashes are 0 … 2^30-1). */
const EMPTY = -1;
const MIN_PAIRS = 1024;

export class KeyIndex<V> {
  /** pairs[2i] = hash or EMPTY, pairs[2i+1] = its value. */
  private pairs: (number | V | undefined)[] = freshPairs<V>(MIN_PAIRS);
  /** Pairs - 1 (the pair count is a power of 2). */
  private mask = MIN_PAIRS - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(h: number): V | undefined {
    const p = this.pairs;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = p[2 * i];
      if (k === h) return p[2 * i + 1] as V;
      if (k === EMPTY) return undefined;
    }
  }

  set(h: number, v: V): void {
    const p = this.pairs;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = p[2 * i];
      if (k === h) {
        p[2 * i + 1] = v;
        return;
      }
      if (k === EMPTY) {
        p[2 * i] = h;
        p[2 * i + 1] = v;
        // At most half full, so probe runs stay short.
        if (++this.count * 2 > mask + 1) this.grow();
        return;
      }
    }
  }

  delete(h: number): void {
    const p = this.pairs;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const k = p[2 * i];
      if (k === EMPTY) return;
      if (k === h) break;
      i = (i + 1) & mask;
    }
    // Close the gap: a later pair of the run moves back into it unless its home slot lies
    // after the gap (cyclically), where a lookup would no longer pass the gap to reach it.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = p[2 * j] as number;
      if (k === EMPTY) break;
      const home = k & mask;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      p[2 * i] = k;
      p[2 * i + 1] = p[2 * j + 1];
      i = j;
    }
    p[2 * i] = EMPTY;
    p[2 * i + 1] = undefined;
    this.count--;
  }

  private grow(): void {
    const old = this.pairs;
    const n = (this.mask + 1) * 2;
    const p = freshPairs<V>(n);
    const mask = n - 1;
    for (let j = 0; j < old.length; j += 2) {
      const k = old[j] as number;
      if (k === EMPTY) continue;
      let i = k & mask;
      while (p[2 * i] !== EMPTY) i = (i + 1) & mask;
      p[2 * i] = k;
      p[2 * i + 1] = old[j + 1];
    }
    this.pairs = p;
    this.mask = mask;
  }
}

/**
 * `n` free pairs (n a power of 2, at least MIN_PAIRS): one block pushed, then doubled by
 * concat (a copy of the whole block at once); `new Array(n)` of a large n would make a
 * slow (dictionary) array.
 */
function freshPairs<V>(n: number): (number | V | undefined)[] {
  let p: (number | V | undefined)[] = [];
  for (let i = 0; i < MIN_PAIRS; i++) p.push(EMPTY, undefined);
  while (p.length < 2 * n) p = p.concat(p);
  return p;
}
