// Tuples: what identifies a connection direction, how a packet maps to one, and
// the key the table uses. Zones are part of the key, so zones never mix.

import { greKeys, IPPROTO_GRE } from './gre-kernel.js';
import { low32 } from './addr.js';
import { IPPROTO, type CtIcmpInner, type CtPacket, type CtTuple, type L3, type Profile } from './types.js';

// Echo-style ICMP types and their answers (v4: echo, timestamp, info, address mask).
const ICMP4_PAIR = new Map<number, number>([
  [8, 0], [0, 8], [13, 14], [14, 13], [15, 16], [16, 15], [17, 18], [18, 17],
]);
const ICMP6_PAIR = new Map<number, number>([
  [128, 129], [129, 128], [139, 140], [140, 139],
]);
/** Types that may open an ICMP "connection". */
export const ICMP4_REQUESTS = new Set([8, 13, 15, 17]);
export const ICMP6_REQUESTS = new Set([128, 139]);
/** ICMP errors that carry the packet they are about. */
const ICMP4_ERRORS = new Set([3, 4, 5, 11, 12]);
const ICMP6_ERRORS = new Set([1, 2, 3, 4]);

export const isIcmp = (l3: L3, proto: number): boolean =>
  (l3 === 'ipv4' && proto === IPPROTO.icmp) || (l3 === 'ipv6' && proto === IPPROTO.icmpv6);

/** Protocols tracked with ports; anything else is "generic" (addresses and protocol only). */
export const hasPorts = (proto: number): boolean =>
  proto === IPPROTO.tcp || proto === IPPROTO.udp || proto === IPPROTO.udplite;

/** The kernel also keys SCTP on its ports (OVS userspace keeps them 0: an "other" protocol). */
export const kernelPorts = (proto: number): boolean => hasPorts(proto) || proto === IPPROTO.sctp;
const portsIn = (profile: Profile, proto: number): boolean =>
  profile === 'kernel' ? kernelPorts(proto) : hasPorts(proto);

export const icmpPair = (l3: L3): Map<number, number> => (l3 === 'ipv4' ? ICMP4_PAIR : ICMP6_PAIR);
export const icmpRequests = (l3: L3): Set<number> => (l3 === 'ipv4' ? ICMP4_REQUESTS : ICMP6_REQUESTS);

/** The reverse direction of a tuple (undefined for an ICMP type without an answer). */
export function invertTuple(l3: L3, proto: number, t: CtTuple): CtTuple | undefined {
  if (isIcmp(l3, proto)) {
    const rt = icmpPair(l3).get(t.icmpType ?? -1);
    if (rt === undefined) return undefined;
    return { src: t.dst, dst: t.src, sport: t.sport, dport: t.dport, icmpType: rt, icmpCode: t.icmpCode };
  }
  return { src: t.dst, dst: t.src, sport: t.dport, dport: t.sport };
}

// The table keys on a 30-bit hash of (zone, l3, proto, tuple) and compares the fields on
// a hit; no key string is built per packet (that was most of the lookup cost).

/** An address folded to 32 bits; IPv4 (< 2^32) needs no BigInt arithmetic at all. */
function addrHash(a: bigint): number {
  if (BigInt.asUintN(32, a) === a) return low32(a);
  // IPv6: one BigInt remainder by a prime below 2^53 keeps every bit in play.
  const r = Number(a % 9007199254740881n);
  return Math.imul((r / 4294967296) | 0, 0x9e3779b1) ^ (r | 0);
}

const mix = (h: number, v: number): number => {
  const k = Math.imul(v | 0, 0xcc9e2d51);
  h = Math.imul(h ^ ((k << 15) | (k >>> 17)), 0x1b873593);
  return (h << 13) | (h >>> 19);
};

/** Hash of a table key (small integer, so Map stores it unboxed). */
export function tupleHash(zone: number, l3: L3, proto: number, t: CtTuple): number {
  let h = mix(l3 === 'ipv4' ? 0x5bd1e995 : 0x27d4eb2f, zone * 256 + proto);
  h = mix(h, addrHash(t.src));
  h = mix(h, addrHash(t.dst));
  h = mix(h, t.sport * 65536 + t.dport);
  if (t.icmpType !== undefined) h = mix(h, t.icmpType * 256 + (t.icmpCode ?? 0) + 0x10000);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) & 0x3fffffff;
}

/** Same key within one (zone, l3, proto): what the old `zone|l3|proto|src|dst|…` string compared. */
export function sameTuple(a: CtTuple, b: CtTuple): boolean {
  if (a.src !== b.src || a.dst !== b.dst || a.sport !== b.sport || a.dport !== b.dport) return false;
  if (a.icmpType === undefined) return b.icmpType === undefined;
  return a.icmpType === b.icmpType && (a.icmpCode ?? 0) === (b.icmpCode ?? 0);
}

/** How conntrack sees a packet. */
export type PacketView =
  /** An ordinary packet: its own tuple. */
  | { kind: 'own'; tuple: CtTuple }
  /** An ICMP error: the tuple to look up is the reverse of the packet it quotes. */
  | { kind: 'related'; lookup: CtTuple; innerProto: number; inner: CtIcmpInner }
  /** Conntrack cannot make sense of it (+inv). */
  | { kind: 'bad' };

function innerTuple(l3: L3, inner: CtIcmpInner, profile: Profile): CtTuple | undefined {
  if (isIcmp(l3, inner.proto)) {
    if (inner.icmpType === undefined) return undefined;
    const id = inner.icmpId ?? 0;
    return { src: inner.src, dst: inner.dst, sport: id, dport: id, icmpType: inner.icmpType, icmpCode: 0 };
  }
  if (portsIn(profile, inner.proto)) return { src: inner.src, dst: inner.dst, sport: inner.sport, dport: inner.dport };
  return { src: inner.src, dst: inner.dst, sport: 0, dport: 0 };
}

/**
 * Tuple of a packet, as `profile`'s tracker keys it. The userspace tracker also demands
 * that an ICMP error is addressed to the sender of the quoted packet; the kernel does not.
 */
export function viewPacket(pkt: CtPacket, profile: Profile): PacketView {
  const checkErrorSource = profile === 'userspace';
  if (isIcmp(pkt.l3, pkt.proto)) {
    const ic = pkt.icmp;
    if (!ic) return { kind: 'bad' };
    const errors = pkt.l3 === 'ipv4' ? ICMP4_ERRORS : ICMP6_ERRORS;
    if (errors.has(ic.type)) {
      if (!ic.inner) return { kind: 'bad' };
      if (checkErrorSource && ic.inner.src !== pkt.dst) return { kind: 'bad' };
      const it = innerTuple(pkt.l3, ic.inner, profile);
      const lookup = it && invertTuple(pkt.l3, ic.inner.proto, it);
      if (!lookup) return { kind: 'bad' };
      return { kind: 'related', lookup, innerProto: ic.inner.proto, inner: ic.inner };
    }
    if (!icmpPair(pkt.l3).has(ic.type)) return { kind: 'bad' };
    const id = ic.id ?? 0;
    return { kind: 'own', tuple: { src: pkt.src, dst: pkt.dst, sport: id, dport: id, icmpType: ic.type, icmpCode: ic.code } };
  }
  if (portsIn(profile, pkt.proto)) {
    if (pkt.proto === IPPROTO.tcp && !pkt.tcp) return { kind: 'bad' };
    return { kind: 'own', tuple: { src: pkt.src, dst: pkt.dst, sport: pkt.sport ?? 0, dport: pkt.dport ?? 0 } };
  }
  if (pkt.proto === IPPROTO_GRE && profile === 'kernel') return { kind: 'own', tuple: { src: pkt.src, dst: pkt.dst, ...greKeys(pkt) } };
  return { kind: 'own', tuple: { src: pkt.src, dst: pkt.dst, sport: 0, dport: 0 } };
}
