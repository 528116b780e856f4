// NAT for ct(nat(...)): the binding is chosen once, when the connection is new, by
// rewriting the entry's reply tuple; every later packet of the connection is translated
// from that binding (original direction as requested, reply direction reversed).
//
// How the binding is chosen follows each profile's own rules (OVS 3.1 lib/conntrack.c
// for "userspace", Linux nf_nat_core.c for "kernel"). Where the real software draws a
// random number (OVS: a hash salted with a per-process random basis; the kernel: a
// per-boot hash seed or a fresh random port offset), ctflow uses a fixed hash of the
// tuple instead, so the choice is reproducible but not the one a given process makes;
// the rules around it (which ports are tried, in which order, when it gives up) are kept.

import type { Profile } from './types.js';
import { NAT_NONE, type CtTable } from './table.js';
import { hasPorts, isIcmp, kernelPorts, sameTuple } from './tuple.js';
import { CS, type CtEntry, type CtIcmpInner, type CtPacket, type CtTuple, type NatBinding, type NatSpec } from './types.js';

/** A packet's addresses/ports after translation; `inner`: the packet an ICMP error quotes. */
export interface NatPacket { src: bigint; dst: bigint; sport?: number; dport?: number; inner?: CtIcmpInner }

export interface NatOutcome {
  stateBits: number;
  /** The packet's addresses/ports after translation (undefined when nothing changed). */
  packet?: NatPacket;
  /** No free tuple was left in the requested range. */
  exhausted: boolean;
}

/** FNV-1a over the tuple text: stable across runs, spreads neighbouring tuples. Stands in
 *  for OVS's randomly salted hash and the kernel's random offsets. */
function hashOf(...parts: (bigint | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('|')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The ports a translation may fall back to when the rule names none: the class of the
 *  original port (1-511, 600-1023, 1024-65535), as both the kernel and OVS use. */
function portClass(original: number): [number, number] {
  if (original < 512) return [1, 511];
  if (original < 1024) return [600, 1023];
  return [1024, 65535];
}

/**
 * The port search both trackers share: at most 128 ports from `start` upwards, wrapping
 * inside [lo, hi] (a start outside the range is tried first, then the range from lo); when
 * none is free and the range is larger, further rounds from random places with half as
 * many attempts each, down to 16 (OVS's nat_get_unique_l4, the kernel's
 * nf_nat_l4proto_unique_tuple). ctflow's "random" places come from `seed`.
 */
function searchPorts<T>(lo: number, hi: number, start: number, seed: number, test: (port: number) => T | undefined): T | undefined {
  const size = hi - lo + 1;
  let attempts = Math.min(size, 128);
  for (let round = 0; ; round++) {
    let port = start;
    for (let i = 0; i < attempts; i++) {
      const t = test(port);
      if (t !== undefined) return t;
      port = port < lo || port >= hi ? lo : port + 1;
    }
    if (attempts >= size || attempts < 16) return undefined;
    attempts >>= 1;
    start = lo + (hashOf(seed, round) % size);
  }
}

/** A candidate reply tuple: the translated side gets `addr` and `port`. */
function candidate(e: CtEntry, snat: boolean, addr: bigint, port: number | undefined, otherPort?: number): CtTuple {
  const r = e.reply;
  if (snat) return { ...r, dst: addr, dport: port ?? r.dport, sport: otherPort ?? r.sport };
  return { ...r, src: addr, sport: port ?? r.sport, dport: otherPort ?? r.dport };
}

/**
 * OVS 3.1 userspace (nat_get_unique_tuple): one address, chosen by hash among the range
 * (never another one when its ports are all taken); with a port range the port search
 * starts at a hash-chosen port (the client's own port gets no preference); without one,
 * SNAT searches the original port's class from the original port. DNAT keeps the
 * destination port unless a range is given, and when no destination port is free it
 * changes the client's source port instead, searching its class from the original one.
 */
function bindUserspace(table: CtTable, e: CtEntry, spec: NatSpec, nowMs: number): CtTuple | undefined {
  const snat = spec.kind === 'src';
  const o = e.orig;
  const seed = hashOf(e.zone, spec.addrMin ?? 0n, spec.addrMax ?? 0n, spec.portMin ?? 0, spec.portMax ?? 0, o.src, o.sport, o.dst, o.dport, e.proto);
  const addr = pickAddr(spec, snat ? o.src : o.dst, seed);
  const free = (t: CtTuple) => (table.taken(e.zone, e.l3, e.proto, t, nowMs) ? undefined : t);
  if (!hasPorts(e.proto) || isIcmp(e.l3, e.proto)) return free(candidate(e, snat, addr, undefined));
  const ranged = spec.portMin !== undefined;
  const lo = spec.portMin ?? 0, hi = spec.portMax ?? lo;
  const hashed = lo + (seed % (hi - lo + 1));
  if (snat) {
    const [clo, chi] = ranged ? [lo, hi] : portClass(o.sport);
    return searchPorts(clo, chi, ranged ? hashed : o.sport, seed, (p) => free(candidate(e, true, addr, p)));
  }
  const dport = ranged ? hashed : o.dport;
  const t = ranged ? searchPorts(lo, hi, hashed, seed, (p) => free(candidate(e, false, addr, p))) : undefined;
  if (t) return t;
  // No destination port left: the client's source port (the reply's dport) moves instead.
  const [clo, chi] = portClass(o.sport);
  return searchPorts(clo, chi, o.sport, seed, (p) => free(candidate(e, false, addr, dport, p)));
}

/**
 * OVS 3.1 userspace, a bare `nat` (no src/dst) committing a new connection: the datapath
 * action carries a NAT attribute with no kind, and nat_get_unique_tuple runs anyway with
 * an all-zero range. The reply tuple gets source address 0 and, for TCP/UDP, destination
 * port 0 (the original destination port stays as its source port); nothing in the packet
 * changes and no snat/dnat bit is set. The one candidate is tried alone: a second
 * connection of the same client address to the same server port finds it taken and is
 * not committed (recorded: test/oracle/nat-null/userspace, bare-nat-*). Replies of such a
 * connection never match its reply tuple: each is a new connection of its own.
 */
function bindUserspaceBare(table: CtTable, e: CtEntry, nowMs: number): CtTuple | undefined {
  const ported = hasPorts(e.proto) && !isIcmp(e.l3, e.proto);
  const t: CtTuple = ported ? { ...e.reply, src: 0n, sport: e.orig.dport, dport: 0 } : { ...e.reply, src: 0n };
  return table.taken(e.zone, e.l3, e.proto, t, nowMs) ? undefined : t;
}

/**
 * Linux (get_unique_tuple): SNAT keeps the original tuple when its address (and port, if a
 * range is given) is already inside the range and the tuple is free, or else the mapping
 * the same client endpoint already has, when inside the range and free; otherwise an address
 * is chosen by hash (seeded per boot, or with `persistent` by the source alone), the port
 * is kept when allowed and free, and else searched: SNAT from a random offset in the range
 * or the original port's class; DNAT from the bottom of its range. After a DNAT, OVS's
 * kernel module adds a null SNAT binding, which moves the client's source port (random
 * offset in its class) when the tuple is still taken (recorded: test/oracle/kernel-nat).
 * `random`/`random-fully` skip keeping the original port.
 */
function bindKernel(table: CtTable, e: CtEntry, spec: NatSpec, nowMs: number): CtTuple | undefined {
  const snat = spec.kind === 'src';
  const o = e.orig;
  const origAddr = snat ? o.src : o.dst, origPort = snat ? o.sport : o.dport;
  const ported = kernelPorts(e.proto) && !isIcmp(e.l3, e.proto);
  const ranged = spec.portMin !== undefined;
  const lo = spec.portMin ?? 0, hi = spec.portMax ?? lo;
  const free = (t: CtTuple) => (table.taken(e.zone, e.l3, e.proto, t, nowMs) ? undefined : t);
  const inAddr = spec.addrMin === undefined || (origAddr >= spec.addrMin && origAddr <= (spec.addrMax ?? spec.addrMin));
  const inPort = !ported || !ranged || (origPort >= lo && origPort <= hi);
  if (snat && !spec.random && inAddr && inPort) {
    const t = free(candidate(e, true, origAddr, ported ? origPort : undefined));
    if (t) return t;
  } else if (snat && !spec.random) {
    // The same client endpoint already mapped (to another server) keeps its mapping when
    // it is inside the range and free (recorded: nat-snat-same-source).
    const prev = bySource(table).get(sourceKey(e));
    if (prev && table.has(prev) && prev.expiresMs > nowMs && prev.nat.kind === 'src') {
      const m = prev.reply;
      const inside = (spec.addrMin === undefined || (m.dst >= spec.addrMin && m.dst <= (spec.addrMax ?? spec.addrMin)))
        && (!ported || !ranged || (m.dport >= lo && m.dport <= hi));
      const t = inside ? free(candidate(e, true, m.dst, ported ? m.dport : undefined)) : undefined;
      if (t) return t;
    }
  }
  const seed = spec.persistent ? hashOf(o.src) : hashOf(o.src, o.dst);
  const addr = pickAddr(spec, origAddr, seed);
  if (!ported) return free(candidate(e, snat, addr, undefined));
  if (!spec.random && inPort) {
    const t = candidate(e, snat, addr, origPort);
    // A one-port range is kept even when taken: the clash then fails the commit.
    if (free(t) || (ranged && lo === hi)) return t;
  }
  const offset = hashOf(o.src, o.dst, o.sport, o.dport);
  if (snat || ranged) {
    const [clo, chi] = ranged ? [lo, hi] : portClass(origPort);
    const start = clo + ((snat || spec.random ? offset : 0) % (chi - clo + 1));
    const t = searchPorts(clo, chi, start, offset, (p) => free(candidate(e, snat, addr, p)));
    if (t || snat) return t;
  }
  // DNAT left the tuple taken: the null SNAT binding moves the client's source port.
  const dport = ranged ? lo : origPort;
  const [clo, chi] = portClass(o.sport);
  return searchPorts(clo, chi, clo + (offset % (chi - clo + 1)), offset, (p) => free(candidate(e, false, addr, dport, p)));
}

/** The kernel's "by source" index: the latest SNAT connection of each client endpoint. */
const BY_SOURCE = new WeakMap<CtTable, { map: Map<string, CtEntry>; sweepAt: number }>();
const sourceKey = (e: CtEntry): string => `${e.zone}|${e.l3}|${e.proto}|${e.orig.src}|${e.orig.sport}`;

function bySource(table: CtTable): Map<string, CtEntry> {
  let s = BY_SOURCE.get(table);
  if (!s) { s = { map: new Map(), sweepAt: 1024 }; BY_SOURCE.set(table, s); }
  if (s.map.size >= s.sweepAt) {
    // Drop connections that are gone; amortised by sweeping only when the map doubled.
    for (const [k, e] of s.map) if (!table.has(e)) s.map.delete(k);
    s.sweepAt = Math.max(1024, 2 * s.map.size);
  }
  return s.map;
}

function pickAddr(spec: NatSpec, original: bigint, seed: number): bigint {
  if (spec.addrMin === undefined) return original;
  const max = spec.addrMax ?? spec.addrMin;
  const span = max >= spec.addrMin ? max - spec.addrMin + 1n : 1n;
  return spec.addrMin + (BigInt(seed) % span);
}

/**
 * Applies NAT to one packet. `bindNew`: whether a new entry may get a binding now (the
 * kernel binds the unconfirmed entry; OVS userspace only on commit).
 */
export function applyNat(
  table: CtTable,
  e: CtEntry,
  dir: 0 | 1,
  pkt: CtPacket,
  spec: NatSpec,
  bindNew: boolean,
  nowMs: number,
  related: boolean,
  profile: Profile,
): NatOutcome {
  if (!e.confirmed && e.nat.kind === 'none' && !spec.kind && bindNew && profile === 'userspace' && !e.alg?.parent) {
    const r = bindUserspaceBare(table, e, nowMs);
    if (!r) return { stateBits: 0, exhausted: true };
    e.reply = r;
    return { stateBits: 0, exhausted: false };
  }
  if (!e.confirmed && e.nat.kind === 'none' && spec.kind && bindNew) {
    const r = profile === 'kernel' ? bindKernel(table, e, spec, nowMs) : bindUserspace(table, e, spec, nowMs);
    if (!r) return { stateBits: 0, exhausted: true };
    if (profile === 'kernel' && spec.kind === 'src') bySource(table).set(sourceKey(e), e);
    // A kept tuple (nat(src) without an address, or a client already inside the range) is
    // no NAT binding in the kernel: the connection is not marked NATed (its later packets
    // are not translated) but the packet still gets the bit, see below.
    if (profile === 'kernel' && sameTuple(r, e.reply)) return { stateBits: natBit(spec.kind), exhausted: false };
    e.reply = r;
    e.nat = { kind: spec.kind };
  }
  // OVS's kernel datapath sets snat/dnat in ct_state for each packet its ct(nat(src|dst))
  // ran nf_nat on without a drop, whether the tuple changed or not (nf_ct_nat_execute sets
  // the action bit after nf_nat_packet; ovs_ct_nat turns it into the key's bit). A
  // connection without a binding takes the kind the action names; a bare nat names none.
  // Read from Linux net/netfilter/nf_nat_ovs.c and net/openvswitch/conntrack.c: neither the
  // OVS kernel module nor tc's act_ct (the same code) exists on the recording machine.
  if (e.nat.kind === 'none') return { stateBits: profile === 'kernel' ? natBit(spec.kind) : 0, exhausted: false };
  const out: NatPacket = { src: pkt.src, dst: pkt.dst, sport: pkt.sport, dport: pkt.dport };
  // SCTP ports are NATed by the kernel only (OVS userspace keeps them out of the tuple).
  const ported = profile === 'kernel' ? kernelPorts(e.proto) : hasPorts(e.proto);
  // Which side of the packet changes: SNAT rewrites the original source and, on the way
  // back, the destination; DNAT the other way round.
  const rewriteSource = (e.nat.kind === 'src') === (dir === 0);
  // A packet of direction `dir` is made to look like the inverse of the other direction.
  const from = dir === 0 ? e.reply : e.orig;
  if (rewriteSource) out.src = from.dst;
  else out.dst = from.src;
  // Both ports come from the tuple: OVS userspace may move the client's source port on a
  // DNAT clash, and the packet must then carry it too (the other port is unchanged otherwise).
  if (ported && !related) { out.sport = from.dport; out.dport = from.sport; }
  const inner = related ? pkt.icmp?.inner : undefined;
  if (inner) out.inner = translateQuoted(e, dir, inner, !rewriteSource, ported);
  const stateBits = rewriteSource ? CS.snat : CS.dnat;
  return { stateBits, packet: out, exhausted: false };
}

/**
 * The NAT a saved entry's tuples show (`conntrack -L` and `dpctl/dump-conntrack` print no
 * NAT status): a reply that does not mirror the original tuple on the server's side is a
 * DNAT (a client port moved with it is in the tuple too), else on the client's side an
 * SNAT. OVS userspace's bare-nat entries (reply source 0.0.0.0 or ::, bindUserspaceBare)
 * translate nothing.
 */
export function natOfTuples(orig: CtTuple, reply: CtTuple): NatBinding {
  if (reply.src === 0n) return NAT_NONE;
  if (reply.src !== orig.dst || reply.sport !== orig.dport) return { kind: 'dst' };
  if (reply.dst !== orig.src || reply.dport !== orig.sport) return { kind: 'src' };
  return NAT_NONE;
}

const natBit = (kind: NatSpec['kind']): number => (kind === 'src' ? CS.snat : kind === 'dst' ? CS.dnat : 0);

/**
 * The packet an ICMP error quotes travelled the other way: it is translated back on the
 * side opposite to the outer header's, so the receiver sees the packet it once sent
 * (both trackers do this; recorded through OVS userspace: snat-icmp-error).
 */
function translateQuoted(e: CtEntry, dir: 0 | 1, q: CtIcmpInner, sourceSide: boolean, ported: boolean): CtIcmpInner {
  // The quoted packet is of direction 1 - dir, as its sender saw it: that direction's tuple.
  const t = dir === 1 ? e.orig : e.reply;
  const out = { ...q };
  const icmp = isIcmp(e.l3, e.proto);
  if (sourceSide) {
    out.src = t.src;
    if (ported) out.sport = t.sport;
  } else {
    out.dst = t.dst;
    if (ported) out.dport = t.dport;
  }
  if (icmp && q.icmpId !== undefined) out.icmpId = t.sport;
  return out;
}
