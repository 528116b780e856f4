// Kernel profile NAT of SCTP ports against real nf_nat (kernel 6.18,
// test/oracle/kernel-sctp-nat): per packet the ct_state, the events, `conntrack -L` and
// the addresses/ports of the frame that left (the recording's `received`).
import { describe, expect, it } from 'vitest';
import { formatCtState, formatIp, newConntrack, parseIp, type CtPacket, type NatSpec } from '../../src/conntrack/index.js';
import { caseNames, compareLines, natStep, readCase } from './oracle-replay.js';

const DIR = 'kernel-sctp-nat';

/** `ip protocol sctp dnat to 172.16.255.131:3000` as ct(nat(...)) arguments. */
function specOf(rule: string): NatSpec {
  const m = /\b(snat|dnat) to ([\d.]+):(\d+)(?:-(\d+))?$/.exec(rule)!;
  const addr = parseIp(m[2]!)!.value;
  return { kind: m[1] === 'snat' ? 'src' : 'dst', addrMin: addr, addrMax: addr, portMin: Number(m[3]), portMax: Number(m[4] ?? m[3]) };
}

const ends = (line: string): string =>
  ['nw_src', 'nw_dst', 'tp_src', 'tp_dst'].map((k) => `${k}=${new RegExp(`\\b${k}=([^,\\s]+)`).exec(line)![1]}`).join(',');

const frame = (p: CtPacket, n?: { src: bigint; dst: bigint; sport?: number; dport?: number }): string => {
  const o = { ...p, ...n };
  return `nw_src=${formatIp('ipv4', o.src)},nw_dst=${formatIp('ipv4', o.dst)},tp_src=${o.sport},tp_dst=${o.dport}`;
};

function replay(name: string): string[] {
  const c = readCase(DIR, name);
  const spec = specOf(c.sysctls._nat);
  const ct = newConntrack({ profile: 'kernel' });
  const out: string[] = [];
  for (const s of c.steps) {
    const { pkt, r1, r2, now } = natStep(ct, s, spec);
    const where = `${name} step ${s.step}`;
    const want = /:\s*(\S+)/.exec(s.ct_state)![1]!.split('+').filter(Boolean).sort().join('+');
    const got = formatCtState(r2.ctState).split('+').filter((f) => f && f !== 'snat' && f !== 'dnat').sort().join('+');
    if (got !== want) out.push(`${where}: ct_state ${got}, recorded ${want}`);
    compareLines(`${where} events`, [...r1.events, ...r2.events], s.events, out);
    compareLines(`${where} conntrack -L`, ct.dump(now + Math.round(s.dump_after_s * 1000)), s.conntrack_L, out);
    const left = frame(pkt, r2.natted ?? r1.natted);
    if (left !== ends(s.received[0])) out.push(`${where}: frame ${left}, kernel ${ends(s.received[0])}`);
  }
  return out;
}

describe('kernel profile SCTP NAT against nf_nat (kernel 6.18)', () => {
  const names = caseNames(DIR);
  it('has both recorded cases', () => expect(names).toEqual(['sctp-dnat-port', 'sctp-snat-port-kept']));
  it.each(names)('%s', (name) => expect(replay(name)).toEqual([]));
});
