// FTP over IPv6 (EPRT / 229), EPRT / 229 through NAT and TFTP through NAT, replayed
// against the recordings in test/oracle/alg-ext-{kernel,userspace} (see their README.md):
// per packet the ct_state, the frame that leaves (addresses, ports, seq/ack, payload),
// the table after it and, for the kernel, the `conntrack -E` lines and expectations.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIp } from '../../src/conntrack/addr.js';
import { followMaster } from '../../src/conntrack/alg-nat-kernel.js';
import type { CtEntry, CtOptions, CtPacket, NatSpec } from '../../src/conntrack/index.js';
import { replayAlg } from './alg-replay.js';
import { ORACLE } from './oracle-replay.js';

type Profile = 'kernel' | 'userspace';
const dirOf = (p: Profile): string => (p === 'kernel' ? 'alg-ext-kernel' : 'alg-ext-userspace');
const CASES = readdirSync(join(ORACLE, 'alg-ext-kernel')).filter((n) => !n.includes('.')).sort();
const read = (p: Profile, name: string): any => JSON.parse(readFileSync(join(ORACLE, dirOf(p), name, 'result.json'), 'utf8'));
const ip = (text: string): bigint => parseIp(text)!.value;

const CLIENT = [ip('172.16.255.130'), ip('2001:db8::a')];
/** The NAT a `*-snat` / `*-dnat` case gives the client's control connection (README: the nft rules / OVS flows). */
function natOf(name: string): NatSpec | undefined {
  const v6 = /^t?ftp6-/.test(name);
  const to = (kind: 'src' | 'dst', text: string): NatSpec => ({ kind, addrMin: ip(text), addrMax: ip(text) });
  if (name.endsWith('-snat')) return to('src', v6 ? '2001:db8:99::3' : '10.1.2.3');
  return name.endsWith('-dnat') ? to('dst', v6 ? '2001:db8::b' : '172.16.255.131') : undefined;
}

/**
 * The recorded rules: the client's packets to port 21 / 69 are committed with the FTP /
 * TFTP helper, mark 0x15 / 0x45 and the case's NAT; everything else, in a NAT case, with
 * the binding it has: nft applies it by itself (a bare `nat` here), the OVS flow says
 * nat(src) (a bare `nat` would give a new connection a zeroed reply tuple in OVS 3.1).
 */
function opts(profile: Profile, name: string, p: CtPacket): CtOptions {
  const nat = natOf(name);
  const helper = p.proto === 6 && p.dport === 21 ? 'ftp' : p.proto === 17 && p.dport === 69 ? 'tftp' : undefined;
  const other: NatSpec = profile === 'kernel' ? {} : { kind: 'src' };
  if (!helper || !CLIENT.includes(p.src)) return { zone: 1, commit: true, force: false, ...(nat ? { nat: other } : {}) };
  const mark = { value: helper === 'ftp' ? 0x15 : 0x45, mask: 0xffffffff };
  return { zone: 1, commit: true, force: false, helper, setMark: mark, ...(nat ? { nat } : {}) };
}

const replay = (profile: Profile, name: string, c: any = read(profile, name)): string[] =>
  replayAlg(profile, name, c.steps, (p) => opts(profile, name, p));

describe('FTP over IPv6, EPRT/EPSV and TFTP through NAT against real conntrack', () => {
  it.each(CASES)('kernel (nf_conntrack_ftp/tftp, nf_nat_ftp/tftp) %s', (name) => {
    expect(replay('kernel', name)).toEqual([]);
  });
  it.each(CASES)('OVS 3.1 userspace %s', (name) => {
    expect(replay('userspace', name)).toEqual([]);
  });

  // The comparison sees the rewrite: an EPRT line left as the client wrote it, or written
  // in the other profile's address form, no longer agrees.
  it.each([
    ['kernel', '2001:0db8:0099:0000:0000:0000:0000:0003', 56],
    ['userspace', '2001:db8:99::3', 31],
  ] as const)('%s: an EPRT line written in another form is reported', (profile, addr, len) => {
    const c = read(profile, 'ftp6-eprt-snat');
    const s = c.steps.find((x: any) => x.line.includes('EPRT'));
    expect(s.out).toContain(`len=${len} data="EPRT |2|${addr}|40005|`);
    s.out = s.out.replace(`len=${len} data="EPRT |2|${addr}|`, 'len=28 data="EPRT |2|2001:db8::a|');
    const got = replay(profile, 'ftp6-eprt-snat', c);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(new RegExp(`^ftp6-eprt-snat step ${s.step}: leaves as .*EPRT \\|2\\|${addr.replaceAll(':', ':')}\\|`));
  });
});

describe('nf_nat_follow_master (kernel): the NAT an expected connection gets', () => {
  const t = (src: string, dst: string, sport: number, dport: number) => ({ src: ip(src), dst: ip(dst), sport, dport });
  const master = (orig: ReturnType<typeof t>, reply: ReturnType<typeof t>) => ({ orig, reply }) as unknown as CtEntry;
  // 227 to a client behind SNAT (recorded: ftp-pasv-snat) and PORT to a VIP (ftp-port-dnat).
  it('SNAT to the address the sender sees when the other side is the NATed one', () => {
    const snat = master(t('172.16.255.130', '172.16.255.131', 40003, 21), t('172.16.255.131', '10.1.2.3', 21, 40003));
    expect(followMaster(snat, 1, 40007, 40007)).toEqual({ kind: 'src', addr: ip('10.1.2.3') });
    const dnat = master(t('172.16.255.130', '10.9.9.9', 40004, 21), t('172.16.255.131', '172.16.255.130', 21, 40004));
    expect(followMaster(dnat, 0, 40008, 40008)).toEqual({ kind: 'src', addr: ip('10.9.9.9') });
  });
  it('a master NATed at both ends is refused by name', () => {
    const both = master(t('172.16.255.130', '10.9.9.9', 40004, 21), t('172.16.255.131', '10.1.2.3', 21, 40004));
    expect(() => followMaster(both, 0, 40008, 40008)).toThrow(/NATed at both ends .* is not emulated/);
  });
});
