// KeyIndex (the table's open-addressing hash index) must behave as a Map<number, V> for any
// sequence of set/get/delete, including keys that share a home slot, runs that wrap round
// the end of the array, deletions inside runs and growth.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyIndex } from '../../src/conntrack/key-index.js';

// Keys crowded onto few home slots (multiples of 1024 apart share one), some near the end.
const key = fc.oneof(
  fc.integer({ min: 0, max: 7 }).map((k) => 1020 + k * 1024),
  fc.integer({ min: 0, max: 40 }).map((k) => (k % 6) + 1024 * k),
  fc.integer({ min: 0, max: 0x3fffffff }),
);
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), k: key, v: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), k: key }),
);

describe('KeyIndex', () => {
  it('answers as a Map after any sequence of sets and deletes', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const idx = new KeyIndex<number>();
      const ref = new Map<number, number>();
      for (const o of ops) {
        if (o.kind === 'set') { idx.set(o.k, o.v); ref.set(o.k, o.v); }
        else { idx.delete(o.k); ref.delete(o.k); }
        expect(idx.size).toBe(ref.size);
      }
      for (const o of ops) expect(idx.get(o.k)).toBe(ref.get(o.k));
    }), { numRuns: 500 });
  });
  it('keeps every key through growth and deletes half of them', () => {
    const idx = new KeyIndex<number>();
    const keys = Array.from({ length: 5000 }, (_, i) => (i * 2654435761) & 0x3fffffff);
    keys.forEach((k, i) => idx.set(k, i));
    keys.forEach((k, i) => { if (i % 2) idx.delete(k); });
    expect(keys.map((k, i) => idx.get(k) === (i % 2 ? undefined : i)).every(Boolean)).toBe(true);
    expect(idx.size).toBe(2500);
  });
});
