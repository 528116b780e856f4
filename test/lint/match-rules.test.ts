// Rules that compare matches: shadowed, duplicate, ct-state-without-trk, ct-state-impossible.
// Each has tables that must trigger it and near misses that must not.
import { describe, expect, it } from 'vitest';
import { brief, colOf, lintText, table } from './helpers.js';

const only = (rule: string) => (text: string) => lintText(text, { rules: [rule] });

describe('shadowed', () => {
  const run = only('shadowed');
  it('a lower-priority flow inside a higher one is reported, pointing at both', () => {
    const fs = run(table(
      'table=0,priority=100,ip actions=output:1',
      'table=0,priority=50,tcp,nw_src=10.0.0.1 actions=output:2',
    ));
    expect(brief(fs)).toEqual(['2:1 warning shadowed']);
    expect(fs[0].related).toEqual([{ line: 1, col: 1 }]);
    expect(fs[0].message).toContain('line 1 (priority 100)');
  });

  it('prefix masks: a /16 shadows a /24 inside it, not one outside it, and never the other way round', () => {
    expect(brief(run(table('priority=100,ip,nw_src=10.0.0.0/16 actions=drop', 'priority=50,ip,nw_src=10.0.1.0/24 actions=output:1'))))
      .toEqual(['2:1 warning shadowed']);
    expect(run(table('priority=100,ip,nw_src=10.0.0.0/16 actions=drop', 'priority=50,ip,nw_src=10.1.1.0/24 actions=output:1'))).toEqual([]);
    expect(run(table('priority=100,ip,nw_src=10.0.1.0/24 actions=drop', 'priority=50,ip,nw_src=10.0.0.0/16 actions=output:1'))).toEqual([]);
  });

  it('near misses: equal priority, a narrower higher flow, another table', () => {
    expect(run(table('priority=50,ip actions=output:1', 'priority=50,tcp actions=output:2'))).toEqual([]);
    expect(run(table('priority=100,tcp actions=output:1', 'priority=50,ip actions=output:2'))).toEqual([]);
    expect(run(table('table=0,priority=100,ip actions=resubmit(,1)', 'table=1,priority=50,tcp actions=output:2'))).toEqual([]);
  });

  it('ct_state: compared bit by bit and with what the tracker implies (+est means +trk)', () => {
    // bitwise: +est covers +trk+est
    expect(brief(run(table('priority=100,ct_state=+est,ip actions=drop', 'priority=50,ct_state=+trk+est,ip actions=drop'))))
      .toEqual(['2:1 warning shadowed']);
    // implied: +trk+est covers +est (every +est packet has +trk)
    expect(brief(run(table('priority=100,ct_state=+trk+est,ip actions=drop', 'priority=50,ct_state=+est,ip actions=drop'))))
      .toEqual(['2:1 warning shadowed']);
    // implied: -trk means every flag clear, so -new above it takes all its packets
    expect(brief(run(table('priority=100,ct_state=-new,ip actions=drop', 'priority=50,ct_state=-trk,ip actions=drop'))))
      .toEqual(['2:1 warning shadowed']);
    // implied: an +est packet is neither new nor invalid, a +new one not established
    expect(brief(run(table('priority=100,ct_state=-new-inv+trk,ip actions=drop', 'priority=50,ct_state=+est+trk,ip actions=drop'))))
      .toEqual(['2:1 warning shadowed']);
    expect(brief(run(table('priority=100,ct_state=-est+trk,ip actions=drop', 'priority=50,ct_state=+new+trk,ip actions=drop'))))
      .toEqual(['2:1 warning shadowed']);
    // near miss: -new-inv+trk does not cover +trk, nor -rel+trk cover +est+trk (rel goes with anything)
    expect(run(table('priority=100,ct_state=-new-inv+trk,ip actions=drop', 'priority=50,ct_state=+trk,ip actions=drop'))).toEqual([]);
    expect(run(table('priority=100,ct_state=-rel+trk,ip actions=drop', 'priority=50,ct_state=+est+trk,ip actions=drop'))).toEqual([]);
    // near miss: +trk+est does not cover +trk (new packets are not est)
    expect(run(table('priority=100,ct_state=+trk+est,ip actions=drop', 'priority=50,ct_state=+trk,ip actions=drop'))).toEqual([]);
    // near miss: -new does not cover +trk (tracked new packets)
    expect(run(table('priority=100,ct_state=-new,ip actions=drop', 'priority=50,ct_state=+trk,ip actions=drop'))).toEqual([]);
  });

  it('tcp_flags masks are compared bit by bit', () => {
    expect(brief(run(table('priority=100,tcp,tcp_flags=+syn actions=drop', 'priority=50,tcp,tcp_flags=+syn-ack actions=output:1'))))
      .toEqual(['2:1 warning shadowed']);
    expect(run(table('priority=100,tcp,tcp_flags=+syn-ack actions=drop', 'priority=50,tcp,tcp_flags=+syn actions=output:1'))).toEqual([]);
  });

  it('conjunctive clauses never shadow; a clause under a plain flow of the same priority never counts', () => {
    expect(run(table(
      'priority=100,ip,nw_src=10.0.0.1 actions=conjunction(1,1/2)',
      'priority=100,tcp,tp_dst=80 actions=conjunction(1,2/2)',
      'priority=100,conj_id=1,ip actions=output:1',
      'priority=50,ip,nw_src=10.0.0.1 actions=drop',
    ))).toEqual([]);
    const fs = run(table(
      'priority=100,ip actions=drop',
      'priority=100,ip,nw_src=10.0.0.1 actions=conjunction(1,1/2)',
      'priority=100,tcp,tp_dst=80 actions=conjunction(1,2/2)',
      'priority=100,conj_id=1,ip actions=output:1',
    ));
    expect(brief(fs)).toEqual(['2:1 warning shadowed', '3:1 warning shadowed']);
    expect(fs[0].message).toMatch(/^conjunction clause never counts/);
    // near miss: the plain flow one priority lower leaves the clauses alone
    expect(run(table(
      'priority=99,ip actions=drop',
      'priority=100,ip,nw_src=10.0.0.1 actions=conjunction(1,1/2)',
      'priority=100,tcp,tp_dst=80 actions=conjunction(1,2/2)',
    ))).toEqual([]);
  });

  it('a flow whose ct_state no packet has shadows nothing', () => {
    expect(run(table('priority=100,ct_state=+new+est+trk,ip actions=drop', 'priority=50,ct_state=+new+est+trk,tcp actions=drop'))).toEqual([]);
  });
});

describe('duplicate', () => {
  const run = only('duplicate');
  it('same table, priority and match: the replaced flow is reported with the one replacing it', () => {
    const fs = run(table('priority=10,ip,nw_src=1.2.3.4 actions=drop', 'priority=10,nw_src=1.2.3.4,ip actions=output:1'));
    expect(brief(fs)).toEqual(['1:1 warning duplicate']);
    expect(fs[0].related).toEqual([{ line: 2, col: 1 }]);
    expect(fs[0].message).toContain('line 2');
  });
  it('a match written differently is the same match (tcp is ip,nw_proto=6)', () => {
    expect(brief(run(table('priority=10,tcp actions=drop', 'priority=10,ip,nw_proto=6 actions=output:1')))).toEqual(['1:1 warning duplicate']);
  });
  it('near misses: another priority, another table, another value', () => {
    expect(run(table('priority=10,ip actions=drop', 'priority=11,ip actions=drop'))).toEqual([]);
    expect(run(table('table=0,priority=10,ip actions=resubmit(,1)', 'table=1,priority=10,ip actions=drop'))).toEqual([]);
    expect(run(table('priority=10,ip,nw_src=1.2.3.4 actions=drop', 'priority=10,ip,nw_src=1.2.3.5 actions=drop'))).toEqual([]);
  });
});

describe('ct-state-without-trk', () => {
  const run = only('ct-state-without-trk');
  it("'-' flags only, where untracked packets arrive: a warning at the ct_state item", () => {
    const t = table('priority=100,ip,ct_state=-new actions=output:1');
    const fs = run(t);
    expect(brief(fs)).toEqual([`1:${colOf(t, 1, 'ct_state')} warning ct-state-without-trk`]);
    expect(fs[0].len).toBe('ct_state=-new'.length);
    expect(fs[0].hint).toContain('ct_state=+trk-new');
  });
  it("a '+' flag without trk is a note: it implies trk", () => {
    const t = table('priority=100,ip,ct_state=+est actions=output:1');
    expect(brief(run(t))).toEqual([`1:${colOf(t, 1, 'ct_state')} note ct-state-without-trk`]);
  });
  it('near misses: trk said either way; -inv in a table only reached after ct()', () => {
    expect(run(table('priority=100,ip,ct_state=-new+trk actions=output:1', 'priority=90,ip,ct_state=-trk actions=ct(table=1)'))).toEqual([]);
    expect(run(table('table=0,ip actions=ct(table=1)', 'table=1,ip,ct_state=-inv actions=output:1'))).toEqual([]);
    // ...but reached untracked too (a resubmit): the warning is back
    expect(brief(run(table('table=0,ip actions=ct(table=1),resubmit(,1)', 'table=1,ip,ct_state=-inv actions=output:1'))))
      .toEqual(['2:12 warning ct-state-without-trk']);
  });
});

describe('ct-state-impossible', () => {
  const run = only('ct-state-impossible');
  it.each([
    ['+new+est+trk', 'a packet is never both'],
    ['-trk+est', 'an untracked packet has no other flag set'],
    ['+inv+est+trk', 'an invalid packet has only trk besides inv'],
    ['+new+rpl+trk', 'no reply direction'],
  ])('ct_state=%s is an error', (flags, why) => {
    const t = table(`priority=100,ip,ct_state=${flags} actions=drop`);
    const fs = run(t);
    expect(brief(fs)).toEqual([`1:${colOf(t, 1, 'ct_state')} error ct-state-impossible`]);
    expect(fs[0].message).toContain(why);
  });
  it.each(['+new-est+trk', '+trk+inv-new', '+rel+est+trk', '+rpl+est+trk', '-trk-est', '+snat+dnat+est+trk'])('ct_state=%s is possible', (flags) => {
    expect(run(table(`priority=100,ip,ct_state=${flags} actions=drop`))).toEqual([]);
  });
});
