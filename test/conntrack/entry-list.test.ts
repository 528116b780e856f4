// EntryList (the table's insertion order, threaded through the entries) must behave as the
// Set it replaced: same members, same order, and a sweep cursor that moves as a Set
// iterator does when entries are added and deleted around it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryList } from '../../src/conntrack/entry-list.js';
import type { CtEntry } from '../../src/conntrack/types.js';

const op = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), i: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('delete' as const), i: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('sweep' as const) }),
);

describe('EntryList', () => {
  it('answers as a Set and its iterator after any sequence of adds, deletes and sweep steps', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const pool = Array.from({ length: 8 }, (_, i) => ({ zone: i }) as unknown as CtEntry);
      const list = new EntryList();
      const set = new Set<CtEntry>();
      let it: Iterator<CtEntry> | undefined;
      for (const o of ops) {
        if (o.kind === 'add') { list.add(pool[o.i]!); set.add(pool[o.i]!); }
        else if (o.kind === 'delete') expect(list.delete(pool[o.i]!)).toBe(set.delete(pool[o.i]!));
        else {
          it ??= set.values();
          const r = it.next();
          if (r.done) it = undefined;
          expect(list.sweepNext()).toBe(r.done ? undefined : r.value);
        }
        expect([...list]).toEqual([...set]);
        expect(pool.map((e) => list.has(e))).toEqual(pool.map((e) => set.has(e)));
      }
    }), { numRuns: 1000 });
  });

  it('refuses an entry that is in another list', () => {
    const e = {} as CtEntry;
    new EntryList().add(e);
    expect(() => new EntryList().add(e)).toThrow('a conntrack entry cannot be in two tables at once');
  });
});
