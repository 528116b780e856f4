// IdsTable numbers sequences of item numbers for the flows reader: equal sequences must get
// the same number and different ones different numbers, through collisions and growth.
import { describe, expect, it } from 'vitest';
import { IdsTable, idsHashStep } from '../../src/parse/ids-table.js';
import { readFlows } from '../../src/parse/flows.js';

const hashOf = (ids: number[]): number => ids.reduce(idsHashStep, 0);

describe('IdsTable', () => {
  it('gives equal sequences one number and others the next ones, across growth', () => {
    const t = new IdsTable();
    const seqs: number[][] = [];
    for (let i = 0; i < 5000; i++) seqs.push(Array.from({ length: 1 + (i % 7) }, (_, j) => (i * 31 + j * 7) % 1000));
    const nums = seqs.map((s) => t.intern(s, s.length, hashOf(s)));
    const distinct = new Map<string, number>();
    seqs.forEach((s, i) => {
      const k = s.join(',');
      if (!distinct.has(k)) distinct.set(k, nums[i]);
      expect(nums[i]).toBe(distinct.get(k));
    });
    expect(t.size).toBe(distinct.size);
    expect(new Set(nums).size).toBe(distinct.size);
    // Asked again after all the growth: the same numbers.
    seqs.forEach((s, i) => expect(t.intern(s, s.length, hashOf(s))).toBe(nums[i]));
  });

  it('tells apart sequences with the same hash (a prefix, or a forced collision)', () => {
    const t = new IdsTable();
    const a = t.intern([1, 2, 3], 3, 42);
    const b = t.intern([1, 2], 2, 42);
    const c = t.intern([3, 2, 1], 3, 42);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(t.intern([1, 2], 2, 42)).toBe(b);
    // Only the first n numbers of the array count.
    expect(t.intern([1, 2, 99], 2, 42)).toBe(b);
  });
});

describe('flows with the same match items share one match', () => {
  it('shares the Match of equal item sequences and not of reordered ones', () => {
    const r = readFlows([
      'priority=10,ip,nw_src=10.0.0.1 actions=drop',
      'priority=10,ip,nw_src=10.0.0.1 actions=output:1',
      'priority=10,nw_src=10.0.0.1,ip actions=drop',
      'priority=10,ip,nw_src=10.0.0.2 actions=drop',
    ].join('\n'), 't.flows');
    expect(r.diagnostics).toEqual([]);
    const [f1, f2, f3, f4] = r.flows;
    expect(f2.match).toBe(f1.match);
    expect(f2.actions).not.toBe(f1.actions);
    expect(f3.match).not.toBe(f1.match); // another order: built on its own, equal in content
    expect(new Map(f3.match.values)).toEqual(new Map(f1.match.values));
    expect(f4.match.values.get('nw_src')).not.toBe(f1.match.values.get('nw_src'));
  });
});
