// Properties over arbitrary packet sequences: the tracker never throws, and what
// happens in one zone is independent of any traffic in other zones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  newConntrack,
  newCtPacketCache,
  type CtPacket,
  type NatSpec,
  type Profile,
} from '../../src/conntrack/index.js';

const ADDRS = [0xac10ff82n, 0xac10ff83n, 0xac10ff01n];
const V6 = [0xfd000000000000000000000000000001n, 0xfd000000000000000000000000000002n];

const arbPacket: fc.Arbitrary<CtPacket> = fc.oneof(
  fc.record({
    l3: fc.constant('ipv4' as const),
    src: fc.constantFrom(...ADDRS),
    dst: fc.constantFrom(...ADDRS),
    proto: fc.constant(6),
    sport: fc.constantFrom(22, 40000),
    dport: fc.constantFrom(22, 40000),
    tcp: fc.record({
      flags: fc.integer({ min: 0, max: 0x1ff }),
      seq: fc.oneof(fc.constantFrom(0, 1000, 1001, 5000, 5001), fc.nat({ max: 0xffffffff })),
      ack: fc.oneof(fc.constantFrom(0, 1001, 5001), fc.nat({ max: 0xffffffff })),
      win: fc.nat({ max: 0xffff }),
      len: fc.nat({ max: 1500 }),
      wscale: fc.option(fc.nat({ max: 20 }), { nil: undefined }),
    }),
  }),
  fc.record({
    l3: fc.constantFrom('ipv4' as const),
    src: fc.constantFrom(...ADDRS),
    dst: fc.constantFrom(...ADDRS),
    proto: fc.constantFrom(17, 47),
    sport: fc.constantFrom(53, 5001),
    dport: fc.constantFrom(53, 5001),
    udp: fc.constant({ len: 8 }),
    gre: fc.option(fc.record({ version: fc.constantFrom(0, 1), key: fc.constantFrom(0, 0x1111) }), { nil: undefined }),
  }),
  fc.record({
    l3: fc.constantFrom('ipv4' as const),
    src: fc.constantFrom(...ADDRS),
    dst: fc.constantFrom(...ADDRS),
    proto: fc.constant(132),
    sport: fc.constantFrom(2905, 40000),
    dport: fc.constantFrom(2905, 40000),
    // Every chunk type the tracker knows, DATA/SACK, and one it does not (192).
    sctp: fc.record({
      vtag: fc.constantFrom(0, 0x1000, 0x2000, 0xdead),
      chunks: fc.array(
        fc.record({
          type: fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 192),
          t: fc.option(fc.boolean(), { nil: undefined }),
          initTag: fc.option(fc.constantFrom(0x1000, 0x2000), { nil: undefined }),
        }),
        { maxLength: 3 },
      ),
    }),
  }),
  fc.record({
    l3: fc.constant('ipv4' as const),
    src: fc.constantFrom(...ADDRS),
    dst: fc.constantFrom(...ADDRS),
    proto: fc.constant(1),
    icmp: fc.record({
      type: fc.constantFrom(0, 3, 8, 11, 13, 14, 42),
      code: fc.constantFrom(0, 1, 3),
      id: fc.constantFrom(1, 2),
      inner: fc.option(
        fc.record({
          proto: fc.constantFrom(1, 6, 17, 132),
          src: fc.constantFrom(...ADDRS),
          dst: fc.constantFrom(...ADDRS),
          sport: fc.constantFrom(22, 40000, 5001),
          dport: fc.constantFrom(22, 40000, 5001),
          icmpType: fc.option(fc.constantFrom(0, 8), { nil: undefined }),
        }),
        { nil: undefined },
      ),
    }),
  }),
  fc.record({
    l3: fc.constant('ipv6' as const),
    src: fc.constantFrom(...V6),
    dst: fc.constantFrom(...V6),
    proto: fc.constant(58),
    icmp: fc.record({ type: fc.constantFrom(1, 128, 129, 135), code: fc.constant(0), id: fc.constant(9) }),
  }),
);

const arbNat: fc.Arbitrary<NatSpec | undefined> = fc.option(
  fc.record({
    kind: fc.constantFrom('src' as const, 'dst' as const, undefined),
    addrMin: fc.constant(0x0a000001n),
    addrMax: fc.constantFrom(0x0a000001n, 0x0a000003n),
    portMin: fc.option(fc.constant(1000), { nil: undefined }),
    portMax: fc.option(fc.constant(1001), { nil: undefined }),
  }),
  { nil: undefined },
);

const arbStep = fc.record({
  pkt: arbPacket,
  zone: fc.constantFrom(0, 1, 2, 65535),
  dtMs: fc.nat({ max: 200_000 }),
  commit: fc.boolean(),
  twice: fc.boolean(),
  force: fc.boolean(),
  nat: arbNat,
  mark: fc.option(fc.nat({ max: 0xffff }), { nil: undefined }),
});

const PROFILES: Profile[] = ['kernel', 'userspace'];

describe('conntrack properties', () => {
  it.each(PROFILES)('%s: never throws on any packet sequence', (profile) => {
    fc.assert(
      fc.property(fc.array(arbStep, { maxLength: 40 }), (steps) => {
        const ct = newConntrack({ profile });
        let now = 0;
        for (const s of steps) {
          now += s.dtMs;
          const cache = newCtPacketCache();
          const opts = { zone: s.zone, commit: s.commit, force: s.force && s.commit, nat: s.nat };
          ct.execute(s.pkt, { ...opts, setMark: s.commit && s.mark !== undefined ? { value: s.mark, mask: 0xffff } : undefined }, now, cache);
          if (s.twice) ct.execute(s.pkt, { ...opts, commit: true }, now, cache);
          ct.dump(now, { more: true, stats: true });
        }
      }),
      { numRuns: 300 },
    );
  });

  it.each(PROFILES)('%s: zones never leak (traffic in other zones changes nothing in zone 1)', (profile) => {
    fc.assert(
      fc.property(fc.array(arbStep, { maxLength: 30 }), (steps) => {
        const alone = newConntrack({ profile });
        const mixed = newConntrack({ profile });
        const goneAlone: string[] = [], goneMixed: string[] = [];
        let now = 0;
        for (const s of steps) {
          now += s.dtMs;
          const opts = { zone: 1, commit: s.commit, force: false };
          if (s.zone === 1) {
            const a = alone.execute(s.pkt, opts, now, newCtPacketCache());
            const b = mixed.execute(s.pkt, opts, now, newCtPacketCache());
            // conntrack -E reports every zone, and a timed-out entry's [DESTROY] (no
            // timeout field) rides on the first packet after it, whatever its zone: zone
            // 1's other events must be the same, and its timed-out entries reported in
            // the same order, by the mixed tracker no later than by the lone one.
            const timedOut = (l: string) => /^\[DESTROY\] \S+ \d+ \D/.test(l);
            const own = (r: typeof a) => r.events.filter((l) => l.endsWith(' zone=1') && !timedOut(l));
            expect({ ...b, events: own(b) }).toEqual({ ...a, events: own(a) });
            goneAlone.push(...a.events.filter(timedOut));
            goneMixed.push(...b.events.filter((l) => l.endsWith(' zone=1') && timedOut(l)));
            expect(goneMixed.slice(0, goneAlone.length)).toEqual(goneAlone);
          } else {
            // The same packet, in another zone, only on one tracker.
            const r = mixed.execute(s.pkt, { ...opts, zone: s.zone, commit: true }, now, newCtPacketCache());
            goneMixed.push(...r.events.filter((l) => l.endsWith(' zone=1')));
          }
          expect(mixed.dump(now, { zone: 1 })).toEqual(alone.dump(now, { zone: 1 }));
        }
      }),
      { numRuns: 300 },
    );
  });
});
