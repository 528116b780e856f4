// FTP / TFTP helpers replayed against the recordings in test/oracle/alg-{kernel,userspace}
// (see their README.md): every packet's ct_state, the table after it and, for the kernel,
// the `conntrack -E` lines and `conntrack -L expect`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCtState, newConntrack, newCtPacketCache, type AlgName, type Conntrack, type CtOptions, type CtPacket } from '../../src/conntrack/index.js';
import { flags, packet } from './alg-replay.js';
import { compareLines, ORACLE } from './oracle-replay.js';

const CASES = ['ftp-active', 'ftp-passive', 'ftp-first-line', 'ftp-port-other-address', 'ftp-eprt-epsv', 'tftp-read'];
const read = (dir: string, name: string): any => JSON.parse(readFileSync(join(ORACLE, dir, name, 'result.json'), 'utf8'));

/** What the recorded commit did for this packet: the helper and mark (label) of its flow. */
function commitOpts(p: CtPacket, label: boolean): CtOptions {
  const o: CtOptions = { zone: 1, commit: true, force: false };
  const alg: AlgName | undefined = p.proto === 6 && p.dport === 21 ? 'ftp' : p.proto === 17 && p.dport === 69 ? 'tftp' : undefined;
  if (alg) {
    o.helper = alg;
    o.setMark = { value: alg === 'ftp' ? 0x15 : 0x45, mask: 0xffffffff };
    if (label && alg === 'ftp') o.setLabel = { value: 0x2an, mask: (1n << 128n) - 1n };
  }
  return o;
}

/** A connection's key either way round, to follow which ones an expectation made. */
const connKey = (p: CtPacket): string => [`${p.src}:${p.sport}`, `${p.dst}:${p.dport}`].sort().join('-');

/** `conntrack -L expect` lines with their leading timeout compared to ±1 s. */
function compareExpect(where: string, got: string[], want: string[], out: string[]): void {
  const split = (l: string) => { const m = /^(\d+) (.*)$/.exec(l)!; return { t: Number(m[1]), rest: m[2] }; };
  const g = got.map(split), w = want.map(split);
  if (g.length !== w.length || w.some((x, i) => x.rest !== g[i]!.rest || Math.abs(x.t - g[i]!.t) > 1)) {
    out.push(`${where}: expect ${JSON.stringify(got)}, recorded ${JSON.stringify(want)}`);
  }
}

function replayKernel(name: string): string[] {
  const c = read('alg-kernel', name);
  const ct = newConntrack({ profile: 'kernel' });
  const out: string[] = [];
  const related = new Set<string>();
  for (const s of c.steps) {
    const where = `${name} step ${s.step}`;
    const now = Math.round(s.t * 1000);
    const p = packet(s.line);
    const cache = newCtPacketCache();
    // Every packet is looked up, then committed (the recording commits all, as nft confirms all).
    const r1 = ct.execute(p, { zone: 1, commit: false, force: false }, now, cache);
    const r2 = ct.execute(p, commitOpts(p, false), now, cache);
    // nft shows nf_conntrack's ctinfo; OVS's kernel module (ovs_ct_update_key) adds +new to
    // an entry not yet confirmed and keeps +rel on every packet of a RELATED connection.
    const rec = /forward: (\S+)/.exec(s.ct_state)![1]!;
    let want = rec;
    if (rec.includes('+rel')) {
      if (!related.has(connKey(p))) want += '+new';
      related.add(connKey(p));
    } else if (related.has(connKey(p))) want += '+rel';
    for (const [what, r] of [['lookup', r1], ['commit', r2]] as const) {
      if (flags(formatCtState(r.ctState)) !== flags(want)) out.push(`${where} ${what}: ct_state ${formatCtState(r.ctState)}, want ${want} (recorded ${rec})`);
    }
    compareLines(`${where} conntrack -L`, ct.dump(now + 80), s.conntrack_L, out);
    compareLines(`${where} events`, [...r1.events, ...r2.events], s.events, out);
    compareExpect(`${where} conntrack -L expect`, ct.dumpExpectations(now + 80), s.conntrack_L_expect, out);
  }
  return out;
}

function replayUserspace(name: string): string[] {
  const c = read('alg-userspace', name);
  const ct = newConntrack({ profile: 'userspace' });
  const out: string[] = [];
  for (const s of c.steps) {
    const where = `${name} step ${s.step}`;
    const p = packet(s.line);
    const cache = newCtPacketCache();
    // Table 0 looks up (the recorded ct_state), table 2 commits all but +inv.
    const r = ct.execute(p, { zone: 1, commit: false, force: false }, s.t_ms, cache);
    if (flags(formatCtState(r.ctState)) !== flags(s.ct_state)) out.push(`${where}: ct_state ${formatCtState(r.ctState)}, recorded ${s.ct_state}`);
    // The ct fields the packet carries: a RELATED one its master's mark, label and tuple; a
    // lookup that finds no entry its own tuple. (Not for +inv: the recording cannot look.)
    if (!(r.ctState & 0x10)) {
      const ctl = p.proto === 6 ? { mark: 0x15, tp: 21 } : { mark: 0x45, tp: 69 };
      const got = [
        `mark=${r.ctMark === ctl.mark ? 'ctl' : 'other'}`, `label=${r.ctLabel === 0x2an ? 'ctl' : 'other'}`,
        `tp_dst=${r.ct_tp_dst === ctl.tp ? 'ctl' : 'other'}`, `nw_src=${r.ct_nw_src === 0xac10ff82n ? 'ctl' : 'other'}`,
      ].join(' ');
      if (got !== s.ct_fields) out.push(`${where}: ct fields ${got}, recorded ${s.ct_fields}`);
    }
    if (!(r.ctState & 0x10)) ct.execute(p, commitOpts(p, true), s.t_ms, cache);
    // dpctl/dump-conntrack lists in hash order: compared as sets.
    compareLines(`${where} dump`, ct.dump(s.t_ms, { zone: 1 }), s.dump_conntrack, out);
    compareLines(`${where} dump -m`, ct.dump(s.t_ms, { zone: 1, more: true }), s.dump_conntrack_m, out);
  }
  return out;
}

describe('ALG helpers against real conntrack', () => {
  it.each(CASES)('kernel (nf_conntrack_ftp/tftp) %s', (name) => {
    expect(replayKernel(name)).toEqual([]);
  });
  it.each(CASES)('OVS 3.1 userspace %s', (name) => {
    expect(replayUserspace(name)).toEqual([]);
  });

  it('userspace: alg= on a connection off the helper ports still lists its helper (recorded)', () => {
    const ct = newConntrack({ profile: 'userspace' });
    const c = (line: string) => { const p = packet(line); ct.execute(p, { zone: 3, commit: true, force: false, helper: p.proto === 6 ? 'ftp' : 'tftp' }, 0, newCtPacketCache()); };
    c('tcp,in_port=1,nw_src=172.16.255.130,nw_dst=172.16.255.131,tp_src=40100,tp_dst=80,tcp_flags=syn  seq=1000 ack=0 win=64240 len=0');
    c('udp,in_port=1,nw_src=172.16.255.130,nw_dst=172.16.255.131,tp_src=40101,tp_dst=6900  data="\\x00\\x01a\\x00octet\\x00"');
    const want = readFileSync(join(ORACLE, 'alg-userspace', 'helper-other-port.txt'), 'utf8').trim().split('\n');
    expect(ct.dump(0, { more: true })).toEqual(want);
  });
});

/** The kernel profile, driven packet by packet, for what the recordings leave open. */
describe('kernel ALG rules', () => {
  const C = '172.16.255.130', S = '172.16.255.131';
  const tcp = (from: 'c' | 's', sp: number, dp: number, fl: string, seq: number, ack: number, data?: string) =>
    packet(`tcp,nw_src=${from === 'c' ? C : S},nw_dst=${from === 'c' ? S : C},tp_src=${sp},tp_dst=${dp},tcp_flags=${fl}  seq=${seq} ack=${ack} win=64240${data ? ` data="${data}"` : ''}`);
  /** Control connection 40001 -> 21, handshake and one line each way, so the next line is read. */
  function ftpControl(ct: Conntrack): void {
    const go = (p: CtPacket) => { const k = newCtPacketCache(); ct.execute(p, { zone: 1, commit: false, force: false }, 0, k); ct.execute(p, commitOpts(p, false), 0, k); };
    go(tcp('c', 40001, 21, 'syn', 1000, 0));
    go(tcp('s', 21, 40001, 'syn|ack', 5000, 1001));
    go(tcp('c', 40001, 21, 'ack', 1001, 5001));
    go(tcp('s', 21, 40001, 'psh|ack', 5001, 1001, '220 ok\\r\\n'));
    go(tcp('c', 40001, 21, 'psh|ack', 1001, 5009, 'USER a\\r\\n'));
  }

  it('a lookup of the expected connection is +new+rel and leaves the expectation; the commit uses it up', () => {
    const ct = newConntrack({ profile: 'kernel' });
    ftpControl(ct);
    const k = newCtPacketCache();
    ct.execute(tcp('c', 40001, 21, 'psh|ack', 1009, 5009, 'PORT 172,16,255,130,156,100\\r\\n'), { zone: 1, commit: false, force: false }, 0, k);
    expect(ct.dumpExpectations(0)).toHaveLength(1);
    const data = tcp('s', 20, 40036, 'syn', 9000, 0);
    const look = ct.execute(data, { zone: 1, commit: false, force: false }, 1000, newCtPacketCache());
    expect(formatCtState(look.ctState)).toBe('+new+rel+trk');
    expect([look.ctMark, look.ct_tp_src, look.ct_tp_dst]).toEqual([0x15, 40001, 21]);
    expect(ct.dumpExpectations(1000)).toHaveLength(1);
    ct.execute(data, { zone: 1, commit: true, force: false }, 1000, newCtPacketCache());
    expect(ct.dumpExpectations(1000)).toEqual([]);
  });

  it('a lookup matching an expectation deletes an entry that has its tuple (OVS kernel module)', () => {
    const ct = newConntrack({ profile: 'kernel' });
    ftpControl(ct);
    const data = tcp('s', 20, 40036, 'syn', 9000, 0);
    ct.execute(data, { zone: 1, commit: true, force: false }, 0, newCtPacketCache());
    ct.execute(tcp('c', 40001, 21, 'psh|ack', 1009, 5009, 'PORT 172,16,255,130,156,100\\r\\n'), { zone: 1, commit: false, force: false }, 0, newCtPacketCache());
    const r = ct.execute(data, { zone: 1, commit: false, force: false }, 1000, newCtPacketCache());
    expect(formatCtState(r.ctState)).toBe('+new+rel+trk');
    expect(r.events).toEqual([expect.stringMatching(/^\[DESTROY\] tcp 6 .*sport=20 dport=40036 /)]);
    expect(ct.dump(1000).filter((l) => l.includes('dport=40036'))).toEqual([]);
  });

  it('an expectation times out after 300 s', () => {
    const ct = newConntrack({ profile: 'kernel' });
    ftpControl(ct);
    ct.execute(tcp('c', 40001, 21, 'psh|ack', 1009, 5009, 'PORT 172,16,255,130,156,100\\r\\n'), { zone: 1, commit: false, force: false }, 0, newCtPacketCache());
    const r = ct.execute(tcp('s', 20, 40036, 'syn', 9000, 0), { zone: 1, commit: false, force: false }, 300_000, newCtPacketCache());
    expect(formatCtState(r.ctState)).toBe('+new+trk');
  });

  it('half a PORT command drops the packet (+inv here)', () => {
    const ct = newConntrack({ profile: 'kernel' });
    ftpControl(ct);
    const r = ct.execute(tcp('c', 40001, 21, 'psh|ack', 1009, 5009, 'PORT 172,16\\r\\n'), { zone: 1, commit: false, force: false }, 0, newCtPacketCache());
    expect(formatCtState(r.ctState)).toBe('+inv+trk');
  });

  it('a line after a segment that did not end in a newline is not read', () => {
    const ct = newConntrack({ profile: 'kernel' });
    ftpControl(ct);
    const look = (p: CtPacket) => ct.execute(p, { zone: 1, commit: false, force: false }, 0, newCtPacketCache());
    look(tcp('c', 40001, 21, 'psh|ack', 1009, 5009, 'NOOP'));
    look(tcp('c', 40001, 21, 'psh|ack', 1013, 5009, 'PORT 172,16,255,130,156,100\\r\\n'));
    expect(ct.dumpExpectations(0)).toEqual([]);
  });
});
