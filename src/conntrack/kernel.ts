// Packet processing of the "kernel" profile: nf_conntrack_in() as OVS's kernel datapath
// calls it. A packet with no entry gets an unconfirmed entry (the kernel attaches it to
// the skb); only ct(commit) confirms it into the table. Events are queued per entry and
// delivered as `conntrack -E` lines when the entry is (or becomes) confirmed.

import { kernelIcmpNew, kernelIcmpPacket } from './icmp.js';
import { applyNat, type NatOutcome } from './nat.js';
import { formatKernelEvent } from './print.js';
import type { KernelConfig } from './profiles.js';
import { CtTable, freshEntry, applyMarkLabel, resultFor, type CtPacketCache } from './table.js';
import { kernelTcpNew } from './tcp-kernel.js';
import { kernelTcpPacket } from './tcp-kernel-packet.js';
import { isIcmp, viewPacket } from './tuple.js';
import { CS, IPPROTO, type CtEntry, type CtOptions, type CtPacket, type CtResult } from './types.js';
import { kernelUdpPacket } from './udp.js';

type EventBit = 'new' | 'protoinfo' | 'reply' | 'assured' | 'mark' | 'label';

export class KernelTracker {
  private readonly pending = new WeakMap<CtEntry, Set<EventBit>>();

  constructor(
    readonly cfg: KernelConfig,
    readonly table: CtTable,
  ) {}

  private note(e: CtEntry, bit: EventBit): void {
    let s = this.pending.get(e);
    if (!s) this.pending.set(e, (s = new Set()));
    s.add(bit);
  }

  /** Delivers queued events of a confirmed entry as one line. */
  private deliver(e: CtEntry, nowMs: number, out: string[]): void {
    const s = this.pending.get(e);
    if (!s || s.size === 0 || !e.confirmed) return;
    const isNew = s.has('new');
    out.push(formatKernelEvent(isNew ? 'NEW' : 'UPDATE', e, nowMs, isNew || s.has('protoinfo'), s.has('mark')));
    s.clear();
  }

  private destroy(e: CtEntry, nowMs: number, out: string[]): void {
    if (this.table.has(e)) {
      this.table.remove(e);
      out.push(formatKernelEvent('DESTROY', e, nowMs, true, false));
    }
    this.pending.delete(e);
  }

  private refresh(e: CtEntry, sec: number, nowMs: number): void {
    e.expiresMs = nowMs + sec * 1000;
  }

  /** A packet's first pass through conntrack in this zone. */
  process(pkt: CtPacket, opts: CtOptions, nowMs: number, cache: CtPacketCache): CtResult {
    const events: string[] = [];
    const view = viewPacket(pkt, false);
    const inv = (): CtResult => {
      Object.assign(cache, { tracked: true, zone: opts.zone, ctState: CS.trk | CS.inv, entry: undefined });
      return resultFor(opts.zone, CS.trk | CS.inv, undefined, events);
    };
    if (view.kind === 'bad') return inv();
    if (view.kind === 'related') {
      // An ICMP error about a tracked flow is RELATED; it changes nothing in that flow.
      const hit = this.table.lookup(opts.zone, pkt.l3, view.innerProto, view.lookup, nowMs);
      if (!hit) return inv();
      const st = CS.trk | CS.rel | (hit.dir === 1 ? CS.rpl : 0);
      Object.assign(cache, { tracked: true, zone: opts.zone, ctState: st, entry: hit.entry, dir: hit.dir });
      return this.finish(pkt, opts, nowMs, cache, hit.entry, st, events);
    }
    let hit = this.table.lookup(opts.zone, pkt.l3, pkt.proto, view.tuple, nowMs);
    if (hit && opts.force && hit.dir === 1) {
      // ct(force): an entry started by the other side is replaced by a new one.
      this.destroy(hit.entry, nowMs, events);
      hit = undefined;
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!hit) {
        const e = this.create(pkt, opts.zone, view.tuple, nowMs);
        if (!e) return inv();
        Object.assign(cache, { tracked: true, zone: opts.zone, ctState: CS.trk | CS.new, entry: e, dir: 0 });
        this.note(e, 'new');
        return this.finish(pkt, opts, nowMs, cache, e, CS.trk | CS.new, events);
      }
      const e = hit.entry;
      const dir = hit.dir;
      const st = CS.trk | (dir === 1 ? CS.est | CS.rpl : e.status.seenReply ? CS.est : CS.new);
      const verdict = this.update(e, dir, pkt, nowMs);
      if (verdict === 'invalid') return inv();
      if (verdict === 'reopen') {
        this.destroy(e, nowMs, events);
        hit = undefined;
        continue;
      }
      Object.assign(cache, { tracked: true, zone: opts.zone, ctState: st, entry: e, dir });
      if (verdict === 'kill') {
        // Destroyed inside the protocol handler, before SEEN_REPLY could be set.
        this.destroy(e, nowMs, events);
        cache.entry = undefined;
        return resultFor(opts.zone, st, e, events);
      }
      if (dir === 1 && !e.status.seenReply) {
        e.status.seenReply = true;
        this.note(e, 'reply');
      }
      return this.finish(pkt, opts, nowMs, cache, e, st, events);
    }
    return inv();
  }

  /** A later ct() on a packet already tracked in this zone: reuse, maybe commit. */
  reuse(pkt: CtPacket, opts: CtOptions, nowMs: number, cache: CtPacketCache): CtResult {
    const events: string[] = [];
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
    if (opts.nat && !cache.natted) {
      nat = applyNat(this.table, e, cache.dir, pkt, opts.nat, opts.commit, nowMs, (st & CS.rel) !== 0);
      if (nat.exhausted) {
        // No free tuple in the range: the kernel drops the packet; nothing is committed.
        Object.assign(cache, { tracked: true, zone: opts.zone, ctState: CS.trk | CS.inv, entry: undefined });
        return resultFor(opts.zone, CS.trk | CS.inv, undefined, events);
      }
      cache.natted = true;
      cache.natPkt = nat.packet;
    }
    if (opts.commit) {
      const ch = applyMarkLabel(e, opts.setMark, opts.setLabel);
      if (!e.confirmed) {
        if (this.table.taken(e.zone, e.l3, e.proto, e.reply, nowMs)) {
          // Another entry already owns the reply tuple: the kernel drops such a packet.
          return resultFor(opts.zone, CS.trk | CS.inv, undefined, events);
        }
        this.table.insert(e);
      } else {
        if (ch.mark) this.note(e, 'mark');
        if (ch.label) this.note(e, 'label');
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
      if (o.stateChanged) this.note(e, 'protoinfo');
      if (o.setAssured) {
        e.status.assured = true;
        this.note(e, 'assured');
      }
      return 'accept';
    }
    if (p.kind === 'udp-kernel') {
      const o = kernelUdpPacket(e, p.streamTsMs, nowMs, T);
      this.refresh(e, o.timeoutSec, nowMs);
      if (o.setAssured) {
        e.status.assured = true;
        this.note(e, 'assured');
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
