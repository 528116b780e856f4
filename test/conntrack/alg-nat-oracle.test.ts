// FTP helper together with NAT, replayed against the recordings in
// test/oracle/alg-nat-{kernel,userspace} (see their README.md): per packet the ct_state,
// the table after it (and the kernel's expectations), and the frame that leaves: its
// addresses and ports, seq/ack and payload (the PORT / 227 line rewritten, the rest of
// the control connection shifted by the length change).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCtState, newConntrack, newCtPacketCache, type Conntrack, type CtOptions, type CtPacket, type CtResult } from '../../src/conntrack/index.js';
import { readConversation } from '../../src/conversation/read.js';
import { toCtPacket } from '../../src/packet/ct.js';
import { compareLines, ORACLE } from './oracle-replay.js';

const CASES = ['ftp-active-snat', 'ftp-passive-dnat'];
const read = (dir: string, name: string): any => JSON.parse(readFileSync(join(ORACLE, dir, name, 'result.json'), 'utf8'));
const flags = (s: string): string => s.split('+').filter(Boolean).sort().join('+');
const VIP = 0x0a090909n;

function packet(line: string): CtPacket {
  const c = readConversation(line, 'recorded');
  expect(c.diagnostics).toEqual([]);
  return toCtPacket(c.packets[0]!.packet);
}

/**
 * The recorded rules: the client's control connection is committed with the FTP helper,
 * mark 0x15 and the case's NAT; everything else with a bare `nat` (the binding it has).
 */
function opts(name: string, p: CtPacket): CtOptions {
  const control = p.dport === 21 && (name.includes('snat') ? p.src === 0xac10ff82n : p.dst === VIP);
  if (!control) return { zone: 1, commit: true, force: false, nat: {} };
  const nat = name.includes('snat')
    ? { kind: 'src' as const, addrMin: 0x0a010203n, addrMax: 0x0a010203n }
    : { kind: 'dst' as const, addrMin: 0xac10ff83n, addrMax: 0xac10ff83n };
  return { zone: 1, commit: true, force: false, helper: 'ftp', nat, setMark: { value: 0x15, mask: 0xffffffff } };
}

/** The frame that leaves, in the recording's terms: addresses, ports, seq/ack, payload. */
function leaving(p: CtPacket, r: CtResult): string {
  const n = r.natted;
  const t = n?.tcp;
  const pay = t?.payload ?? p.tcp!.payload ?? new Uint8Array();
  const ip = (a: bigint) => [24n, 16n, 8n, 0n].map((s) => (a >> s) & 255n).join('.');
  return `${ip(n?.src ?? p.src)}:${n?.sport ?? p.sport} > ${ip(n?.dst ?? p.dst)}:${n?.dport ?? p.dport} `
    + `seq=${t?.seq ?? p.tcp!.seq} ack=${t?.ack ?? p.tcp!.ack} data=${JSON.stringify(Buffer.from(pay).toString('latin1'))}`;
}
const recordedLeaving = (line: string): string => leaving(packet(line), { natted: undefined } as CtResult);

/** NAT bits OVS gives a packet: from the entry's tuples as listed and the packet's direction. */
function natBits(listed: string[], p: CtPacket, rpl: boolean): string {
  const ports = rpl ? `sport=${p.dport} dport=${p.sport}` : `sport=${p.sport} dport=${p.dport}`;
  const line = listed.find((l) => l.includes(ports));
  const m = line && /src=(\S+) dst=(\S+) .*? src=(\S+) dst=(\S+)/.exec(line);
  if (!m) return '';
  const snat = m[4] !== m[1], dnat = m[3] !== m[2];
  return (snat ? (rpl ? '+dnat' : '+snat') : '') + (dnat ? (rpl ? '+snat' : '+dnat') : '');
}

const recording = (profile: 'kernel' | 'userspace', name: string): any => read(profile === 'kernel' ? 'alg-nat-kernel' : 'alg-nat-userspace', name);

function replay(profile: 'kernel' | 'userspace', name: string, c: any = recording(profile, name)): string[] {
  const ct: Conntrack = newConntrack({ profile });
  const out: string[] = [];
  const related = new Set<string>();
  for (const s of c.steps) {
    const where = `${name} step ${s.step}`;
    const p = packet(s.line);
    const now = profile === 'kernel' ? Math.round(s.t * 1000) : s.t_ms;
    const r = ct.execute(p, opts(name, p), now, newCtPacketCache());
    let want: string = s.ct_state;
    if (profile === 'kernel') {
      // nft's forward hook sees nf_conntrack's ctinfo before SNAT; OVS's kernel module adds
      // +new to an unconfirmed RELATED entry and keeps +rel (as in alg-oracle.test.ts), and
      // its NAT bits follow the entry's bindings.
      const rec = /forward: (\S+)/.exec(s.ct_state)![1]!;
      // Ports only: a NATed connection's two directions carry different addresses.
      const key = [p.sport, p.dport].sort().join('-');
      want = rec;
      if (rec.includes('+rel')) {
        if (!related.has(key)) want += '+new';
        related.add(key);
      } else if (related.has(key)) want += '+rel';
      want += natBits(s.conntrack_L, p, rec.includes('+rpl'));
    }
    if (flags(formatCtState(r.ctState)) !== flags(want)) out.push(`${where}: ct_state ${formatCtState(r.ctState)}, want ${want}`);
    const got = leaving(p, r), rec = recordedLeaving(s.out);
    if (got !== rec) out.push(`${where}: leaves as ${got}, recorded ${rec}`);
    if (profile === 'kernel') {
      compareLines(`${where} conntrack -L`, ct.dump(now + 80), s.conntrack_L, out);
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

describe('FTP helper with NAT against real conntrack', () => {
  it.each(CASES)('kernel (nf_nat_ftp) %s', (name) => {
    expect(replay('kernel', name)).toEqual([]);
  });
  it.each(CASES)('OVS 3.1 userspace %s', (name) => {
    expect(replay('userspace', name)).toEqual([]);
  });

  // The comparison sees the shift: a recording whose second command left one byte further
  // on, or whose rewritten line kept its old text, no longer agrees.
  it.each(['kernel', 'userspace'] as const)('%s: a frame off by one in seq, or a line left unrewritten, is reported', (profile) => {
    const c = recording(profile, 'ftp-active-snat');
    c.steps[8].out = c.steps[8].out.replace('seq=1031', 'seq=1032');
    c.steps[6].out = c.steps[6].out.replace('len=22 data="PORT 10,1,2,3,156,69', 'len=28 data="PORT 172,16,255,130,156,69');
    const got = replay(profile, 'ftp-active-snat', c);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatch(/^ftp-active-snat step 7: leaves as .*PORT 10,1,2,3,156,69/);
    expect(got[1]).toMatch(/^ftp-active-snat step 9: leaves as .* seq=1031 .*recorded .* seq=1032/);
  });
});

describe('FTP with NAT: what is not emulated fails loudly', () => {
  const C = '172.16.255.130', S = '172.16.255.131', A = '10.1.2.3';
  const seg = (from: 'c' | 's', fl: string, seq: number, ack: number, data?: string) =>
    packet(`tcp,nw_src=${from === 'c' ? C : S},nw_dst=${from === 'c' ? S : A},tp_src=${from === 'c' ? 40001 : 21},tp_dst=${from === 'c' ? 21 : 40001},`
      + `tcp_flags=${fl}  seq=${seq} ack=${ack} win=64240${data ? ` data="${data}"` : ''}`);
  it('kernel: an EPRT command on a NATed control connection', () => {
    const ct = newConntrack({ profile: 'kernel' });
    const go = (p: CtPacket) => ct.execute(p, opts('snat', p), 0, newCtPacketCache());
    go(seg('c', 'syn', 1000, 0));
    go(seg('s', 'syn|ack', 5000, 1001));
    go(seg('c', 'ack', 1001, 5001));
    go(seg('c', 'psh|ack', 1001, 5001, 'USER a\\r\\n'));
    expect(() => go(seg('c', 'psh|ack', 1009, 5001, 'EPRT |1|172.16.255.130|40005|\\r\\n'))).toThrow(/EPRT command or 229 \(EPSV\) reply is not emulated/);
  });
});
