// Packet processing of the "userspace" profile: OVS 3.1 lib/conntrack.c process_one().
// A lookup without commit never creates anything; only ct(commit) makes a connection,
// from the packet as it is then (new_conn), without running the update path.

import { userIcmpUpdate, userIcmpValidNew } from './icmp.js';
import { applyNat } from './nat.js';
import type { UserspaceConfig } from './profiles.js';
import { CtTable, applyMarkLabel, freshEntry, resultFor, type CtPacketCache } from './table.js';
import { userTcpNew, userTcpUpdate, userTcpValidNew, type UserUpdate } from './tcp-userspace.js';
import type { UserTpAttr } from './timeouts.js';
import { isIcmp, viewPacket } from './tuple.js';
import { CS, IPPROTO, type CtEntry, type CtOptions, type CtPacket, type CtResult } from './types.js';
import { userOtherUpdate } from './udp.js';

export class UserspaceTracker {
  constructor(
    readonly cfg: UserspaceConfig,
    readonly table: CtTable,
  ) {}

  private setTimer(e: CtEntry, attr: UserTpAttr, nowMs: number): void {
    e.expiresMs = nowMs + this.cfg.policy.get(attr)! * 1000;
  }

  private validNew(pkt: CtPacket): boolean {
    if (pkt.proto === IPPROTO.tcp) return userTcpValidNew(pkt.tcp!);
    if (isIcmp(pkt.l3, pkt.proto)) return userIcmpValidNew(pkt);
    return true;
  }

  private newConn(pkt: CtPacket, zone: number, tuple: CtEntry['orig'], nowMs: number): CtEntry | undefined {
    if (pkt.proto === IPPROTO.tcp) {
      const { s, attr } = userTcpNew(pkt.tcp!);
      const e = freshEntry(zone, pkt, tuple, nowMs, { kind: 'tcp-userspace', s });
      if (e) this.setTimer(e, attr, nowMs);
      return e;
    }
    if (isIcmp(pkt.l3, pkt.proto)) {
      const e = freshEntry(zone, pkt, tuple, nowMs, { kind: 'icmp-userspace', state: 'FIRST' });
      if (e) this.setTimer(e, 'icmp_first', nowMs);
      return e;
    }
    const e = freshEntry(zone, pkt, tuple, nowMs, { kind: 'other-userspace', state: 'FIRST' });
    if (e) this.setTimer(e, 'udp_first', nowMs);
    return e;
  }

  private update(e: CtEntry, reply: boolean, pkt: CtPacket, nowMs: number): UserUpdate {
    const p = e.proto_;
    if (p.kind === 'tcp-userspace') {
      const o = userTcpUpdate(p.s, reply, pkt.tcp!, this.cfg);
      if (o.attr) this.setTimer(e, o.attr, nowMs);
      return o.res;
    }
    if (p.kind === 'icmp-userspace') {
      const o = userIcmpUpdate(p.state, reply);
      p.state = o.state;
      this.setTimer(e, o.attr, nowMs);
      return o.valid ? 'valid' : 'valid_new';
    }
    if (p.kind === 'other-userspace') {
      const o = userOtherUpdate(p.state, reply);
      p.state = o.state;
      this.setTimer(e, o.attr, nowMs);
      return o.valid ? 'valid' : 'valid_new';
    }
    return 'valid';
  }

  process(pkt: CtPacket, opts: CtOptions, nowMs: number, cache: CtPacketCache): CtResult {
    const events: string[] = [];
    const done = (st: number, e: CtEntry | undefined, dir: 0 | 1): CtResult => {
      Object.assign(cache, { tracked: true, zone: opts.zone, ctState: st, entry: e, dir });
      return this.finish(pkt, opts, nowMs, cache, st, e, events);
    };
    const view = viewPacket(pkt, true);
    if (view.kind === 'bad') return done(CS.trk | CS.inv, undefined, 0);
    if (view.kind === 'related') {
      const hit = this.table.lookup(opts.zone, pkt.l3, view.innerProto, view.lookup, nowMs);
      if (!hit) return done(CS.trk | CS.inv, undefined, 0);
      return done(CS.trk | CS.rel | (hit.dir === 1 ? CS.rpl : 0), hit.entry, hit.dir);
    }
    let hit = this.table.lookup(opts.zone, pkt.l3, pkt.proto, view.tuple, nowMs);
    if (hit && opts.force && hit.dir === 1) {
      // 'force' implies commit: an entry opened by the other side is dropped.
      this.table.remove(hit.entry);
      hit = undefined;
    }
    if (hit) {
      const res = this.update(hit.entry, hit.dir === 1, pkt, nowMs);
      if (res === 'valid') return done(CS.trk | CS.est | (hit.dir === 1 ? CS.rpl : 0), hit.entry, hit.dir);
      if (res === 'invalid') return done(CS.trk | CS.inv, hit.entry, hit.dir);
      if (res === 'valid_new') return done(CS.trk | CS.new, hit.entry, hit.dir);
      // 'new': a SYN on a closed connection replaces it.
      this.table.remove(hit.entry);
    }
    if (!this.validNew(pkt)) return done(CS.trk | CS.inv, undefined, 0);
    if (!opts.commit) {
      // A lookup remembers nothing: the packet will be looked at afresh by ct(commit).
      const r = this.finish(pkt, opts, nowMs, cache, CS.trk | CS.new, undefined, events);
      cache.tracked = false;
      return r;
    }
    const e = this.newConn(pkt, opts.zone, view.tuple, nowMs);
    if (!e) return done(CS.trk | CS.inv, undefined, 0);
    if (opts.nat) {
      const n = applyNat(this.table, e, 0, pkt, opts.nat, true, nowMs, false);
      if (n.exhausted) return done(CS.trk | CS.new, undefined, 0);
      this.table.insert(e);
      Object.assign(cache, { tracked: true, zone: opts.zone, ctState: CS.trk | CS.new | n.stateBits, entry: e, dir: 0 });
      cache.natted = true;
      cache.natPkt = n.packet;
      applyMarkLabel(e, opts.setMark, opts.setLabel);
      const r = resultFor(opts.zone, CS.trk | CS.new | n.stateBits, e, events);
      if (n.packet) r.natted = n.packet;
      return r;
    }
    this.table.insert(e);
    return done(CS.trk | CS.new, e, 0);
  }

  /** The packet already went through ct() in this zone: reuse (OVS process_one_fast). */
  reuse(pkt: CtPacket, opts: CtOptions, nowMs: number, cache: CtPacketCache): CtResult {
    return this.finish(pkt, opts, nowMs, cache, cache.ctState, cache.entry, []);
  }

  private finish(
    pkt: CtPacket,
    opts: CtOptions,
    nowMs: number,
    cache: CtPacketCache,
    st: number,
    e: CtEntry | undefined,
    events: string[],
  ): CtResult {
    let bits = 0;
    if (e && opts.nat && !cache.natted && e.confirmed) {
      const n = applyNat(this.table, e, cache.dir, pkt, opts.nat, false, nowMs, (st & CS.rel) !== 0);
      bits = n.stateBits;
      cache.natted = true;
      cache.natPkt = n.packet;
    }
    if (e && opts.commit) applyMarkLabel(e, opts.setMark, opts.setLabel);
    const r = resultFor(opts.zone, st | bits, e, events);
    if (cache.natPkt) r.natted = cache.natPkt;
    cache.ctState = r.ctState;
    return r;
  }
}
