// Pieces the reader's open-addressing tables share (IdsTable, TextTable).

/** The low bits of the result pick a slot: a 32-bit hash mixed so that keys differing in
 *  one character or number spread out. */
export function spreadHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** A copy of `a` in a larger array of `n` elements. */
export function grownInt32(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

export function grownUint16(a: Uint16Array<ArrayBuffer>, n: number): Uint16Array<ArrayBuffer> {
  const b = new Uint16Array(n);
  b.set(a);
  return b;
}
