// Packet processing of the "kernel" profile: nf_conntrack_in() as OVS's kernel datapath
// calls it. A packet with no entry gets an unconfirmed entry (the kernel attaches it to
// the skb); only ct(commit) confirms it into the table. Events are queued per entry and
// delivered as `conntrack -E` lines when the entry is (or becomes) confirmed.

import { kernelIcmpNew, kernelIcmpPacket } from './icmp.js';
import { KernelAlg } from './alg-kernel.js';
import { expectedView, refuseNat } from './alg.js';
import { withTcp, withTcpRewrite } from './alg-nat.js';
import { kernelTrackedTcp } from './alg-nat-kernel.js';
import { ExpiryIndex } from './expiry.js';
import { IPPROTO_GRE, kernelGrePacket } from './gre-kernel.js';
import { kernelSctpNew, kernelSctpPacket } from './sctp-kernel.js';
import { applyNat, type NatOutcome } from './nat.js';
import { formatKernelEvent } from './print.js';
import type { KernelConfig } from './profiles.js';
import { CtTable, freshEntry, applyMarkLabel, resultFor, track, type CtPacketCache } from './table.js';
import { kernelTcpNew } from './tcp-kernel.js';
import { kernelTcpPacket } from './tcp-kernel-packet.js';
import { isIcmp, viewPacket } from './tuple.js';
import { CS, IPPROTO, type CtDropCause, type CtEntry, type CtOptions, type CtPacket, type CtResult } from './types.js';
import { kernelUdpPacket } from './udp.js';

/** Event kinds queued on an entry (the kernel's ecache bits), as a bit set in pendingEvents. */
const EV = { new: 1, protoinfo: 2, reply: 4, assured: 8, mark: 16, label: 32 } as const;

export class KernelTracker {
  /** Committed entries by expiry time, for the [DESTROY] of those that time out. */
  readonly expiry = new ExpiryIndex();
  /** Scratch list for expire() (emptied after each use, so it holds no entry alive). */
  private readonly due: CtEntry[] = [];
  /** FTP/TFTP helpers and their expectations (alg-kernel.ts). */
  readonly alg = new KernelAlg((e, nowMs) => this.table.has(e) && nowMs < e.expiresMs);

  constructor(
    readonly cfg: KernelConfig,
    readonly table: CtTable,
  ) {}

  /**
   * `[DESTROY]` lines of the entries whose timeout ended by `nowMs`, which are gone from
   * then on. The kernel reports such an entry when its garbage collector next finds it
   * (recorded: some seconds after the timeout) or when a packet of the same tuple arrives
   * (then just before that packet's [NEW]); ctflow reports it with the first ct() at or
   * after the timeout, the earliest moment a run can show it. The line has no timeout
   * field (the kernel leaves it out when nothing is left of it).
   */
  expire(nowMs: number): string[] {
    const due = this.due;
    this.expiry.due(nowMs, due);
    const lines: string[] = [];
    if (due.length === 0) return lines;
    for (const e of due) {
      // The sweep may have dropped it already; remove() then does nothing.
      this.table.remove(e);
      e.pendingEvents = 0;
      lines.push(formatKernelEvent('DESTROY', e, nowMs, true, false));
    }
    due.length = 0;
    return lines;
  }

  private note(e: CtEntry, bit: number): void {
    e.pendingEvents = (e.pendingEvents ?? 0) | bit;
  }

  /** Delivers queued events of a confirmed entry as one line. */
  private deliver(e: CtEntry, nowMs: number, out: string[]): void {
    const s = e.pendingEvents ?? 0;
    if (s === 0 || !e.confirmed) return;
    const isNew = (s & EV.new) !== 0;
    out.push(formatKernelEvent(isNew ? 'NEW' : 'UPDATE', e, nowMs, isNew || (s & EV.protoinfo) !== 0, (s & EV.mark) !== 0));
    e.pendingEvents = 0;
  }

  private destroy(e: CtEntry, nowMs: number, out: string[]): void {
    if (this.table.has(e)) {
      this.table.remove(e);
      out.push(formatKernelEvent('DESTROY', e, nowMs, true, false));
    }
    this.expiry.delete(e);
    e.pendingEvents = 0;
  }

  private refresh(e: CtEntry, sec: number, nowMs: number): void {
    e.expiresMs = nowMs + sec * 1000;
    if (e.confirmed) this.expiry.set(e);
  }

  /** A packet's first pass through conntrack in this zone; its event lines go after `events`. */
  process(pkt: CtPacket, opts: CtOptions, nowMs: number, cache: CtPacketCache, events: string[]): CtResult {
    const view = viewPacket(pkt, 'kernel');
    if (view.kind === 'bad') return this.invalid(opts.zone, cache, events);
    if (view.kind === 'related') {
      // An ICMP error about a tracked flow is RELATED; it changes nothing in that flow.
      const e = this.table.find(opts.zone, pkt.l3, view.innerProto, view.lookup, nowMs);
      if (!e) return this.invalid(opts.zone, cache, events);
      const dir = this.table.lastDir;
      const st = CS.trk | CS.rel | (dir === 1 ? CS.rpl : 0);
      track(cache, opts.zone, st, e, dir);
      return this.finish(pkt, opts, nowMs, cache, e, st, events);
    }
    if (!opts.commit && this.alg.exp.size > 0) {
      // OVS's kernel module answers a lookup an expectation waits for itself: +new+rel
      // with the master's mark, label and tuple, and no entry (the commit makes it).
      const x = this.alg.expected(opts.zone, pkt, view.tuple, nowMs);
      if (x) {
        // An entry with the packet's tuple clashes with the expectation: the module deletes it.
        const old = this.table.find(opts.zone, pkt.l3, pkt.proto, view.tuple, nowMs);
        if (old) this.destroy(old, nowMs, events);
        cache.tracked = false;
        return resultFor(opts.zone, CS.trk | CS.new | CS.rel, expectedView(x, x.master.mark, x.master.label), events);
      }
    }
    let hit = this.table.find(opts.zone, pkt.l3, pkt.proto, view.tuple, nowMs);
    let dir = this.table.lastDir;
    if (hit && opts.force && dir === 1) {
      // ct(force): an entry started by the other side is replaced by a new one.
      this.destroy(hit, nowMs, events);
      hit = undefined;
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!hit) {
        const e = this.create(pkt, opts.zone, view.tuple, nowMs);
        if (!e) return this.invalid(opts.zone, cache, events);
        // A commit an expectation waits for: RELATED to its master (used up when committed).
        const x = this.alg.exp.size > 0 ? this.alg.expected(opts.zone, pkt, view.tuple, nowMs) : undefined;
        if (x) this.alg.relate(e, x);
        const st0 = CS.trk | CS.new | (x ? CS.rel : 0);
        track(cache, opts.zone, st0, e, 0);
        this.note(e, EV.new);
        return this.finish(pkt, opts, nowMs, cache, e, st0, events);
      }
      const e = hit;
      // OVS keeps +rel on every packet of a connection an expectation made (its ctinfo
      // is RELATED, not NEW, until the reply).
      const rel = e.alg?.master ? CS.rel : 0;
      const st = CS.trk | rel | (dir === 1 ? CS.est | CS.rpl : e.status.seenReply ? CS.est : rel ? 0 : CS.new);
      // A connection whose FTP lines were rewritten: acks are compared in the receiver's own numbers.
      const kadj = e.alg?.kadj;
      const verdict = this.update(e, dir, kadj ? withTcp(pkt, kernelTrackedTcp(kadj, dir, pkt.tcp!)) : pkt, nowMs);
      if (verdict === 'invalid') return this.invalid(opts.zone, cache, events);
      if (verdict === 'reopen') {
        this.destroy(e, nowMs, events);
        hit = undefined;
        dir = 0;
        continue;
      }
      track(cache, opts.zone, st, e, dir);
      if (verdict === 'kill') {
        // Destroyed inside the protocol handler, before SEEN_REPLY could be set.
        this.destroy(e, nowMs, events);
        cache.entry = undefined;
        return resultFor(opts.zone, st, e, events);
      }
      if (dir === 1 && !e.status.seenReply) {
        e.status.seenReply = true;
        this.note(e, EV.reply);
      }
      // The helper reads each packet of a committed connection on its first pass.
      const helped = e.alg?.helper !== undefined;
      if (helped && this.alg.run(e, dir, pkt, st, nowMs) === 'drop') return this.dropped(opts.zone, cache, events, 'helper');
      const tcpOut = helped ? this.alg.tcpOut : undefined;
      const r = this.finish(pkt, opts, nowMs, cache, e, st, events);
      return tcpOut ? withTcpRewrite(r, cache, pkt, tcpOut) : r;
    }
    return this.invalid(opts.zone, cache, events);
  }

  /** The ct() fails in OVS's kernel datapath, which drops the packet there (CtResult.dpDrop). */
  private dropped(zone: number, cache: CtPacketCache, events: string[], cause: CtDropCause): CtResult {
    const r = this.invalid(zone, cache, events);
    r.dpDrop = cause;
    return r;
  }

  /** +trk+inv: the packet is tracked in this zone, with no entry. */
  private invalid(zone: number, cache: CtPacketCache, events: string[]): CtResult {
    cache.tracked = true;
    cache.zone = zone;
    cache.ctState = CS.trk | CS.inv;
    cache.entry = undefined;
    return resultFor(zone, CS.trk | CS.inv, undefined, events);
  }

  /** A later ct() on a packet already tracked in this zone: reuse, maybe commit. */
  reuse(pkt: CtPacket, opts: CtOptions, nowMs: number, cache: CtPacketCache, events: string[]): CtResult {
    if (!cache.entry) return resultFor(opts.zone, cache.ctState, undefined, events);
    return this.finish(pkt, opts, nowMs, cache, cache.entry, cache.ctState, events);
  }

  private finish(
    pkt: CtPacket,
    opts: CtOptions,
    nowMs: number,
    cache: CtPacketCache,
    e: CtEntry,
    st: number,
    events: string[],
  ): CtResult {
    let nat: NatOutcome | undefined;
    // OVS's kernel module NATs a packet once per zone, and only on a committed connection
    // or with commit: a lookup's bare `nat` on a new connection leaves the binding to the
    // ct(commit,nat(...)) that follows (the OVN/recorded-table pattern).
    if (opts.nat && !cache.natted && (e.confirmed || opts.commit)) {
      nat = applyNat(this.table, e, cache.dir, pkt, opts.nat, opts.commit, nowMs, (st & CS.rel) !== 0, 'kernel');
      // No free tuple in the range: the commit fails, nothing is committed.
      if (nat.exhausted) return this.dropped(opts.zone, cache, events, 'nat-no-tuple');
      cache.natted = nat.stateBits !== 0;
      cache.natPkt = nat.packet;
      if (e.alg?.parent && !e.alg.natExpected && e.nat.kind !== 'none') {
        refuseNat('a connection a non-NATed master expected');
      }
    }
    if (opts.commit) {
      const ch = applyMarkLabel(e, opts.setMark, opts.setLabel);
      if (!e.confirmed) {
        // Another entry already owns the reply tuple: nf_conntrack_confirm refuses this one.
        if (this.table.taken(e.zone, e.l3, e.proto, e.reply, nowMs)) return this.dropped(opts.zone, cache, events, 'reply-clash');
        // ct(commit,alg=…) attaches its helper, which reads this first committed packet.
        if ((opts.helper !== undefined || e.alg !== undefined) && this.alg.commit(e, opts.helper, pkt, st, nowMs) === 'drop') {
          return this.dropped(opts.zone, cache, events, 'helper');
        }
        this.table.insert(e);
        this.expiry.set(e);
        if (e.alg?.pending) this.alg.confirmed(e);
      } else {
        if (ch.mark) this.note(e, EV.mark);
        if (ch.label) this.note(e, EV.label);
      }
    }
    this.deliver(e, nowMs, events);
    const r = resultFor(opts.zone, st | (nat?.stateBits ?? 0), e, events);
    if (cache.natPkt) r.natted = cache.natPkt;
    cache.ctState = r.ctState;
    return r;
  }

  private create(pkt: CtPacket, zone: number, tuple: CtEntry['orig'], nowMs: number): CtEntry | undefined {
    const T = this.cfg.timeouts;
    if (pkt.proto === IPPROTO.tcp) {
      const s = kernelTcpNew(pkt.tcp!, this.cfg);
      if (!s) return undefined;
      const e = freshEntry(zone, pkt, tuple, nowMs, { kind: 'tcp-kernel', s });
      if (!e) return undefined;
      return this.update(e, 0, pkt, nowMs) === 'accept' ? e : undefined;
    }
    if (isIcmp(pkt.l3, pkt.proto)) {
      if (!kernelIcmpNew(pkt)) return undefined;
      const e = freshEntry(zone, pkt, tuple, nowMs, { kind: 'plain' });
      if (e) this.refresh(e, pkt.l3 === 'ipv4' ? T.icmp : T.icmpv6, nowMs);
      return e;
    }
    if (pkt.proto === IPPROTO.sctp) {
      const s = kernelSctpNew(pkt.sctp);
      const e = s && freshEntry(zone, pkt, tuple, nowMs, { kind: 'sctp-kernel', s });
      return e && this.update(e, 0, pkt, nowMs) === 'accept' ? e : undefined;
    }
    if (pkt.proto === IPPROTO_GRE) {
      const e = freshEntry(zone, pkt, tuple, nowMs, { kind: 'plain' });
      if (e) this.refresh(e, T.gre, nowMs);
      return e;
    }
    if (pkt.proto === IPPROTO.udp || pkt.proto === IPPROTO.udplite) {
      const e = freshEntry(zone, pkt, tuple, nowMs, { kind: 'udp-kernel', streamTsMs: nowMs + 2000 });
      if (e) this.refresh(e, T.udp, nowMs);
      return e;
    }
    const e = freshEntry(zone, pkt, tuple, nowMs, { kind: 'plain' });
    if (e) this.refresh(e, T.generic, nowMs);
    return e;
  }

  /** Runs the protocol's packet handler on an entry. */
  private update(e: CtEntry, dir: 0 | 1, pkt: CtPacket, nowMs: number): 'accept' | 'invalid' | 'kill' | 'reopen' {
    const p = e.proto_;
    const T = this.cfg.timeouts;
    if (p.kind === 'tcp-kernel') {
      const o = kernelTcpPacket(p.s, dir, pkt.tcp!, this.cfg, {
        seenReply: e.status.seenReply,
        assured: e.status.assured,
        remainingMs: e.expiresMs - nowMs,
      });
      if (o.timeoutSec !== undefined) this.refresh(e, o.timeoutSec, nowMs);
      if (o.verdict !== 'accept') return o.verdict;
      if (o.stateChanged) this.note(e, EV.protoinfo);
      if (o.setAssured) {
        e.status.assured = true;
        this.note(e, EV.assured);
      }
      return 'accept';
    }
    if (p.kind === 'udp-kernel') {
      const o = kernelUdpPacket(e, p.streamTsMs, nowMs, T);
      this.refresh(e, o.timeoutSec, nowMs);
      if (o.setAssured) {
        e.status.assured = true;
        this.note(e, EV.assured);
      }
      return 'accept';
    }
    if (p.kind === 'sctp-kernel') {
      const o = kernelSctpPacket(p.s, dir, pkt.sctp, e.confirmed, e.status.assured, T);
      if (o.verdict !== 'accept') return o.verdict;
      if (o.timeoutSec !== undefined) this.refresh(e, o.timeoutSec, nowMs);
      if (o.stateChanged) this.note(e, EV.protoinfo);
      if (o.setAssured) {
        e.status.assured = true;
        this.note(e, EV.assured);
      }
      return 'accept';
    }
    if (e.proto === IPPROTO_GRE) {
      const o = kernelGrePacket(e, T);
      this.refresh(e, o.timeoutSec, nowMs);
      if (o.setAssured) {
        e.status.assured = true;
        this.note(e, EV.assured);
      }
      return 'accept';
    }
    if (isIcmp(e.l3, e.proto)) {
      this.refresh(e, kernelIcmpPacket(e, T), nowMs);
      return 'accept';
    }
    this.refresh(e, T.generic, nowMs);
    return 'accept';
  }
}
