// Rules that follow paths from table 0: ct-state-before-ct, the empty-table rules,
// unreachable-table, commit-zone-mismatch. Triggers and near misses for each.
import { describe, expect, it } from 'vitest';
import { brief, colOf, lintText, table } from './helpers.js';

const only = (rule: string) => (text: string, groups?: string) => lintText(text, { rules: [rule], groups });

describe('ct-state-before-ct', () => {
  const run = only('ct-state-before-ct');
  it('a table reached only by resubmit from untracked table 0 cannot see +est', () => {
    const t = table('table=0,ipv6 actions=resubmit(,3)', 'table=3,ipv6,ct_state=+est+trk actions=output:1');
    const fs = run(t);
    expect(brief(fs)).toEqual([`2:${colOf(t, 2, 'ct_state')} warning ct-state-before-ct`]);
    expect(fs[0].message).toContain('table 3 untracked');
  });
  it('a resubmit after ct() in the same flow arrives untracked (OVS clears the ct fields)', () => {
    const t = table('table=0,ip actions=ct(table=1,zone=1)', 'table=1,ip actions=ct(commit,zone=1),resubmit(,2)',
      'table=2,ip,ct_state=+trk actions=output:1');
    expect(brief(run(t))).toEqual([`3:${colOf(t, 3, 'ct_state')} warning ct-state-before-ct`]);
    // near miss: the same resubmit before the ct(commit) still has the tracked packet
    expect(run(table('table=0,ip actions=ct(table=1,zone=1)', 'table=1,ip actions=resubmit(,2),ct(commit,zone=1)',
      'table=2,ip,ct_state=+trk actions=output:1'))).toEqual([]);
  });
  it('near misses: reached by ct(table=); through a middle table; through a group bucket; -trk', () => {
    expect(run(table('table=0,ip actions=ct(table=1,zone=1)', 'table=1,ip,ct_state=+est+trk actions=output:1'))).toEqual([]);
    expect(run(table('table=0,ip actions=ct(table=1)', 'table=1,ip actions=resubmit(,2)', 'table=2,ip,ct_state=+trk actions=output:1'))).toEqual([]);
    expect(run(table('table=0,ip actions=group:7', 'table=1,ip,ct_state=+trk actions=output:1'),
      'group_id=7,type=all,bucket=actions=ct(table=1)')).toEqual([]);
    expect(run(table('table=0,ip actions=resubmit(,1)', 'table=1,ip,ct_state=-trk actions=output:1'))).toEqual([]);
  });
  it('one tracked path is enough to stay quiet (paths are followed without register values)', () => {
    expect(run(table('table=0,ip,in_port=1 actions=resubmit(,1)', 'table=0,ip,in_port=2 actions=ct(table=1)',
      'table=1,ip,ct_state=+trk actions=output:1'))).toEqual([]);
  });
  it('a flow of table 0 that needs +trk is not followed from the untracked entry', () => {
    // table 2 is reached only through a flow that can never match in table 0
    const t = table('table=0,ip,ct_state=+trk actions=resubmit(,2)', 'table=0,ip actions=ct(table=1)',
      'table=1,ip actions=output:1', 'table=2,ip,ct_state=+est+trk actions=output:2');
    expect(lintText(t, { rules: ['unreachable-table'] }).map((f) => f.line)).toEqual([4]);
  });
});

describe('goto-missing-table, resubmit-to-empty-table, ct-table-empty', () => {
  it('goto_table to a table without flows: a warning at the action', () => {
    const t = table('table=0,ip actions=goto_table:5', 'table=1,ip actions=drop');
    const fs = lintText(t, { rules: ['goto-missing-table'] });
    expect(brief(fs)).toEqual([`1:${colOf(t, 1, 'goto_table:5')} warning goto-missing-table`]);
    expect(fs[0].len).toBe('goto_table:5'.length);
    expect(lintText(table('table=0,ip actions=goto_table:5', 'table=5,ip actions=drop'), { rules: ['goto-missing-table'] })).toEqual([]);
  });
  it('resubmit as the last action: a warning; followed by more actions (a lookup that may miss): a note', () => {
    const t = table('table=0,ip actions=resubmit(,4)', 'table=0,arp actions=resubmit(,4),output:1');
    const fs = lintText(t, { rules: ['resubmit-to-empty-table'] });
    expect(brief(fs)).toEqual([`1:${colOf(t, 1, 'resubmit')} warning resubmit-to-empty-table`, `2:${colOf(t, 2, 'resubmit')} note resubmit-to-empty-table`]);
    expect(lintText(table('table=0,ip actions=resubmit(,4)', 'table=4,ip actions=drop'), { rules: ['resubmit-to-empty-table'] })).toEqual([]);
  });
  it('a table a learn action fills is not empty', () => {
    expect(lintText(table('table=0,ip actions=learn(table=9,eth_type=0x800,NXM_OF_IP_SRC[]),resubmit(,9)'), { rules: ['resubmit-to-empty-table'] })).toEqual([]);
  });
  it('ct(table=N) to a table without flows, also nested in clone()', () => {
    const t = table('table=0,ip actions=ct(table=6,zone=1)', 'table=0,priority=0,ip actions=clone(ct(commit,table=7))');
    const fs = lintText(t, { rules: ['ct-table-empty'] });
    expect(brief(fs)).toEqual([`1:${colOf(t, 1, 'ct(')} warning ct-table-empty`, `2:${colOf(t, 2, 'ct(')} warning ct-table-empty`]);
    expect(lintText(table('table=0,ip actions=ct(table=6,zone=1)', 'table=6,ip actions=drop'), { rules: ['ct-table-empty'] })).toEqual([]);
  });
});

describe('unreachable-table', () => {
  const run = only('unreachable-table');
  it('a table nothing sends to is reported at its first flow', () => {
    const fs = run(table('table=0,ip actions=resubmit(,1)', 'table=1,ip actions=drop', 'table=5,ip actions=output:3', 'table=5,arp actions=drop'));
    expect(brief(fs)).toEqual(['3:1 warning unreachable-table']);
    expect(fs[0].message).toContain('table 5 (2 flows)');
  });
  it('a table only reached from an unreachable table is unreachable too', () => {
    expect(brief(run(table('table=0,ip actions=drop', 'table=5,ip actions=resubmit(,6)', 'table=6,ip actions=drop'))))
      .toEqual(['2:1 warning unreachable-table', '3:1 warning unreachable-table']);
  });
  it('with a group not given, only a note that names the group; with the group given, followed', () => {
    const t = table('table=0,ip actions=group:1', 'table=3,ip actions=drop');
    const fs = run(t);
    expect(brief(fs)).toEqual(['2:1 note unreachable-table']);
    expect(fs[0].message).toContain('group 1');
    expect(run(t, 'group_id=1,type=select,bucket=actions=resubmit(,3)')).toEqual([]);
    expect(brief(run(t, 'group_id=1,type=select,bucket=actions=output:1'))).toEqual(['2:1 warning unreachable-table']);
  });
  it('near misses: resubmit:PORT stays in its table; goto_table and ct(table=) reach', () => {
    expect(run(table('table=0,ip actions=goto_table:2', 'table=2,ip actions=ct(table=3)', 'table=3,ip actions=resubmit:1'))).toEqual([]);
  });
});

describe('commit-zone-mismatch', () => {
  const run = only('commit-zone-mismatch');
  it('committed in zone 2 after a lookup in zone 1, and nothing looks up zone 2', () => {
    const t = table('table=0,ip actions=ct(table=1,zone=1)', 'table=1,ip,ct_state=+new+trk actions=ct(commit,zone=2),output:2');
    const fs = run(t);
    expect(brief(fs)).toEqual([`2:${colOf(t, 2, 'ct(commit')} warning commit-zone-mismatch`]);
    expect(fs[0].related).toEqual([{ line: 1, col: colOf(t, 1, 'ct(') }]);
  });
  it('zones in registers compare by the register', () => {
    const t = table('table=0,ip actions=load:5->NXM_NX_REG13[0..15],ct(table=1,zone=NXM_NX_REG13[0..15])',
      'table=1,ip,ct_state=+new+trk actions=ct(commit,zone=NXM_NX_REG12[0..15])');
    expect(brief(run(t))).toEqual([`2:${colOf(t, 2, 'ct(commit')} warning commit-zone-mismatch`]);
  });
  it('near misses: same zone; zone 2 looked up elsewhere (as OVN hairpin SNAT does); commit of an untracked packet', () => {
    expect(run(table('table=0,ip actions=ct(table=1,zone=1)', 'table=1,ip,ct_state=+new+trk actions=ct(commit,zone=1)'))).toEqual([]);
    expect(run(table('table=0,ip,in_port=1 actions=ct(table=1,zone=1)', 'table=0,ip,in_port=2 actions=ct(table=2,zone=2)',
      'table=1,ip,ct_state=+new+trk actions=ct(commit,zone=2)', 'table=2,ip actions=output:1'))).toEqual([]);
    expect(run(table('table=0,ip actions=ct(commit,zone=2),output:2'))).toEqual([]);
  });
  it('one path in the commit zone is enough to stay quiet', () => {
    expect(run(table('table=0,ip,in_port=1 actions=ct(table=1,zone=1)', 'table=0,ip,in_port=2 actions=ct(table=1,zone=2)',
      'table=1,ip,ct_state=+new+trk actions=ct(commit,zone=2)'))).toEqual([]);
  });
});
