// ofproto/trace of the action set where a pass does not simply end, recorded from real OVS
// 3.1 (test/oracle/actset-freeze/README.md; clone-runs-set from test/oracle/lint-actset/):
// a clone() runs its copy of the set when its actions end (inside the datapath clone() when
// it needs one); each check_pkt_larger branch ends as a pass does, the second one with the
// copy the first emptied, and the lists around go on after it; a freeze that would abort
// ovs-vswitchd (ofproto/trace of it killed the daemon too) is an error in ctflow's trace.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/parse/flows.js';
import { readGroups } from '../../src/parse/groups.js';
import { parsePacket } from '../../src/packet/packet.js';
import { VswitchdAbort } from '../../src/pipeline/action-set.js';
import { buildPipeline } from '../../src/pipeline/pipeline.js';
import { runPacket } from '../../src/pipeline/run.js';
import { formatTraceText } from '../../src/trace/text.js';
import { normalise, texts } from './full-text-case.js';
import { runCase } from './oracle-case.js';

const ORACLE = join(import.meta.dirname, '..', 'oracle');
const DIR = join(ORACLE, 'actset-freeze');
/** The cases as runCase/texts name them (relative to test/oracle/trace/cases). */
const asCase = (c: string) => join('..', '..', 'actset-freeze', c);
const all = readdirSync(DIR).filter((c) => existsSync(join(DIR, c, 'trace.txt'))).sort();
const traced = all.filter((c) => existsSync(join(DIR, c, 'expect.json')));
const killed = all.filter((c) => !existsSync(join(DIR, c, 'expect.json')));

/** ctflow's trace of a case: flows added over OpenFlow 1.3, groups over `groupsOf` (the recorder's). */
function traceOf(dir: string, groupsOf = 15): string {
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const flows = readFlows(read('flows.txt'), 'flows.txt', { ofVersion: 13 });
  const groups = existsSync(join(dir, 'groups.txt')) ? readGroups(read('groups.txt'), 'groups.txt', { ofVersion: groupsOf }).groups : [];
  const pipeline = buildPipeline(flows.flows, {
    groups, ofVersion: 13, groupsOfVersion: groupsOf, ports: { ofPorts: new Set([1, 2, 3, 4]), dpPorts: new Map(), local: 100 },
  });
  return formatTraceText(runPacket({ pipeline }, parsePacket(read('packet.txt').trim()), 0).trace, 'br0');
}

describe('the action set at the end of a clone() or a check_pkt_larger branch (ofproto/trace)', () => {
  it('has the recorded cases', () => {
    expect(traced).toEqual(expect.arrayContaining(['clone-set-in-dp-clone', 'clone-set-inline', 'check-pkt-larger-set-before', 'check-pkt-larger-set-in-branch', 'check-pkt-larger-outer-continues', 'pause-set-then-output']));
  });

  it.each(traced)('%s: the whole trace as OVS printed it', async (c) => {
    expect((await runCase(asCase(c))).diffs).toEqual([]);
    const [got, want] = await texts(asCase(c));
    expect(got).toBe(want);
  });

  // lint-actset's recorder kept one ovs-vswitchd for all its cases: recirculation ids go on
  // from case to case there, so they are left out of the comparison.
  const LINT = join(ORACLE, 'lint-actset');
  const lintTraced = readdirSync(LINT).filter((c) => existsSync(join(LINT, c, 'trace.txt'))).sort();
  const anyRecircId = (t: string) => t.replace(/recirc(_id=|\()0x[0-9a-f]+/g, 'recirc$1ID');
  it.each(lintTraced)('lint-actset/%s: the whole trace as OVS printed it', (c) => {
    const dir = join(LINT, c);
    const [got, want] = normalise(anyRecircId(traceOf(dir, 13)), anyRecircId(readFileSync(join(dir, 'trace.txt'), 'utf8')), false);
    expect(got).toBe(want);
  });

  it('clone-runs-set (lint-actset): the clone runs table 5 from its copy, before the flow clears the set', () => {
    expect(traceOf(join(LINT, 'clone-runs-set'), 13)).toContain('Datapath actions: 3,4');
  });
});

describe('a freeze that kills ovs-vswitchd, traced', () => {
  it.each(killed)('%s: ofproto/trace lost the daemon; ctflow\'s trace stops with the abort', (c) => {
    expect(readFileSync(join(DIR, c, 'trace.txt'), 'utf8')).toContain('ovs-appctl: ovs-vswitchd: transaction error (End of file)');
    expect(() => traceOf(join(DIR, c))).toThrow(VswitchdAbort);
  });
});
