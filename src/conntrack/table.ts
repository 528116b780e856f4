// The connection table: one hash index from (zone, tuple) to entry, both directions
// (key-index.ts), with lazy expiry. Profile-specific packet processing lives in kernel.ts / userspace.ts.

import { EntryList } from './entry-list.js';
import { KeyIndex } from './key-index.js';
import { invertTuple, sameTuple, tupleHash } from './tuple.js';
import { CS, type CtEntry, type CtPacket, type CtResult, type CtTuple, type L3, type NatBinding } from './types.js';

/** A hit: the entry and which of its directions the tuple is (0 original, 1 reply). */
export interface Hit {
  entry: CtEntry;
  dir: 0 | 1;
}

/** One key of a shared hash slot: the entry owning it and which direction it is. */
interface Owner {
  entry: CtEntry;
  dir: 0 | 1;
}

/** zone, l3 and proto as one number, for the hash memo. */
const memoKey = (zone: number, l3: L3, proto: number): number => (zone * 256 + proto) * 2 + (l3 === 'ipv4' ? 0 : 1);

const dirTuple = (e: CtEntry, dir: 0 | 1): CtTuple => (dir === 0 ? e.orig : e.reply);

/** Does `e`'s direction `dir` have this key? */
const owns = (e: CtEntry, dir: 0 | 1, zone: number, l3: L3, proto: number, t: CtTuple): boolean =>
  e.zone === zone && e.l3 === l3 && e.proto === proto && sameTuple(dirTuple(e, dir), t);

export class CtTable {
  /**
   * `sweepPerInsert`: entries the sweep looks at per insert (see sweep()). The kernel
   * profile passes 0: its expiry index removes every timed-out entry at the first ct()
   * at or after its timeout, before any lookup, so the sweep would never find one.
   */
  constructor(private readonly sweepPerInsert = 2) {}

  /**
   * Hash of (zone, l3, proto, tuple) → the entry, with no per-key object: a lone entry
   * stands for "every key of this entry with this hash" (usually one direction, both
   * when they hash alike). Only a slot shared by different keys holds an Owner list.
   * As with one key per direction, the last insert of a key takes it over.
   */
  private readonly byKey = new KeyIndex<CtEntry | Owner[]>();
  /** Insertion order, so dumps are stable. */
  private readonly all = new EntryList();
  /** Direction of the entry the last find() returned. */
  lastDir: 0 | 1 = 0;
  /** Latest time any lookup was made at: entries expired by then are dead for good. */
  private clock = -Infinity;
  /**
   * The hashes of the last two tuples find() looked up, by tuple object (tuples are never
   * edited): a commit inserts the very tuples its packet just looked up (orig, then reply
   * by taken()), so insert() hashes neither again.
   */
  private readonly memoT: (CtTuple | undefined)[] = [undefined, undefined];
  private readonly memoK = [0, 0];
  private readonly memoH = [0, 0];
  private memoNext = 0;

  /** tupleHash(), or the one find() just made for this same tuple object and key. */
  private hashOf(zone: number, l3: L3, proto: number, t: CtTuple): number {
    const k = memoKey(zone, l3, proto);
    if (this.memoT[0] === t && this.memoK[0] === k) return this.memoH[0]!;
    if (this.memoT[1] === t && this.memoK[1] === k) return this.memoH[1]!;
    return tupleHash(zone, l3, proto, t);
  }

  /** Like lookup(), without allocating: the direction is left in lastDir. */
  find(zone: number, l3: L3, proto: number, t: CtTuple, nowMs: number): CtEntry | undefined {
    if (nowMs > this.clock) this.clock = nowMs;
    const h = tupleHash(zone, l3, proto, t);
    const m = this.memoNext;
    this.memoT[m] = t;
    this.memoK[m] = memoKey(zone, l3, proto);
    this.memoH[m] = h;
    this.memoNext = m ^ 1;
    const slot = this.byKey.get(h);
    if (slot === undefined) return undefined;
    let e: CtEntry | undefined;
    if (!Array.isArray(slot)) {
      // The reply direction first: an entry whose two directions are one key answers as reply.
      if (owns(slot, 1, zone, l3, proto, t)) this.lastDir = 1;
      else if (owns(slot, 0, zone, l3, proto, t)) this.lastDir = 0;
      else return undefined;
      e = slot;
    } else {
      for (const o of slot) {
        if (owns(o.entry, o.dir, zone, l3, proto, t)) {
          e = o.entry;
          this.lastDir = o.dir;
          break;
        }
      }
      if (!e) return undefined;
    }
    if (nowMs >= e.expiresMs) {
      // Lazy sweep: an expired entry goes when it is next looked at.
      this.remove(e);
      return undefined;
    }
    return e;
  }

  /** Finds a live entry; an expired one is dropped on the way (lazy sweep). */
  lookup(zone: number, l3: L3, proto: number, t: CtTuple, nowMs: number): Hit | undefined {
    const entry = this.find(zone, l3, proto, t, nowMs);
    return entry && { entry, dir: this.lastDir };
  }

  /** Is this tuple taken by any live entry (either direction)? */
  taken(zone: number, l3: L3, proto: number, t: CtTuple, nowMs: number): boolean {
    return this.find(zone, l3, proto, t, nowMs) !== undefined;
  }

  insert(e: CtEntry): void {
    this.claim(e, 0);
    this.claim(e, 1);
    this.all.add(e);
    e.confirmed = true;
    if (this.sweepPerInsert > 0) this.sweep(this.sweepPerInsert);
  }

  /**
   * Looks at the next `n` entries in insertion order and drops those expired at the
   * latest lookup time, so entries nobody looks up again do not pile up. Invisible from
   * outside: every lookup since then would have treated them as gone already.
   */
  private sweep(n: number): void {
    for (let i = 0; i < n; i++) {
      const e = this.all.sweepNext();
      if (e === undefined) return;
      if (this.clock >= e.expiresMs) this.remove(e);
    }
  }

  /** Makes `e` the owner of its direction `dir`'s key. */
  private claim(e: CtEntry, dir: 0 | 1): void {
    const t = dirTuple(e, dir);
    const h = this.hashOf(e.zone, e.l3, e.proto, t);
    // Kept for release(): the key is found again without hashing.
    if (dir === 0) e.hashOrig = h;
    else e.hashReply = h;
    const slot = this.byKey.get(h);
    if (slot === undefined) {
      this.byKey.set(h, e);
      return;
    }
    if (slot === e) return;
    let owners: Owner[];
    if (Array.isArray(slot)) owners = slot;
    else {
      // Spell out the keys the lone entry stood for (its directions with this hash).
      owners = [];
      const same = sameTuple(slot.orig, slot.reply);
      for (const d of [0, 1] as const) {
        if (d === 0 && same) continue;
        if (tupleHash(slot.zone, slot.l3, slot.proto, dirTuple(slot, d)) === h) owners.push({ entry: slot, dir: d });
      }
      this.byKey.set(h, owners);
    }
    for (let i = owners.length - 1; i >= 0; i--) {
      if (owns(owners[i]!.entry, owners[i]!.dir, e.zone, e.l3, e.proto, t)) owners.splice(i, 1);
    }
    owners.push({ entry: e, dir });
  }

  remove(e: CtEntry): void {
    // Keys are claimed only by entries in `all`: one gone from there has none left.
    if (!this.all.delete(e)) return;
    this.release(e, e.hashOrig!);
    this.release(e, e.hashReply!);
  }

  /** Drops the key of `e`'s direction claimed under hash `h`, if `e` still owns it. */
  private release(e: CtEntry, h: number): void {
    const slot = this.byKey.get(h);
    if (slot === e) this.byKey.delete(h);
    else if (Array.isArray(slot)) {
      // Only the keys this entry still owns go.
      const rest = slot.filter((o) => o.entry !== e);
      if (rest.length === 0) this.byKey.delete(h);
      else if (rest.length !== slot.length) this.byKey.set(h, rest);
    }
  }

  has(e: CtEntry): boolean {
    return this.all.has(e);
  }

  /** Live entries, oldest first; expired ones are swept. */
  live(nowMs: number): CtEntry[] {
    if (nowMs > this.clock) this.clock = nowMs;
    const out: CtEntry[] = [];
    // Deleting the entry just visited is safe: the walk goes on after it.
    for (const e of this.all) {
      if (nowMs >= e.expiresMs) this.remove(e);
      else out.push(e);
    }
    return out;
  }

  flush(zone?: number): void {
    for (const e of this.all) if (zone === undefined || e.zone === zone) this.remove(e);
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
  natPkt?: CtResult['natted'];
}

export function newCtPacketCache(): CtPacketCache {
  return { tracked: false, zone: 0, ctState: 0, dir: 0, natted: false };
}

/** The packet is tracked in `zone` with this verdict and entry. */
export function track(c: CtPacketCache, zone: number, st: number, e: CtEntry | undefined, dir: 0 | 1): void {
  c.tracked = true;
  c.zone = zone;
  c.ctState = st;
  c.entry = e;
  c.dir = dir;
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

/** Shared by every entry without NAT (a binding replaces the object, never edits it). */
export const NAT_NONE: NatBinding = Object.freeze({ kind: 'none' });

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
    nat: NAT_NONE,
    confirmed: false,
    pendingEvents: 0,
    expiryFiled: -1,
    hashOrig: -1,
    hashReply: -1,
    listOwner: undefined,
    listPrev: undefined,
    listNext: undefined,
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
    // A connection an FTP/TFTP expectation made answers with its master's tuple.
    const src = entry.alg?.parent ?? entry;
    fillOrigTuple(r, src.l3, src.proto, src.orig);
  }
  return r;
}

/** The ct_nw_* / ct_ipv6_* / ct_tp_* fields of a result, from an original-direction tuple. */
export function fillOrigTuple(r: CtResult, l3: L3, proto: number, o: CtTuple): void {
  if (l3 === 'ipv4') {
    r.ct_nw_src = o.src;
    r.ct_nw_dst = o.dst;
  } else {
    r.ct_ipv6_src = o.src;
    r.ct_ipv6_dst = o.dst;
  }
  r.ct_nw_proto = proto;
  // For ICMP OVS puts the type and code where the ports would be.
  r.ct_tp_src = o.icmpType ?? o.sport;
  r.ct_tp_dst = o.icmpType !== undefined ? (o.icmpCode ?? 0) : o.dport;
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
