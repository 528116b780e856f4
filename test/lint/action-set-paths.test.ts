// Lint follows the action set along paths, across tables, as OVS 3.1 runs it: one set per
// pass that write_actions fill and clear_actions empty in any table the packet goes or is
// resubmitted to, run when the pass ends (and at a clone's end, on its copy). Every case
// was run on the userspace datapath (test/oracle/lint-actset/README.md): ofproto/trace for
// what the switch looked up, a packet for the ct() forks that abort ovs-vswitchd.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brief, colOf, lintText } from './helpers.js';

const CASES = join(import.meta.dirname, '..', 'oracle', 'lint-actset');
const read = (c: string, f: string) => readFileSync(join(CASES, c, f), 'utf8');
const flowsOf = (c: string) => read(c, 'flows.txt');
const groupsOf = (c: string) => (existsSync(join(CASES, c, 'groups.txt')) ? read(c, 'groups.txt') : undefined);
const lintCase = (c: string, rules?: string[], flows = flowsOf(c)) => lintText(flows, { rules, groups: groupsOf(c) });
/** The tables the recorded trace looked the packet up in. */
const looked = (c: string) => [...read(c, 'trace.txt').matchAll(/^\s+(\d+)\. /gm)].map((m) => Number(m[1]));
/** The line (1-based) of the flow text starting with `start`. */
const lineOf = (text: string, start: string) => text.split('\n').findIndex((l) => l.startsWith(start)) + 1;

describe('a final action the set never runs leads nowhere', () => {
  it.each([
    ['clear-in-later-table', 'table 1 clears the set after table 0 wrote resubmit(,5)'],
    ['clear-in-resubmitted-table', 'table 2, resubmitted to from table 1, clears it'],
    ['later-output-replaces-resubmit', 'table 1 writes output:2, which outranks resubmit'],
    ['output-outranks-later-resubmit', 'table 1 writes resubmit(,5) after output:2: the output stays'],
    ['bucket-clears-pipeline-set', 'a group bucket resubmits to table 2, which clears the pipeline\'s set'],
  ])('%s: %s, so OVS never looks table 5 up and lint says it is unreachable', (c) => {
    expect(looked(c)).not.toContain(5);
    const flows = flowsOf(c);
    const fs = lintCase(c);
    const t5 = lineOf(flows, 'table=5'), writer = lineOf(flows, flows.split('\n').find((l) => l.includes('write_actions(resubmit(,5))'))!);
    expect(brief(fs)).toEqual([`${t5}:1 warning unreachable-table`]);
    expect(fs[0].message).toContain(`the write_actions of line ${writer} would lead here, but on every path a clear_actions after it empties the set, or the set holds a final action that outranks it`);
    expect(fs[0].related).toEqual([{ line: writer, col: colOf(flows, writer, 'resubmit(,5)') }]);
  });

  it('near miss: without the clear_actions the set runs resubmit(,5) and table 5 is reached', () => {
    const flows = flowsOf('clear-in-later-table').replace('actions=clear_actions', 'actions=output:3');
    expect(lintText(flows)).toEqual([]);
  });

  it('clone-runs-set: a clone runs its copy of the set when it ends, so table 5 is reached before clear_actions', () => {
    const trace = read('clone-runs-set', 'trace.txt');
    expect(trace).toMatch(/clone\(output:3\)\n {4}output:3\n {4}--\. Executing action set:\n {12}resubmit\(,5\)\n {9}5\. priority 0\n/);
    expect(trace).toMatch(/clear_actions\n {5}-> action set was: resubmit\(,5\)\n/);
    expect(lintCase('clone-runs-set')).toEqual([]);
    // Without the clone, the clear_actions leaves nothing to run: table 5 is unreachable.
    const flows = flowsOf('clone-runs-set').replace('clone(output:3),', 'output:3,');
    expect(brief(lintText(flows))).toEqual(['4:1 warning unreachable-table']);
  });

  it('set-runs-after-ct-clear: the set runs with the track state the pass ends in (untracked after ct_clear)', () => {
    const c = 'set-runs-after-ct-clear';
    const recirc = read(c, 'trace.txt').split('resume conntrack')[1];
    expect(recirc).toMatch(/ct_clear\n--\. Executing action set:\n {4}resubmit\(,5\)\n 5\. priority 0\n/); // not the +trk flow
    const flows = flowsOf(c);
    expect(brief(lintCase(c, ['ct-state-before-ct']))).toEqual([`5:${colOf(flows, 5, 'ct_state')} warning ct-state-before-ct`]);
    // The same set run without the ct_clear comes to table 5 tracked.
    expect(lintText(flows.replace('actions=ct_clear', 'actions=output:3'), { rules: ['ct-state-before-ct'] })).toEqual([]);
  });
});

describe('freeze-with-action-set', () => {
  it.each([
    ['ct-fork-with-set-aborts', 'ct(zone=1,table=2)'],
    ['ct-fork-then-clear-aborts', 'ct(zone=1,table=2)'],
    ['ct-fork-with-set-field-aborts', 'ct(zone=1,table=2)'],
    ['ct-fork-in-bucket-aborts', 'group:1'],
  ])('%s: ovs-vswitchd 3.1 died on the packet; lint says so at %s', (c, at) => {
    const rec = read(c, 'vswitchd.txt');
    expect(rec).toContain('ovs-vswitchd: gone');
    expect(rec).toContain('assertion state->action_set_len <= state->ofpacts_len failed in recirc_alloc_id__()');
    const flows = flowsOf(c);
    const fs = lintCase(c, ['freeze-with-action-set']);
    expect(brief(fs)).toEqual([`3:${colOf(flows, 3, at)} error freeze-with-action-set`]);
    expect(fs[0].related).toEqual([{ line: 2, col: colOf(flows, 2, 'write_actions(') }]);
  });

  it.each(['ct-fork-after-clear-runs', 'ct-fork-from-set-runs'])('%s: the switch lived and sent the recirculated packet; no finding', (c) => {
    const rec = read(c, 'vswitchd.txt');
    expect(rec).toContain('ovs-vswitchd: alive');
    expect(rec).toMatch(/port {2}3: rx pkts=0.*\n\s+tx pkts=1,/);
    expect(lintCase(c)).toEqual([]);
  });
});

describe('freeze-with-action-set: dp_hash select groups', () => {
  // Every recorded dp_hash freeze with a set (ovs-vswitchd 3.1 on the userspace datapath,
  // one packet each), with the bytes OVS compares (test/oracle/freeze-bytes/README.md).
  const ACTSET = join(CASES, '..', 'actset-freeze');
  const dpHashCases = (JSON.parse(readFileSync(join(CASES, '..', 'freeze-bytes', 'sizes.json'), 'utf8')).cases as Array<[string, number, number]>)
    .filter(([c]) => c.includes('/dp-hash-'));
  it('has every recorded dp-hash-set case', () => {
    const recorded = readdirSync(ACTSET).filter((c) => c.startsWith('dp-hash-set-')).map((c) => `actset-freeze/${c}`);
    expect(dpHashCases.map(([c]) => c)).toEqual(expect.arrayContaining(recorded));
  });

  it.each(dpHashCases)('%s: a set of %i bytes beside %i frozen: an error exactly when ovs-vswitchd died, else no finding', (c, set, frozen) => {
    const dir = join(CASES, '..', c);
    const rec = readFileSync(join(dir, 'vswitchd.txt'), 'utf8');
    const gone = rec.includes('ovs-vswitchd: gone');
    expect(gone || rec.includes('ovs-vswitchd: alive')).toBe(true);
    expect(gone).toBe(set > frozen);
    const flows = readFileSync(join(dir, 'flows.txt'), 'utf8');
    const fs = lintText(flows, { rules: ['freeze-with-action-set'], groups: readFileSync(join(dir, 'groups.txt'), 'utf8') });
    if (!gone) return expect(fs).toEqual([]);
    const line = flows.split('\n').findIndex((l) => l.includes('group:1')) + 1;
    expect(brief(fs)).toEqual([`${line}:${colOf(flows, line, 'group:1')} error freeze-with-action-set`]);
    expect(fs[0].message).toContain(`: the set takes ${set} bytes, more than the ${frozen} of the actions frozen with it`);
  });

  it('the live small set: port 2 sent the set\'s output after the thaw', () => {
    expect(read('dp-hash-group-with-set-small', 'vswitchd.txt')).toMatch(/port {2}2: rx pkts=0.*\n\s+tx pkts=1,/);
  });

  // test/oracle/freeze-caller-rest: what OVS freezes with the group goes on past its flow's
  // list: the rest of each list whose resubmit led there, and of a clone() it runs in.
  const REST = join(CASES, '..', 'freeze-caller-rest');
  it.each(readdirSync(REST).filter((c) => existsSync(join(REST, c, 'vswitchd.txt'))).sort())('freeze-caller-rest/%s: an error exactly when ovs-vswitchd died, else no finding', (c) => {
    const dir = join(REST, c);
    const rec = readFileSync(join(dir, 'vswitchd.txt'), 'utf8');
    const gone = rec.includes('ovs-vswitchd: gone');
    expect(gone || rec.includes('ovs-vswitchd: alive')).toBe(true);
    const flows = readFileSync(join(dir, 'flows.txt'), 'utf8');
    const fs = lintText(flows, { rules: ['freeze-with-action-set'], groups: readFileSync(join(dir, 'groups.txt'), 'utf8') });
    if (!gone) return expect(fs).toEqual([]);
    const line = flows.split('\n').findIndex((l) => l.includes('group:1')) + 1;
    expect(brief(fs)).toEqual([`${line}:${colOf(flows, line, 'group:1')} error freeze-with-action-set`]);
  });

  it('the recorded caller\'s output:3 is what lets caller-rest-fits live: the same set without it dies (caller-rest-none)', () => {
    const fits = readFileSync(join(REST, 'caller-rest-fits', 'flows.txt'), 'utf8');
    expect(fits.replace('resubmit(,2),output:3', 'resubmit(,2)')).toBe(readFileSync(join(REST, 'caller-rest-none', 'flows.txt'), 'utf8'));
    expect(readFileSync(join(REST, 'caller-rest-fits', 'vswitchd.txt'), 'utf8')).toContain('ovs-vswitchd: alive');
    expect(readFileSync(join(REST, 'caller-rest-none', 'vswitchd.txt'), 'utf8')).toContain('ovs-vswitchd: gone');
  });

  it('a set written after a resubmit whose caller has actions left: lint does not count those, a warning that says so', () => {
    const flows = ['# protocol: OpenFlow13', 'table=0,priority=100,ip actions=resubmit(,1),output:3',
      'table=1,priority=0,ip actions=write_actions(set_field:0x1->reg0,set_field:0x2->reg1),goto_table:2', 'table=2,priority=0,ip actions=group:1', ''].join('\n');
    const fs = lintText(flows, { rules: ['freeze-with-action-set'], groups: groupsOf('dp-hash-group-with-set-big') });
    expect(brief(fs)).toEqual([`4:${colOf(flows, 4, 'group:1')} warning freeze-with-action-set`]);
    expect(fs[0].message).toContain('lint cannot tell here: the set was written after a resubmit whose caller\'s remaining actions lint did not count');
  });

  it('a group in a group bucket: lint does not size what a bucket freezes, a warning that says so', () => {
    const flows = flowsOf('dp-hash-group-with-set-big').replace('actions=group:1', 'actions=group:2');
    const groups = `${groupsOf('dp-hash-group-with-set-big')!.trim()}\ngroup_id=2,type=all,bucket=actions=group:1\n`;
    const fs = lintText(flows, { rules: ['freeze-with-action-set'], groups });
    expect(brief(fs)).toEqual([`3:${colOf(flows, 3, 'group:2')} warning freeze-with-action-set`]);
    expect(fs[0].message).toContain('lint cannot tell here: the group runs in a group bucket');
  });

  it('near misses: a select group hashing its own fields does not freeze; no set, no finding', () => {
    const c = 'dp-hash-group-with-set-small';
    const hashed = groupsOf(c)!.replace('selection_method=dp_hash', 'selection_method=hash,fields(ip_src)');
    expect(lintText(flowsOf(c), { rules: ['freeze-with-action-set'], groups: hashed })).toEqual([]);
    expect(lintText(flowsOf(c).replace('write_actions(output:2),', ''), { rules: ['freeze-with-action-set'], groups: groupsOf(c) })).toEqual([]);
  });
});

describe('the empty-table rules look into the action set and group buckets', () => {
  it('goto-miss-runs-set: after a goto_table miss OVS still runs the action set; the finding says so', () => {
    const trace = read('goto-miss-runs-set', 'trace.txt');
    expect(trace).toMatch(/5\. No match\.\n\s+drop\n--\. Executing action set:\n {4}output:2\n/);
    expect(trace).toMatch(/^Datapath actions: 2$/m);
    const fs = lintCase('goto-miss-runs-set', ['goto-missing-table']);
    expect(fs).toHaveLength(1);
    expect(fs[0].message).toContain('OVS then runs the action set (written by line 2)');
    const plain = lintText(flowsOf('goto-miss-runs-set').replace('write_actions(output:2),', ''), { rules: ['goto-missing-table'] });
    expect(plain[0].message).toContain('the lookup there misses and OVS drops the packet');
  });

  it.each([
    ['bucket-resubmit-to-empty', 'resubmit-to-empty-table', /bucket 1\n {12}resubmit\(,9\)\n {9}9\. No match\./],
    ['bucket-ct-to-empty', 'ct-table-empty', /Resuming from table 9\n 9\. No match\./],
  ])('%s: a bucket going to empty table 9 is a %s warning at the group action', (c, rule, seen) => {
    expect(read(c, 'trace.txt')).toMatch(seen);
    const flows = flowsOf(c);
    const fs = lintCase(c, [rule]);
    expect(brief(fs)).toEqual([`2:${colOf(flows, 2, 'group:1')} warning ${rule}`]);
    expect(fs[0].message).toMatch(/^group 1 bucket 1: /);
    // Near misses: table 9 has flows; the groups are not given.
    expect(lintText(flows + 'table=9,priority=0 actions=drop\n', { rules: [rule], groups: groupsOf(c) })).toEqual([]);
    expect(lintText(flows, { rules: [rule] })).toEqual([]);
  });

  it('a group used by two flows: its bucket is reported once', () => {
    const flows = flowsOf('bucket-resubmit-to-empty') + 'table=0,priority=90,arp actions=group:1\n';
    expect(brief(lintText(flows, { rules: ['resubmit-to-empty-table'], groups: groupsOf('bucket-resubmit-to-empty') })))
      .toEqual([`2:${colOf(flows, 2, 'group:1')} warning resubmit-to-empty-table`]);
  });

  it('a resubmit or ct(table=) written to the set and replaced later is not reported; one the set runs is', () => {
    const cleared = flowsOf('clear-in-later-table').replace(/^table=5.*\n/m, '');
    expect(lintText(cleared, { rules: ['resubmit-to-empty-table'] })).toEqual([]);
    const runs = cleared.replace('actions=clear_actions', 'actions=output:3');
    expect(brief(lintText(runs, { rules: ['resubmit-to-empty-table'] }))).toEqual([`2:${colOf(runs, 2, 'resubmit(,5)')} warning resubmit-to-empty-table`]);
    const ct = runs.replace('resubmit(,5)', 'ct(zone=1,table=5)').replace('actions=output:3', 'actions=write_actions(output:3)');
    expect(lintText(ct, { rules: ['ct-table-empty'] })).toEqual([]);
  });
});

