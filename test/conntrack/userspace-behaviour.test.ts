// OVS userspace behaviours from shared/spec/conntrack-userspace.md beyond the replayed
// cases, and the knob mapping of both profiles.
import { describe, expect, it } from 'vitest';
import { CtConfigError, newConntrack } from '../../src/conntrack/index.js';
import { both, handshake, tcp, udp, userspace } from './helpers.js';

const ms = (ct: ReturnType<typeof userspace>, now: number): string[] => ct.dump(now, { more: true, stats: true });

describe('userspace TCP', () => {
  it('a SYN with a new ISN on ESTABLISHED is +inv and never restarts the connection', () => {
    const ct = userspace();
    handshake(ct);
    expect(both(ct, tcp('c', 'syn', 777000, 0), 2000).st).toBe('+inv+trk');
    expect(ms(ct, 2081)[0]).toMatch(/timeout=86398,protoinfo=\(state_orig=ESTABLISHED,state_reply=ESTABLISHED,/);
  });

  it('a SYN on a fully closed connection replaces it', () => {
    const ct = userspace();
    handshake(ct);
    both(ct, tcp('c', 'fin|ack', 1001, 5001), 300);
    both(ct, tcp('s', 'fin|ack', 5001, 1002), 400);
    both(ct, tcp('c', 'ack', 1002, 5002), 500);
    expect(ct.dump(581)[0]).toMatch(/state=TIME_WAIT\)$/);
    expect(both(ct, tcp('c', 'syn', 90000, 0), 1000).st).toBe('+new+trk');
    expect(ms(ct, 1081)[0]).toMatch(/timeout=29,protoinfo=\(state_orig=SYN_SENT,state_reply=CLOSED,/);
  });

  it('window scale shows in -m, SACK-permitted does not', () => {
    const ct = userspace();
    both(ct, tcp('c', 'syn', 1000, 0, { wscale: 7 }), 0);
    expect(ms(ct, 81)[0]).toMatch(
      /protoinfo=\(state_orig=SYN_SENT,state_reply=CLOSED,wscale_orig=7,wscale_reply=0,flags_orig=WINDOW_SCALE,flags_reply=0\)$/,
    );
  });

  it('mark and labels print only when set', () => {
    const ct = userspace();
    const r = ct.execute(tcp('c', 'syn', 1000, 0), {
      zone: 7,
      commit: true,
      force: false,
      setMark: { value: 5, mask: 0xffffffff },
      setLabel: { value: 0x1234n, mask: (1n << 128n) - 1n },
    }, 0);
    expect(r.ctMark).toBe(5);
    expect(ct.dump(0)[0]).toMatch(/,zone=7,mark=5,labels=0x1234,protoinfo=\(state=SYN_SENT\)$/);
  });

  it('a lookup without commit leaves nothing behind', () => {
    const ct = userspace();
    expect(ct.execute(udp('c'), { zone: 1, commit: false, force: false }, 0).ctState).toBe(0x21);
    expect(ct.dump(1)).toEqual([]);
  });
});

describe('knobs', () => {
  it('timeouts map to the zone timeout policy', () => {
    const ct = userspace([['nf_conntrack_tcp_timeout_established', 500], ['nf_conntrack_udp_timeout', 9]]);
    handshake(ct);
    both(ct, udp('c'), 0);
    expect(ct.dump(281, { stats: true }).map((l) => /timeout=(\d+)/.exec(l)![1])).toEqual(['499', '8']);
  });

  it('nf_conntrack_tcp_loose has no userspace equivalent', () => {
    expect(() => userspace([['nf_conntrack_tcp_loose', 0]])).toThrow(CtConfigError);
    expect(() => userspace([['nf_conntrack_tcp_loose', 0]])).toThrow(/nf_conntrack_tcp_loose/);
  });

  it('unknown names get a near-miss suggestion; bad values are refused', () => {
    expect(() => newConntrack({ profile: 'kernel', sysctls: new Map([['nf_conntrack_tcp_be_liberl', 1]]) })).toThrow(
      /did you mean 'nf_conntrack_tcp_be_liberal'/,
    );
    expect(() => newConntrack({ profile: 'kernel', sysctls: new Map([['nf_conntrack_tcp_loose', 'yes']]) })).toThrow(
      CtConfigError,
    );
    expect(() => newConntrack({ profile: 'kernel', sysctls: new Map([['nf_conntrack_tcp_loose', 2]]) })).toThrow(
      /0 or 1/,
    );
  });

  it('kernel timeouts follow their sysctls, full sysctl paths accepted', () => {
    const ct = newConntrack({
      profile: 'kernel',
      sysctls: new Map<string, number | string>([['net.netfilter.nf_conntrack_udp_timeout', '45']]),
    });
    both(ct, udp('c'), 0);
    expect(ct.entries(81)[0]!.timeoutSec).toBe(44);
  });
});
