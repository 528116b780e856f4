// IPv6: the same trackers, addresses printed compressed, ICMPv6 echo by id.
import { describe, expect, it } from 'vitest';
import { formatIp, parseIp } from '../../src/conntrack/index.js';
import { both, kernel, userspace } from './helpers.js';
import { parsePacketLine } from './packet-line.js';

const A = 'fd00::a01';
const B = 'fd00::b01';
const t6 = (from: string, to: string, sp: number, dp: number, flags: string, seq: number, ack: number) =>
  parsePacketLine(`tcp6,ipv6_src=${from},ipv6_dst=${to},tp_src=${sp},tp_dst=${dp},tcp_flags=${flags}  seq=${seq} ack=${ack} win=64000 len=0`);
const echo6 = (from: string, to: string, type: number) =>
  parsePacketLine(`icmp6,ipv6_src=${from},ipv6_dst=${to},icmp_type=${type},icmp_code=0  id=77 seq=1`);

describe('IPv6', () => {
  it('addresses round-trip in RFC 5952 form', () => {
    for (const s of ['fd00::a01', '::1', '2001:db8::1:0:0:1', 'fe80::', '1:2:3:4:5:6:7:8']) {
      expect(formatIp('ipv6', parseIp(s)!.value)).toBe(s);
    }
  });

  it('kernel: TCP handshake over IPv6', () => {
    const ct = kernel();
    both(ct, t6(A, B, 40000, 22, 'syn', 1000, 0), 0);
    both(ct, t6(B, A, 22, 40000, 'syn|ack', 5000, 1001), 100);
    expect(both(ct, t6(A, B, 40000, 22, 'ack', 1001, 5001), 200).ct_ipv6_src).toBe(parseIp(A)!.value);
    expect(ct.dump(281)).toEqual([
      `tcp      6 431999 ESTABLISHED src=${A} dst=${B} sport=40000 dport=22 src=${B} dst=${A} sport=22 dport=40000 [ASSURED] mark=0 zone=1 use=1`,
    ]);
  });

  it('ICMPv6 echo: a reply alone is +inv; request then reply is +est+rpl', () => {
    for (const ct of [kernel(), userspace()]) {
      expect(both(ct, echo6(B, A, 129), 0).st).toBe('+inv+trk');
      expect(both(ct, echo6(A, B, 128), 100).st).toBe('+new+trk');
      expect(both(ct, echo6(B, A, 129), 200).st).toBe('+est+rpl+trk');
    }
    const k = kernel();
    both(k, echo6(A, B, 128), 0);
    expect(k.dump(81)[0]).toBe(
      `icmpv6   58 29 src=${A} dst=${B} type=128 code=0 id=77 [UNREPLIED] src=${B} dst=${A} type=129 code=0 id=77 mark=0 zone=1 use=1`,
    );
  });
});
