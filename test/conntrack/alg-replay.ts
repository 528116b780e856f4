// What the ALG oracle tests share: a recorded line read as a packet, ct_state flags as a
// set, the frame that leaves (addresses, ports, seq/ack, payload) and the NAT bits OVS
// gives a packet, read off the recorded `conntrack -L` lines.
import { expect } from 'vitest';
import { formatIp } from '../../src/conntrack/addr.js';
import { formatCtState, newConntrack, newCtPacketCache, type CtOptions, type CtPacket, type CtResult } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { toCtPacket } from '../../src/packet/ct.js';
import { compareLines } from './oracle-replay.js';

/** A recorded line through ctflow's own conversation reader (the data= payload included). */
export function packet(line: string): CtPacket {
  const c = readConversation(line, 'recorded');
  expect(c.diagnostics).toEqual([]);
  return toCtPacket(c.packets[0]!.packet);
}

/** ct_state flags in a fixed order, so `+est+trk` and `+trk+est` compare equal. */
export const flags = (s: string): string => s.split('+').filter(Boolean).sort().join('+');

/** The frame that leaves, in the recording's terms: addresses, ports, seq/ack (TCP), payload. */
export function leaving(p: CtPacket, r: Pick<CtResult, 'natted'>): string {
  const n = r.natted;
  const t = n?.tcp;
  const ip = (a: bigint): string => formatIp(p.l3, a);
  const head = `${ip(n?.src ?? p.src)}:${n?.sport ?? p.sport} > ${ip(n?.dst ?? p.dst)}:${n?.dport ?? p.dport}`;
  if (!p.tcp) return `${head} data=${JSON.stringify(Buffer.from(p.udp?.payload ?? []).toString('latin1'))}`;
  const pay = t?.payload ?? p.tcp.payload ?? new Uint8Array();
  return `${head} seq=${t?.seq ?? p.tcp.seq} ack=${t?.ack ?? p.tcp.ack} data=${JSON.stringify(Buffer.from(pay).toString('latin1'))}`;
}

/** The frame a recorded `out` line describes. */
export const recordedLeaving = (line: string): string => leaving(packet(line), {});

/** NAT bits OVS gives a packet: from the entry's tuples as listed and the packet's direction. */
export function natBits(listed: string[], p: CtPacket, rpl: boolean): string {
  const ports = rpl ? `sport=${p.dport} dport=${p.sport}` : `sport=${p.sport} dport=${p.dport}`;
  const line = listed.find((l) => l.includes(ports));
  const m = line && /src=(\S+) dst=(\S+) .*? src=(\S+) dst=(\S+)/.exec(line);
  if (!m) return '';
  const snat = m[4] !== m[1], dnat = m[3] !== m[2];
  return (snat ? (rpl ? '+dnat' : '+snat') : '') + (dnat ? (rpl ? '+snat' : '+dnat') : '');
}

/**
 * What OVS's kernel module reports for a packet nft saw at the forward hook: nf_conntrack's
 * ctinfo, plus +new on a RELATED entry not yet confirmed, +rel kept on every packet of a
 * connection an expectation made, and the NAT bits of the entry's bindings. `related`
 * remembers those connections (keyed by ports: a NATed connection's two sides differ in address).
 */
export function kernelWant(rec: string, p: CtPacket, listed: string[], related: Set<string>): string {
  const key = [p.sport, p.dport].sort().join('-');
  let want = rec;
  if (rec.includes('+rel')) {
    if (!related.has(key)) want += '+new';
    related.add(key);
  } else if (related.has(key)) want += '+rel';
  return want + natBits(listed, p, rec.includes('+rpl'));
}

/**
 * Replays a recorded router / OVS case packet by packet, one ct(commit) each with the
 * options the recorded rules give the packet, and lists every disagreement: ct_state, the
 * frame that leaves, the table after it and, for the kernel, the `conntrack -E` lines
 * (when recorded) and the expectations. A kernel step whose frame did not leave was
 * dropped by the helper after the forward hook: +inv here.
 */
export function replayAlg(profile: 'kernel' | 'userspace', name: string, steps: any[], opts: (p: CtPacket) => CtOptions): string[] {
  const ct = newConntrack({ profile });
  const out: string[] = [];
  const related = new Set<string>();
  for (const s of steps) {
    const where = `${name} step ${s.step}`;
    const p = packet(s.line);
    const now = profile === 'kernel' ? Math.round(s.t * 1000) : s.t_ms;
    const r = ct.execute(p, opts(p), now, newCtPacketCache());
    const dropped = profile === 'kernel' && s.out === null;
    const want = dropped ? '+trk+inv'
      : profile === 'kernel' ? kernelWant(/forward: (\S+)/.exec(s.ct_state)![1]!, p, s.conntrack_L, related) : s.ct_state;
    if (flags(formatCtState(r.ctState)) !== flags(want)) out.push(`${where}: ct_state ${formatCtState(r.ctState)}, want ${want}`);
    if (!dropped) {
      const got = leaving(p, r), rec = recordedLeaving(s.out);
      if (got !== rec) out.push(`${where}: leaves as ${got}, recorded ${rec}`);
    }
    if (profile === 'kernel') {
      compareLines(`${where} conntrack -L`, ct.dump(now + 80), s.conntrack_L, out);
      if (s.events) compareLines(`${where} events`, r.events, s.events, out);
      const exp = ct.dumpExpectations(now + 80).map((l) => l.replace(/^\d+ /, ''));
      const wantExp = s.conntrack_L_expect.map((l: string) => l.replace(/^\d+ /, ''));
      if (JSON.stringify(exp) !== JSON.stringify(wantExp)) out.push(`${where}: expect ${JSON.stringify(exp)}, recorded ${JSON.stringify(wantExp)}`);
    } else {
      compareLines(`${where} dump`, ct.dump(now, { zone: 1 }), s.dump_conntrack, out);
      compareLines(`${where} dump -m`, ct.dump(now, { zone: 1, more: true }), s.dump_conntrack_m, out);
    }
  }
  return out;
}
