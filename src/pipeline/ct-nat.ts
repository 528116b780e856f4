// What a ct(nat(...)) without table= does to the packet. OVS translates the whole action
// list before the datapath runs any of it, so the translation never learns the NAT result:
// later tables still match the untranslated addresses and ofproto/trace's final flow shows
// them. The datapath, though, executes ct(nat) on the packet itself, so every frame sent
// after it, and any later ct() or recirculation, sees the translated packet (recorded on
// real OVS 3.1: a flow after ct(commit,nat(src=192.168.0.100)) matched nw_src=10.0.0.1,
// and the frame left with nw_src=192.168.0.100). ctflow keeps that difference per pass:
// the slots the translation reads stay as they were, and this overlay says what the
// datapath's packet has instead.
import { clonePacket, type Packet, type PacketExtra } from '../packet/packet.js';
import type { CtResult, NatSpec } from '../conntrack/index.js';
import { formatIpv4, formatIpv6 } from '../model/values.js';
import type { Xlate } from './xlate.js';

interface DpNat {
  /** slot, the datapath's value, and the translation's committed value when it was set. */
  slots: Array<[string, bigint, bigint]>;
  /** The packet's extra fields after NAT (an ICMP error's quoted packet translated back). */
  extra?: PacketExtra;
}

const DP_NAT = new WeakMap<Xlate, DpNat>();

export const hasDpNat = (x: Xlate): boolean => DP_NAT.has(x);
export const getDpNat = (x: Xlate): DpNat | undefined => DP_NAT.get(x);

export function setDpNat(x: Xlate, d: DpNat | undefined): void {
  if (d) DP_NAT.set(x, d); else DP_NAT.delete(x);
}

type Natted = NonNullable<CtResult['natted']>;

/** The slots a NAT result sets. */
export function natChanges(n: Natted, v6: boolean): Array<[string, bigint]> {
  const out: Array<[string, bigint]> = [[v6 ? 'ipv6_src' : 'nw_src', n.src], [v6 ? 'ipv6_dst' : 'nw_dst', n.dst]];
  if (n.sport !== undefined) out.push(['tp_src', BigInt(n.sport)]);
  if (n.dport !== undefined) out.push(['tp_dst', BigInt(n.dport)]);
  return out;
}

/** The packet's extra fields with the quoted packet's addresses/ports as NAT left them. */
export function quotedNat(extra: PacketExtra, inner: NonNullable<Natted['inner']>): PacketExtra {
  if (!extra.inner) return extra;
  return { ...extra, inner: { ...extra.inner, src: inner.src, dst: inner.dst, sport: inner.sport, dport: inner.dport } };
}

/**
 * A ct(nat)'s translation: with table=, the recirculated packet (`next`) carries it; without,
 * only the datapath's packet does (the translation goes on untranslated).
 */
export function applyNatResult(x: Xlate, next: Packet, n: Natted, v6: boolean, recirculates: boolean): void {
  const changes = natChanges(n, v6);
  if (recirculates) {
    for (const [slot, v] of changes) next.slots.set(slot, v);
    if (n.inner) next.extra = quotedNat(next.extra, n.inner);
    if (n.tcp) next.extra = tcpRewritten(next.extra, n.tcp);
  } else {
    const extra = n.inner && quotedNat(next.extra, n.inner);
    translateInDatapath(x, changes, n.tcp ? tcpRewritten(extra ?? next.extra, n.tcp) : extra);
  }
}

/** The packet's extra fields after an FTP helper on a NATed connection rewrote the segment (seq/ack, payload). */
export function tcpRewritten(extra: PacketExtra, t: NonNullable<Natted['tcp']>): PacketExtra {
  const out: PacketExtra = { ...extra, seq: t.seq, ack: t.ack };
  if (t.payload) {
    out.payload = t.payload;
    out.len = t.payload.length;
  }
  return out;
}

/** The ct() datapath action's `nat(...)` argument. */
export function natText(n: NatSpec, v6: boolean): string {
  if (!n.kind) return 'nat';
  const a = (v: bigint) => (v6 ? formatIpv6(v) : formatIpv4(v));
  let s = `nat(${n.kind}`;
  if (n.addrMin !== undefined) {
    s += '=' + a(n.addrMin) + (n.addrMax !== undefined && n.addrMax !== n.addrMin ? '-' + a(n.addrMax) : '');
    if (n.portMin !== undefined) s += `:${n.portMin}` + (n.portMax !== undefined && n.portMax !== n.portMin ? `-${n.portMax}` : '');
  }
  for (const f of ['persistent', 'hash', 'random'] as const) if (n[f]) s += ',' + f;
  return s + ')';
}

/** Records a table-less ct(nat)'s result as the datapath's packet (the translation goes on unchanged). */
export function translateInDatapath(x: Xlate, changes: Array<[string, bigint]>, extra: PacketExtra | undefined): void {
  const prev = DP_NAT.get(x);
  const slots = (prev?.slots ?? []).filter(([s]) => !changes.some(([c]) => c === s));
  for (const [slot, v] of changes) slots.push([slot, v, x.base.get(slot)]);
  DP_NAT.set(x, { slots, extra: extra ?? prev?.extra });
  if (x.run.trace) {
    const addr = (s: string, v: bigint) => (s.startsWith('tp_') ? String(v) : s.startsWith('ipv6') ? formatIpv6(v) : formatIpv4(v));
    const text = changes.filter(([s, v]) => v !== x.base.get(s)).map(([s, v]) => `${s}=${addr(s, v)}`).join(',') || 'no field changes';
    x.note(`the datapath translates the packet here (${text}): frames sent from now on carry it, `
      + 'while the rest of this translation still sees the untranslated packet, as in OVS');
  }
}

/**
 * The packet as the datapath has it now: the translation's committed packet, with what a
 * table-less ct(nat) changed, unless a set() committed since has overwritten that field.
 */
export function sentFrame(x: Xlate): Packet {
  const p = clonePacket(x.pkt);
  const d = DP_NAT.get(x);
  if (!d) return p;
  for (const [slot, v, committed] of d.slots) if (x.base.get(slot) === committed) p.slots.set(slot, v);
  if (d.extra) p.extra = d.extra;
  return p;
}

