// NAT for ct(nat(...)): the binding is chosen once, when the connection is new, by
// rewriting the entry's reply tuple; every later packet of the connection is translated
// from that binding (original direction as requested, reply direction reversed).
// Choices are deterministic (a hash of the tuple stands in for the kernel's random/jhash).

import type { CtTable } from './table.js';
import { hasPorts, isIcmp } from './tuple.js';
import { CS, type CtEntry, type CtPacket, type CtTuple, type NatSpec } from './types.js';

export interface NatOutcome {
  stateBits: number;
  /** The packet's addresses/ports after translation (undefined when nothing changed). */
  packet?: { src: bigint; dst: bigint; sport?: number; dport?: number };
  /** No free tuple was left in the requested range. */
  exhausted: boolean;
}

/** FNV-1a over the tuple text: stable across runs, spreads neighbouring tuples. */
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
function defaultPortRange(original: number): [number, number] {
  if (original < 512) return [1, 511];
  if (original < 1024) return [600, 1023];
  return [1024, 65535];
}

function* portCandidates(spec: NatSpec, original: number, seed: number): Generator<number> {
  if (spec.portMin === undefined) {
    // No port range: the original port, and on a clash the next ones upwards, wrapping
    // inside its class (OVS userspace, recorded: 10.0.0.3:40000 -> :40001 when
    // 10.0.0.1:40000 already holds :40000; the kernel starts at a random offset instead).
    const [lo, hi] = defaultPortRange(original);
    yield original;
    const size = hi - lo + 1;
    const from = original >= lo && original <= hi ? original - lo + 1 : 0;
    for (let i = 0; i < size; i++) {
      const port = lo + ((from + i) % size);
      if (port !== original) yield port;
    }
    return;
  }
  const lo = spec.portMin;
  const hi = spec.portMax ?? spec.portMin;
  // The kernel keeps the original port when it is allowed and free (unless asked for random).
  if (!spec.random && original >= lo && original <= hi) yield original;
  const size = hi - lo + 1;
  const start = seed % size;
  for (let i = 0; i < size; i++) yield lo + ((start + i) % size);
}

/** Chooses the translated reply tuple for a new entry, or undefined when the range is exhausted. */
function bind(table: CtTable, e: CtEntry, spec: NatSpec, nowMs: number): CtTuple | undefined {
  const snat = spec.kind === 'src';
  const o = e.orig;
  const addrMin = spec.addrMin ?? (snat ? o.src : o.dst);
  const addrMax = spec.addrMax ?? addrMin;
  const span = addrMax >= addrMin ? addrMax - addrMin + 1n : 1n;
  const ipSeed = spec.persistent ? hashOf(o.src) : hashOf(o.src, o.dst);
  const addr = addrMin + (BigInt(ipSeed) % span);
  const origPort = snat ? o.sport : o.dport;
  const ported = hasPorts(e.proto) && !isIcmp(e.l3, e.proto);
  const ports = ported ? portCandidates(spec, origPort, hashOf(o.src, o.dst, o.sport, o.dport)) : [origPort];
  for (const port of ports) {
    const r: CtTuple = snat
      ? { ...e.reply, dst: addr, dport: ported ? port : e.reply.dport }
      : { ...e.reply, src: addr, sport: ported ? port : e.reply.sport };
    if (!table.taken(e.zone, e.l3, e.proto, r, nowMs)) return r;
    if (!ported) break;
  }
  return undefined;
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
): NatOutcome {
  if (!e.confirmed && e.nat.kind === 'none' && spec.kind && bindNew) {
    const r = bind(table, e, spec, nowMs);
    if (!r) return { stateBits: 0, exhausted: true };
    e.reply = r;
    e.nat = { kind: spec.kind };
  }
  if (e.nat.kind === 'none') return { stateBits: 0, exhausted: false };
  const out = { src: pkt.src, dst: pkt.dst, sport: pkt.sport, dport: pkt.dport };
  const ported = hasPorts(e.proto);
  // Which side of the packet changes: SNAT rewrites the original source and, on the way
  // back, the destination; DNAT the other way round.
  const rewriteSource = (e.nat.kind === 'src') === (dir === 0);
  // ICMP errors: the outer header is translated the same way (the quoted packet is not modelled).
  const from = dir === 0 ? e.reply : e.orig;
  if (rewriteSource) {
    out.src = from.dst;
    if (ported && !related) out.sport = from.dport;
  } else {
    out.dst = from.src;
    if (ported && !related) out.dport = from.sport;
  }
  const stateBits = rewriteSource ? CS.snat : CS.dnat;
  return { stateBits, packet: out, exhausted: false };
}
