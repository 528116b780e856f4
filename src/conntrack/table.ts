// The connection table: one map from (zone, tuple) to entry, both directions,
// with lazy expiry. Profile-specific packet processing lives in kernel.ts / userspace.ts.

import { invertTuple, tupleKey } from './tuple.js';
import { CS, type CtEntry, type CtPacket, type CtResult, type CtTuple, type L3 } from './types.js';

/** A hit: the entry and which of its directions the tuple is (0 original, 1 reply). */
export interface Hit {
  entry: CtEntry;
  dir: 0 | 1;
}

export class CtTable {
  private readonly byKey = new Map<string, Hit>();
  /** Insertion order, so dumps are stable. */
  private readonly all = new Set<CtEntry>();

  /** Finds a live entry; an expired one is dropped on the way (lazy sweep). */
  lookup(zone: number, l3: L3, proto: number, t: CtTuple, nowMs: number): Hit | undefined {
    const hit = this.byKey.get(tupleKey(zone, l3, proto, t));
    if (!hit) return undefined;
    if (nowMs >= hit.entry.expiresMs) {
      this.remove(hit.entry);
      return undefined;
    }
    return hit;
  }

  /** Is this tuple taken by any live entry (either direction)? */
  taken(zone: number, l3: L3, proto: number, t: CtTuple, nowMs: number): boolean {
    return this.lookup(zone, l3, proto, t, nowMs) !== undefined;
  }

  insert(e: CtEntry): void {
    this.byKey.set(tupleKey(e.zone, e.l3, e.proto, e.orig), { entry: e, dir: 0 });
    this.byKey.set(tupleKey(e.zone, e.l3, e.proto, e.reply), { entry: e, dir: 1 });
    this.all.add(e);
    e.confirmed = true;
  }

  remove(e: CtEntry): void {
    for (const t of [e.orig, e.reply]) {
      const k = tupleKey(e.zone, e.l3, e.proto, t);
      if (this.byKey.get(k)?.entry === e) this.byKey.delete(k);
    }
    this.all.delete(e);
  }

  has(e: CtEntry): boolean {
    return this.all.has(e);
  }

  /** Live entries, oldest first; expired ones are swept. */
  live(nowMs: number): CtEntry[] {
    const out: CtEntry[] = [];
    for (const e of [...this.all]) {
      if (nowMs >= e.expiresMs) this.remove(e);
      else out.push(e);
    }
    return out;
  }

  flush(zone?: number): void {
    for (const e of [...this.all]) if (zone === undefined || e.zone === zone) this.remove(e);
  }
}

/**
 * What a packet remembers between two ct() actions (the kernel keeps the conntrack on the
 * skb, OVS userspace keeps `md.conn`): a second ct() in the same zone reuses the verdict
 * instead of running the state machine again. The pipeline clears it on ct_clear.
 */
export interface CtPacketCache {
  tracked: boolean;
  zone: number;
  ctState: number;
  entry?: CtEntry;
  dir: 0 | 1;
  /** NAT already applied to this packet in this zone. */
  natted: boolean;
  /** The packet's addresses/ports as NAT left them. */
  natPkt?: { src: bigint; dst: bigint; sport?: number; dport?: number };
}

export function newCtPacketCache(): CtPacketCache {
  return { tracked: false, zone: 0, ctState: 0, dir: 0, natted: false };
}

export function clearCtPacketCache(c: CtPacketCache): void {
  c.tracked = false;
  c.zone = 0;
  c.ctState = 0;
  c.entry = undefined;
  c.dir = 0;
  c.natted = false;
  c.natPkt = undefined;
}

/** Builds a new (not yet committed) entry for a packet's tuple. */
export function freshEntry(
  zone: number,
  pkt: CtPacket,
  orig: CtTuple,
  nowMs: number,
  proto_: CtEntry['proto_'],
): CtEntry | undefined {
  const reply = invertTuple(pkt.l3, pkt.proto, orig);
  if (!reply) return undefined;
  return {
    zone,
    l3: pkt.l3,
    proto: pkt.proto,
    orig,
    reply,
    createdMs: nowMs,
    expiresMs: nowMs,
    status: { seenReply: false, assured: false },
    mark: 0,
    label: 0n,
    proto_,
    nat: { kind: 'none' },
    confirmed: false,
  };
}

/** The result fields every profile fills the same way. */
export function resultFor(zone: number, ctState: number, entry: CtEntry | undefined, events: string[]): CtResult {
  const r: CtResult = {
    ctState,
    ctZone: zone,
    ctMark: entry?.mark ?? 0,
    ctLabel: entry?.label ?? 0n,
    ct_nw_proto: 0,
    ct_tp_src: 0,
    ct_tp_dst: 0,
    events,
  };
  if (entry && !(ctState & CS.inv)) {
    const o = entry.orig;
    if (entry.l3 === 'ipv4') {
      r.ct_nw_src = o.src;
      r.ct_nw_dst = o.dst;
    } else {
      r.ct_ipv6_src = o.src;
      r.ct_ipv6_dst = o.dst;
    }
    r.ct_nw_proto = entry.proto;
    // For ICMP OVS puts the type and code where the ports would be.
    r.ct_tp_src = o.icmpType ?? o.sport;
    r.ct_tp_dst = o.icmpType !== undefined ? (o.icmpCode ?? 0) : o.dport;
  }
  return r;
}

/** Applies ct(commit, exec(set_field:…->ct_mark / ct_label)); true when something changed. */
export function applyMarkLabel(
  e: CtEntry,
  setMark?: { value: number; mask: number },
  setLabel?: { value: bigint; mask: bigint },
): { mark: boolean; label: boolean } {
  let mark = false;
  let label = false;
  if (setMark) {
    const m = ((setMark.value & setMark.mask) | (e.mark & ~setMark.mask)) >>> 0;
    mark = m !== e.mark;
    e.mark = m;
  }
  if (setLabel) {
    const full = (1n << 128n) - 1n;
    const l = (setLabel.value & setLabel.mask) | (e.label & ~setLabel.mask & full);
    label = l !== e.label;
    e.label = l;
  }
  return { mark, label };
}
