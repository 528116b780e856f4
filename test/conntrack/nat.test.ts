// ct(nat): bindings chosen on commit, original direction translated as asked, replies
// reversed, +snat/+dnat bits, bare `nat` applying an existing binding, collisions.
import { describe, expect, it } from 'vitest';
import { formatIp, newCtPacketCache, type Conntrack, type NatSpec, type Profile } from '../../src/conntrack/index.js';
import { C, S, kernel, tcp, userspace } from './helpers.js';
import { parsePacketLine } from './packet-line.js';
import { formatCtState } from '../../src/conntrack/index.js';

const ip = (v: bigint): string => formatIp('ipv4', v);
const A = 0x0a000001n; // 10.0.0.1
const make = (p: Profile): Conntrack => (p === 'kernel' ? kernel() : userspace());

function nat(ct: Conntrack, pkt: ReturnType<typeof tcp>, spec: NatSpec, now: number) {
  const r = ct.execute(pkt, { zone: 5, commit: true, force: false, nat: spec }, now, newCtPacketCache());
  const n = r.natted;
  return { st: formatCtState(r.ctState), to: n ? `${ip(n.src)}:${n.sport}>${ip(n.dst)}:${n.dport}` : '' };
}

describe.each<Profile>(['kernel', 'userspace'])('NAT (%s)', (profile) => {
  it('SNAT rewrites the source; the reply is translated back and marked +dnat', () => {
    const ct = make(profile);
    expect(nat(ct, tcp('c', 'syn', 1000, 0), { kind: 'src', addrMin: A }, 0)).toEqual({
      st: '+new+trk+snat',
      to: `10.0.0.1:40000>${S}:22`,
    });
    const reply = parsePacketLine(`tcp,nw_src=${S},nw_dst=10.0.0.1,tp_src=22,tp_dst=40000,tcp_flags=syn|ack  seq=5000 ack=1001 win=65160 len=0`);
    expect(nat(ct, reply, {}, 100)).toEqual({ st: '+est+rpl+trk+dnat', to: `${S}:22>${C}:40000` });
    // Bare `nat` on a later original-direction packet applies the binding.
    expect(nat(ct, tcp('c', 'ack', 1001, 5001), {}, 200)).toEqual({ st: '+est+trk+snat', to: `10.0.0.1:40000>${S}:22` });
  });

  it('DNAT to an address and port; the reply source is restored', () => {
    const ct = make(profile);
    const spec: NatSpec = { kind: 'dst', addrMin: 0x0a000005n, portMin: 8080 };
    expect(nat(ct, tcp('c', 'syn', 1000, 0), spec, 0)).toEqual({ st: '+new+trk+dnat', to: `${C}:40000>10.0.0.5:8080` });
    const reply = parsePacketLine(`tcp,nw_src=10.0.0.5,nw_dst=${C},tp_src=8080,tp_dst=40000,tcp_flags=syn|ack  seq=5000 ack=1001 win=65160 len=0`);
    expect(nat(ct, reply, {}, 100)).toEqual({ st: '+est+rpl+trk+snat', to: `${S}:22>${C}:40000` });
  });

  it('two connections mapped to one address get distinct ports; a full range refuses the second', () => {
    const ct = make(profile);
    const spec: NatSpec = { kind: 'src', addrMin: A, portMin: 40000, portMax: 40001 };
    const one = nat(ct, tcp('c', 'syn', 1000, 0), spec, 0);
    const other = parsePacketLine(`tcp,nw_src=172.16.255.200,nw_dst=${S},tp_src=40000,tp_dst=22,tcp_flags=syn  seq=1 ack=0 win=100 len=0`);
    const two = nat(ct, other, spec, 10);
    expect([one.to, two.to]).toEqual([`10.0.0.1:40000>${S}:22`, `10.0.0.1:40001>${S}:22`]);
    const third = parsePacketLine(`tcp,nw_src=172.16.255.201,nw_dst=${S},tp_src=40000,tp_dst=22,tcp_flags=syn  seq=1 ack=0 win=100 len=0`);
    const r = nat(ct, third, spec, 20);
    expect(r.to).toBe('');
    expect(ct.entries(30)).toHaveLength(2);
  });

  it('an address range choice is deterministic and inside the range', () => {
    const spec: NatSpec = { kind: 'src', addrMin: A, addrMax: A + 9n, hash: true };
    const a = nat(make(profile), tcp('c', 'syn', 1000, 0), spec, 0).to;
    const b = nat(make(profile), tcp('c', 'syn', 1000, 0), spec, 0).to;
    expect(a).toBe(b);
    expect(a).toMatch(/^10\.0\.0\.\d+:40000>/);
    const host = Number(/^10\.0\.0\.(\d+)/.exec(a)![1]);
    expect(host >= 1 && host <= 10).toBe(true);
  });

  it('the table shows the translated reply tuple', () => {
    const ct = make(profile);
    nat(ct, tcp('c', 'syn', 1000, 0), { kind: 'src', addrMin: A }, 0);
    const line = ct.dump(10)[0]!;
    expect(line).toContain(profile === 'kernel' ? `src=${S} dst=10.0.0.1 sport=22 dport=40000` : `reply=(src=${S},dst=10.0.0.1,sport=22,dport=40000)`);
  });
});

// Which binding a new connection gets: each profile's own rules (OVS 3.1 lib/conntrack.c,
// Linux nf_nat_core.c). Where the real choice is random (salted hash, random port offset),
// ctflow's is a fixed hash: these tests assert the rules, not a particular port.
const syn = (src: string, sport: number, dst = S, dport = 22) =>
  parsePacketLine(`tcp,nw_src=${src},nw_dst=${dst},tp_src=${sport},tp_dst=${dport},tcp_flags=syn  seq=1 ack=0 win=100 len=0`);
const V = (n: number) => `10.9.9.${n}`; // VIPs
const B = 0x0a000063n; // 10.0.0.99, a backend

describe('NAT binding rules per profile', () => {
  it('kernel: a client port inside the range is kept; userspace: the port is hashed, any free one in the range', () => {
    const spec: NatSpec = { kind: 'src', addrMin: A, portMin: 39990, portMax: 40010 };
    expect(nat(kernel(), syn(C, 40000), spec, 0).to).toBe(`10.0.0.1:40000>${S}:22`);
    const got = /:(\d+)>/.exec(nat(userspace(), syn(C, 40000), spec, 0).to)![1];
    expect(Number(got)).toBeGreaterThanOrEqual(39990);
    expect(Number(got)).toBeLessThanOrEqual(40010);
  });

  it('kernel: a client already inside the address range keeps its tuple (nothing translated) and is marked +snat', () => {
    const spec: NatSpec = { kind: 'src', addrMin: 0xac10ff80n, addrMax: 0xac10ff8fn }; // 172.16.255.128-143
    // OVS's kernel datapath sets the bit of the nf_nat manip it ran (src/conntrack/nat.ts).
    expect(nat(kernel(), syn(C, 40000), spec, 0)).toEqual({ st: '+new+trk+snat', to: '' });
    // OVS userspace translates anyway (to a hashed address of the range) and marks it.
    expect(nat(userspace(), syn(C, 40000), spec, 0).st).toBe('+new+trk+snat');
  });

  it.each<Profile>(['kernel', 'userspace'])('%s: one address is chosen; when its ports are taken the connection fails though another address has free ports', (profile) => {
    const spec: NatSpec = { kind: 'src', addrMin: A, addrMax: A + 1n, portMin: 5000, portMax: 5000 };
    const outcomes = new Set<string>();
    for (let i = 1; i <= 20; i++) {
      // Two addresses with one port each: a first connection takes one of them...
      const ct = make(profile);
      const first = /^([\d.]+):/.exec(nat(ct, syn(C, 40000), spec, 0).to)![1];
      // ...and a second one either gets the other address or, when it is hashed to the
      // taken one, nothing at all (no other address is tried).
      const to = nat(ct, syn(C, 40000 + i), spec, 1).to;
      outcomes.add(to === '' ? 'failed' : /^([\d.]+):/.exec(to)![1] === first ? 'same' : 'other');
    }
    // The kernel hashes the addresses only, so one client always lands on the same address.
    expect([...outcomes].sort()).toEqual(['failed', 'other'].filter((o) => profile === 'userspace' || o === 'failed'));
  });

  it('kernel: DNAT to a port range starts at its bottom; userspace starts at a hashed port', () => {
    const spec: NatSpec = { kind: 'dst', addrMin: B, portMin: 8000, portMax: 8009 };
    const k = kernel();
    // The same client endpoint to two VIPs, both DNATed to the backend: the second takes the next port.
    expect([nat(k, syn(C, 40000, V(1), 80), spec, 0).to, nat(k, syn(C, 40000, V(2), 80), spec, 1).to])
      .toEqual([`${C}:40000>10.0.0.99:8000`, `${C}:40000>10.0.0.99:8001`]);
    const u = userspace();
    const ports = [nat(u, syn(C, 40000, V(1), 80), spec, 0).to, nat(u, syn(C, 40000, V(2), 80), spec, 1).to]
      .map((t) => Number(/:(\d+)$/.exec(t)![1]));
    expect(new Set(ports).size).toBe(2);
    for (const p of ports) expect(p >= 8000 && p <= 8009).toBe(true);
  });

  it('DNAT without a port range on a clash moves the client source port: kernel to a random one of its class, OVS userspace one up', () => {
    // Recorded: test/oracle/kernel-nat/nat-dnat-clash (5757, then 17975), test/oracle/nat/dnat-clash (40001).
    const spec: NatSpec = { kind: 'dst', addrMin: B };
    const k = kernel();
    expect(nat(k, syn(C, 40000, V(1), 80), spec, 0).to).toBe(`${C}:40000>10.0.0.99:80`);
    const moved = nat(k, syn(C, 40000, V(2), 80), spec, 1);
    expect(moved.st).toBe('+new+trk+dnat');
    const port = Number(/:(\d+)>/.exec(moved.to)![1]);
    expect(port !== 40000 && port >= 1024 && port <= 65535).toBe(true);
    const u = userspace();
    expect(nat(u, syn(C, 40000, V(1), 80), spec, 0).to).toBe(`${C}:40000>10.0.0.99:80`);
    expect(nat(u, syn(C, 40000, V(2), 80), spec, 1)).toEqual({ st: '+new+trk+dnat', to: `${C}:40001>10.0.0.99:80` });
    expect(u.dump(2).sort()[1]).toContain(`reply=(src=10.0.0.99,dst=${C},sport=80,dport=40001)`);
  });
});

describe.each<Profile>(['kernel', 'userspace'])('ICMP errors through NAT (%s)', (profile) => {
  // As recorded through OVS userspace (test/oracle/nat/snat-icmp-error): 10.0.0.1:5353 is
  // SNATed to 192.168.0.100; the server's port unreachable quotes the translated datagram.
  it('the quoted packet is translated back with the outer header', () => {
    const ct = make(profile);
    const udp = parsePacketLine('udp,nw_src=10.0.0.1,nw_dst=172.16.0.2,tp_src=5353,tp_dst=53  len=20');
    ct.execute(udp, { zone: 1, commit: true, force: false, nat: { kind: 'src', addrMin: 0xc0a80064n } }, 0, newCtPacketCache());
    const err = parsePacketLine('icmp,nw_src=172.16.0.2,nw_dst=192.168.0.100,icmp_type=3,icmp_code=3  '
      + 'inner=[proto=17,nw_src=192.168.0.100,nw_dst=172.16.0.2,tp_src=5353,tp_dst=53]');
    const r = ct.execute(err, { zone: 1, commit: false, force: false, nat: {} }, 100, newCtPacketCache());
    expect(formatCtState(r.ctState)).toBe('+rel+rpl+trk+dnat');
    const n = r.natted!;
    expect([ip(n.src), ip(n.dst)]).toEqual(['172.16.0.2', '10.0.0.1']);
    const q = n.inner!;
    expect([ip(q.src), q.sport, ip(q.dst), q.dport]).toEqual(['10.0.0.1', 5353, '172.16.0.2', 53]);
  });
});

describe.each<Profile>(['kernel', 'userspace'])('a lookup with bare nat, then ct(commit,nat(src=…)) (%s)', (profile) => {
  it('binds at the commit, as the recorded tables do (table 0 ct(nat,table=1), table 1 commits with nat(src))', () => {
    const ct = make(profile);
    const cache = newCtPacketCache();
    const pkt = syn(C, 40000);
    const look = ct.execute(pkt, { zone: 1, commit: false, force: false, nat: {} }, 0, cache);
    expect(formatCtState(look.ctState)).toBe('+new+trk');
    const commit = ct.execute(pkt, { zone: 1, commit: true, force: false, nat: { kind: 'src', addrMin: A } }, 0, cache);
    expect(formatCtState(commit.ctState)).toBe('+new+trk+snat');
    expect(ip(commit.natted!.src)).toBe('10.0.0.1');
  });
});
