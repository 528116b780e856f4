// Packet processing of the "userspace" profile: OVS 3.1 lib/conntrack.c process_one().
// A lookup without commit never creates anything; only ct(commit) makes a connection,
// from the packet as it is then (new_conn), without running the update path.

import { userIcmpUpdate, userIcmpValidNew } from './icmp.js';
import { applyNat } from './nat.js';
import { UserAlg } from './alg-user.js';
import { expectedView } from './alg.js';
import { withTcp, withTcpRewrite } from './alg-nat.js';
import { userTrackedTcp } from './alg-nat-user.js';
import type { UserspaceConfig } from './profiles.js';
import { CtTable, applyMarkLabel, fillOrigTuple, freshEntry, resultFor, track, type CtPacketCache } from './table.js';
import { userTcpNew, userTcpUpdate, userTcpValidNew, type UserUpdate } from './tcp-userspace.js';
import type { UserTpAttr } from './timeouts.js';
import { isIcmp, viewPacket } from './tuple.js';
import { CS, IPPROTO, type CtEntry, type CtOptions, type CtPacket, type CtResult } from './types.js';
import { userOtherUpdate } from './udp.js';

export class UserspaceTracker {
  /** FTP/TFTP helpers and their expectations (alg-user.ts). */
  readonly alg = new UserAlg((e, nowMs) => this.table.has(e) && nowMs < e.expiresMs);

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
    const view = viewPacket(pkt, 'userspace');
    if (view.kind === 'bad') return this.done(pkt, opts, nowMs, cache, CS.trk | CS.inv, undefined, 0, events);
    // OVS takes a TCP / UDP port 0 for a malformed header (recorded: alg-ext-userspace ftp6-odd-lines).
    const l4 = pkt.proto === IPPROTO.tcp || pkt.proto === IPPROTO.udp;
    if (l4 && (pkt.sport === 0 || pkt.dport === 0)) return this.done(pkt, opts, nowMs, cache, CS.trk | CS.inv, undefined, 0, events);
    if (view.kind === 'related') {
      const e = this.table.find(opts.zone, pkt.l3, view.innerProto, view.lookup, nowMs);
      if (!e) return this.done(pkt, opts, nowMs, cache, CS.trk | CS.inv, undefined, 0, events);
      const dir = this.table.lastDir;
      return this.done(pkt, opts, nowMs, cache, CS.trk | CS.rel | (dir === 1 ? CS.rpl : 0), e, dir, events);
    }
    let hit = this.table.find(opts.zone, pkt.l3, pkt.proto, view.tuple, nowMs);
    const dir = this.table.lastDir;
    if (hit && opts.force && dir === 1) {
      // 'force' implies commit: an entry opened by the other side is dropped.
      this.table.remove(hit);
      hit = undefined;
    }
    if (hit) {
      // With `nat`, a segment against an FTP connection's shift has its ack taken back before tracking.
      const skew = opts.nat ? hit.alg?.skew : undefined;
      const res = this.update(hit, dir === 1, skew ? withTcp(pkt, userTrackedTcp(skew, dir, pkt.tcp!, pkt.l3)) : pkt, nowMs);
      // A connection an expectation made is +rel on every packet (OVS conn_update_state).
      const rel = hit.alg?.parent ? CS.rel : 0;
      if (res === 'valid') {
        return this.done(pkt, opts, nowMs, cache, CS.trk | CS.est | rel | (dir === 1 ? CS.rpl : 0), hit, dir, events);
      }
      if (res === 'invalid') return this.done(pkt, opts, nowMs, cache, CS.trk | CS.inv, hit, dir, events);
      if (res === 'valid_new') return this.done(pkt, opts, nowMs, cache, CS.trk | CS.new | rel, hit, dir, events);
      // 'new': a SYN on a closed connection replaces it.
      this.table.remove(hit);
    }
    if (!this.validNew(pkt)) return this.done(pkt, opts, nowMs, cache, CS.trk | CS.inv, undefined, 0, events);
    // A new connection an expectation waits for is +new+rel (the expectation stays).
    const x = this.alg.expected(opts.zone, pkt, view.tuple, nowMs);
    if (!opts.commit && x) {
      const r = resultFor(opts.zone, CS.trk | CS.new | CS.rel, expectedView(x, x.mark, x.label), events);
      cache.tracked = false;
      cache.ctState = r.ctState;
      return r;
    }
    if (!opts.commit) {
      // A lookup remembers nothing: the packet will be looked at afresh by ct(commit).
      const r = this.finish(pkt, opts, nowMs, cache, CS.trk | CS.new, undefined, events);
      // With no entry OVS still gives the packet its own tuple as the original one (recorded:
      // test/oracle/alg-userspace ct_fields of each first SYN).
      fillOrigTuple(r, pkt.l3, pkt.proto, view.tuple);
      cache.tracked = false;
      return r;
    }
    const e = this.newConn(pkt, opts.zone, view.tuple, nowMs);
    if (!e) return this.done(pkt, opts, nowMs, cache, CS.trk | CS.inv, undefined, 0, events);
    if (opts.helper || x) this.alg.created(e, opts.helper, pkt, x, opts.nat);
    if (opts.nat) {
      const n = applyNat(this.table, e, 0, pkt, opts.nat, true, nowMs, false, 'userspace');
      if (n.exhausted) return { ...this.done(pkt, opts, nowMs, cache, CS.trk | CS.new, undefined, 0, events), natExhausted: true };
      this.table.insert(e);
      const st = CS.trk | CS.new | (x ? CS.rel : 0) | n.stateBits;
      track(cache, opts.zone, st, e, 0);
      cache.natted = true;
      cache.natPkt = n.packet;
      if (!e.alg?.parent) applyMarkLabel(e, opts.setMark, opts.setLabel);
      const r = resultFor(opts.zone, st, e, events);
      if (n.packet) r.natted = n.packet;
      return this.runHelper(r, e, pkt, 0, nowMs, cache, true);
    }
    this.table.insert(e);
    return this.done(pkt, opts, nowMs, cache, CS.trk | CS.new | (x ? CS.rel : 0), e, 0, events);
  }

  /** Records the verdict in the packet cache, then finishes. */
  private done(
    pkt: CtPacket,
    opts: CtOptions,
    nowMs: number,
    cache: CtPacketCache,
    st: number,
    e: CtEntry | undefined,
    dir: 0 | 1,
    events: string[],
  ): CtResult {
    track(cache, opts.zone, st, e, dir);
    const r = this.finish(pkt, opts, nowMs, cache, st, e, events);
    return e ? this.runHelper(r, e, pkt, dir, nowMs, cache, opts.nat !== undefined) : r;
  }

  /** OVS handle_alg_ctl, after the verdict: the connection's helper reads the packet (may add +inv). */
  private runHelper(r: CtResult, e: CtEntry, pkt: CtPacket, dir: 0 | 1, nowMs: number, cache: CtPacketCache, nat: boolean): CtResult {
    if (!e.alg?.helper) return r;
    if (this.alg.run(e, pkt, dir === 1, nowMs, nat)) {
      r.ctState |= CS.trk | CS.inv;
      cache.ctState = r.ctState;
    }
    return this.alg.tcpOut ? withTcpRewrite(r, cache, pkt, this.alg.tcpOut) : r;
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
      const n = applyNat(this.table, e, cache.dir, pkt, opts.nat, false, nowMs, (st & CS.rel) !== 0, 'userspace');
      bits = n.stateBits;
      cache.natted = true;
      cache.natPkt = n.packet;
    }
    // A RELATED connection keeps the mark and label it took from its master.
    if (e && opts.commit && !e.alg?.parent) applyMarkLabel(e, opts.setMark, opts.setLabel);
    const r = resultFor(opts.zone, st | bits, e, events);
    if (cache.natPkt) r.natted = cache.natPkt;
    cache.ctState = r.ctState;
    return r;
  }
}
