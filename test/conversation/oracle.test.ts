// Every recorded kernel and OVS-userspace conntrack case, replayed as a conversation
// through flow tables (ctflow run semantics), compared step by step: ct_state of the
// pass that forwarded the packet, output port, the table `dump_after_s` later (entry
// state, [UNREPLIED]/[ASSURED], timeouts ±1 s) and the `conntrack -E` events.
import { describe, expect, it } from 'vitest';
import { formatCtState } from '../../src/conntrack/index.js';
import { compareLines } from '../conntrack/oracle-replay.js';
import { caseNames, KERNEL_FLOWS, readCase, replayCase, USERSPACE_FLOWS } from './oracle-cases.js';

const flagSet = (s: string): string => s.split('+').filter(Boolean).sort().join('+');

function kernel(name: string): string[] {
  const c = readCase('kernel', name);
  const out: string[] = [];
  const sysctls = new Map(Object.entries(c.sysctls ?? {}));
  replayCase(c, 'kernel', KERNEL_FLOWS, sysctls, (s, v, later) => {
    const where = `${name} step ${s.step}`;
    const want = /:\s*(\S+)/.exec(s.ct_state)![1];
    const got = formatCtState(v.result.ctState);
    if (flagSet(got) !== flagSet(want)) out.push(`${where}: ct_state ${got}, recorded ${want}`);
    const port = s.who === 'c' ? 2 : 1;
    if (JSON.stringify(v.result.outputs) !== JSON.stringify(s.delivered ? [port] : [])) {
      out.push(`${where}: outputs ${JSON.stringify(v.result.outputs)}, recorded delivered=${s.delivered}`);
    }
    compareLines(`${where} conntrack -L`, later, s.conntrack_L, out);
    compareLines(`${where} events`, v.result.events, s.events, out);
  });
  return out;
}

function userspace(name: string): string[] {
  const c = readCase('ovs-userspace', name);
  const out: string[] = [];
  // The recorder set only the knobs OVS has an equivalent for (tcp_loose has none).
  const sysctls = new Map(Object.entries(c.kernel_sysctls ?? {}).filter(([k]) => k !== 'nf_conntrack_tcp_loose'));
  replayCase(c, 'userspace', USERSPACE_FLOWS, sysctls, (s, v, later) => {
    const where = `${name} step ${s.step}`;
    const got = formatCtState(v.result.ctState);
    if (flagSet(got) !== flagSet(s.ct_state)) out.push(`${where}: ct_state ${got}, recorded ${s.ct_state}`);
    const port = s.who === 'c' ? 2 : 1;
    if (JSON.stringify(v.result.outputs) !== JSON.stringify(s.delivered ? [port] : [])) {
      out.push(`${where}: outputs ${JSON.stringify(v.result.outputs)}, recorded delivered=${s.delivered}`);
    }
    compareLines(`${where} dump-conntrack -m -s`, later, s.dump_conntrack_ms, out);
  });
  return out;
}

describe('ctflow run: kernel recordings through ct(zone=1,table=1) + commit table', () => {
  const names = caseNames('kernel');
  it('has all 34 recorded cases', () => expect(names.length).toBe(34));
  it.each(names)('%s', (name) => expect(kernel(name)).toEqual([]));
});

describe('ctflow run --profile userspace: OVS 3.1 recordings', () => {
  const names = caseNames('ovs-userspace');
  it('has all 34 recorded cases', () => expect(names.length).toBe(34));
  it.each(names)('%s', (name) => expect(userspace(name)).toEqual([]));
});
