// The reader's tables: IdsTable numbers sequences of item numbers, TextTable finds item texts by
// a range of a line. Equal keys must find the same entry, others never, through collisions and growth.
import { describe, expect, it } from 'vitest';
import { IdsTable, idsHashStep } from '../../src/util/ids-table.js';
import { readFlows } from '../../src/parse/flows.js';
import { hashStep, TextTable } from '../../src/parse/text-table.js';

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

describe('TextTable', () => {
  const hashOfText = (t: string, a = 0, b = t.length): number => {
    let h = 0;
    for (let i = a; i < b; i++) h = hashStep(h, t.charCodeAt(i));
    return h;
  };
  it('finds every key by a range of a longer text, across growth, and nothing else', () => {
    const t = new TextTable<number>();
    const keys = Array.from({ length: 3000 }, (_, i) => `reg${i % 16}=0x${i.toString(16)}${i % 3 ? ',x' : ''}`);
    keys.forEach((k, i) => t.set(k, hashOfText(k), i));
    expect(t.size).toBe(3000);
    keys.forEach((k, i) => {
      const line = `priority=1,${k} actions=drop`;
      expect(t.get(line, 11, 11 + k.length, hashOfText(line, 11, 11 + k.length))).toBe(i);
    });
    // Same hash, other text (forced): no hit; a prefix of a key: no hit.
    expect(t.get('reg0=0x1', 0, 8, hashOfText(keys[0]))).toBeUndefined();
    expect(t.get(keys[5], 0, keys[5].length - 1, hashOfText(keys[5], 0, keys[5].length - 1))).toBeUndefined();
    t.clear();
    expect(t.size).toBe(0);
    expect(t.get(keys[7], 0, keys[7].length, hashOfText(keys[7]))).toBeUndefined();
    t.set('in_port=1', hashOfText('in_port=1'), 42);
    expect(t.get('x,in_port=1', 2, 11, hashOfText('in_port=1'))).toBe(42);
  });
});
