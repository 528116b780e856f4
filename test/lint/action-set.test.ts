// Lint reads write_actions(...) and group buckets as OVS 3.1 runs them (the action set:
// one final action — group, else output, else resubmit, else ct_clear, else ct — the
// others never run). The recorded ofproto/trace of test/oracle/trace/cases/actset-* shows
// it; lint must not count a table reached, a ct() run or a register written by an action
// that loses.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keptFlows } from '../../src/lint/match-index.js';
import { computeReach } from '../../src/lint/reach.js';
import { readFlows } from '../../src/parse/flows.js';
import { readGroups } from '../../src/parse/groups.js';
import { brief, colOf, lintText, table } from './helpers.js';

const CASES = join(import.meta.dirname, '..', 'oracle', 'trace', 'cases');
const recorded = (name: string, file: string) => readFileSync(join(CASES, name, file), 'utf8');

describe('write_actions: only the action set\'s final action runs', () => {
  it('recorded: write_actions(group:1,resubmit(,2)) runs the group, table 2 is never reached', () => {
    const name = 'actset-group-beats-resubmit-of13';
    const trace = recorded(name, 'trace.txt');
    expect(trace).toMatch(/-> action set is: group:1\n/);
    expect(trace).not.toMatch(/^\s+2\. /m); // OVS never looked table 2 up
    const flows = recorded(name, 'flows.txt');
    expect(flows.split('\n')[3]).toBe('table=2,priority=100 actions=output:4');
    const seen = lintText(flows, { rules: ['unreachable-table'], groups: recorded(name, 'groups.txt') });
    expect(brief(seen)).toEqual(['4:1 warning unreachable-table']);
  });

  it('recorded: output:2 written in table 0 outranks the resubmit(,2) table 1 writes, table 2 is never reached', () => {
    const name = 'actset-resubmit-loses-to-output-of13';
    const trace = recorded(name, 'trace.txt');
    expect(trace).toMatch(/write_actions\(resubmit\(,2\)\)\n\s+-> action set is: output:2\n/);
    expect(trace).not.toMatch(/^\s+2\. /m);
    const seen = lintText(recorded(name, 'flows.txt'), { rules: ['unreachable-table'] });
    expect(brief(seen)).toEqual(['4:1 warning unreachable-table']);
    expect(seen[0].message).toContain('the write_actions of line 3 would lead here, but on every path a clear_actions after it empties the set, or the set holds a final action that outranks it');
  });

  it('a table reached only through a ct(table=) that loses to an output is unreachable', () => {
    const t = table(
      'table=0,priority=100,ip actions=write_actions(ct(zone=1,table=5),output:2)',
      'table=5,priority=100,ct_state=+trk,ip actions=output:3');
    expect(brief(lintText(t))).toEqual(['2:1 warning unreachable-table']);
    // The same ct() alone is the final action: table 5 is reached, tracked.
    expect(lintText(t.replace(',output:2', ''))).toEqual([]);
  });

  it('a losing ct(table=) to an empty table is no finding; a winning one is', () => {
    const t = table('table=0,priority=100,ip actions=write_actions(ct(zone=1,table=9),output:2)');
    expect(lintText(t, { rules: ['ct-table-empty'] })).toEqual([]);
    const alone = t.replace(',output:2', '');
    expect(brief(lintText(alone, { rules: ['ct-table-empty'] }))).toEqual([`1:${colOf(alone, 1, 'ct(')} warning ct-table-empty`]);
  });

  it('a ct(commit) that loses to an output commits nothing: no commit-zone-mismatch', () => {
    const t = table(
      'table=0,priority=100,ip actions=ct(zone=1,table=1)',
      'table=1,priority=100,ct_state=+trk,ip actions=write_actions(ct(commit,zone=2),output:2)');
    expect(lintText(t, { rules: ['commit-zone-mismatch'] })).toEqual([]);
    const alone = t.replace(',output:2', '');
    expect(brief(lintText(alone, { rules: ['commit-zone-mismatch'] })))
      .toEqual([`2:${colOf(alone, 2, 'ct(commit')} warning commit-zone-mismatch`]);
  });

  it('the action set runs when the pipeline ends: a goto_table after write_actions(ct_clear) keeps the ct() state', () => {
    const t = table(
      'table=0,priority=100,ip actions=ct(zone=1,table=1)',
      'table=1,priority=100,ip actions=write_actions(ct_clear),goto_table:2',
      'table=2,priority=100,ct_state=+trk,ip actions=output:2');
    expect(lintText(t, { rules: ['ct-state-before-ct'] })).toEqual([]);
  });

  it('field writes in write_actions count without a final action (another table may write one)', () => {
    const t = table(
      'table=0,priority=100 actions=write_actions(set_field:0x1->reg3),goto_table:1',
      'table=1,priority=100,reg3=0x1 actions=write_actions(output:2)');
    expect(lintText(t, { rules: ['register-read-never-written'] })).toEqual([]);
  });
});

describe('group buckets run as action sets of their own', () => {
  const flows = table(
    'table=0,priority=100 actions=group:1',
    'table=7,priority=100 actions=output:3');

  it('a bucket output:2,resubmit(,7) never resubmits: table 7 is unreachable', () => {
    expect(brief(lintText(flows, { groups: 'group_id=1,type=all,bucket=actions=output:2,resubmit(,7)\n' })))
      .toEqual(['2:1 warning unreachable-table']);
    expect(lintText(flows, { groups: 'group_id=1,type=all,bucket=actions=resubmit(,7)\n' })).toEqual([]);
  });

  it('a bucket without a final action runs nothing, so its register write counts for nothing', () => {
    const t = flows + 'table=7,priority=90,reg3=0x1 actions=output:4\n';
    const seen = (bucket: string) => brief(lintText(t.replace('group:1', 'group:1,resubmit(,7)'),
      { rules: ['register-read-never-written'], groups: `group_id=1,type=all,bucket=actions=${bucket}\n` }));
    expect(seen('set_field:0x1->reg3')).toEqual([`3:${colOf(t, 3, 'reg3')} note register-read-never-written`]);
    expect(seen('set_field:0x1->reg3,output:2')).toEqual([]);
  });
});

describe('what lint leaves out, real OVS never ran', () => {
  // Lint may count too many tables reachable (it follows every flow that may match), never
  // too few, also now that it follows the action set across tables: every table OVS looked
  // a packet up in, in every recorded ofproto/trace (the trace oracle's and lint's own,
  // test/oracle/lint-actset), is one lint reaches from table 0.
  it('every table of every recorded trace is reachable for lint', () => {
    let cases = 0, actset = 0;
    const missed: string[] = [];
    const dirs = [CASES, join(CASES, '..', '..', 'lint-actset')];
    for (const [dir, name] of dirs.flatMap((d) => readdirSync(d).map((n) => [d, n]))) {
      const at = (f: string) => join(dir, name, f);
      if (!existsSync(at('trace.txt')) || !existsSync(at('flows.txt'))) continue;
      const text = readFileSync(at('flows.txt'), 'utf8');
      // Added with `ovs-ofctl -O OpenFlow1N` when the file says `# protocol: OpenFlow1N` (push_vlan needs 1.1+).
      const flows = readFlows(text, 'flows.txt', { ofVersion: 10 + Number(/^#\s*protocol:\s*OpenFlow1(\d)/m.exec(text)?.[1] ?? 0) });
      if (flows.diagnostics.length) continue; // a case recording OVS's refusal of the flows
      const groups = existsSync(at('groups.txt')) ? readGroups(readFileSync(at('groups.txt'), 'utf8'), 'groups.txt').groups : null;
      const reach = computeReach(keptFlows(flows.flows).kept, groups && new Map(groups.map((g) => [g.id, g])));
      const looked = [...readFileSync(at('trace.txt'), 'utf8').matchAll(/^\s+(\d+)\. /gm)].map((m) => Number(m[1]));
      for (const t of looked) if (!reach.tables.has(t)) missed.push(`${name}: table ${t}`);
      cases++;
      if (name.startsWith('actset-') || dir !== CASES) actset++;
    }
    expect(missed).toEqual([]);
    expect(cases).toBeGreaterThan(250);
    expect(actset).toBeGreaterThanOrEqual(29);
  });
});
