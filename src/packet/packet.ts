// The packet model: a packet is the set of slots OVS keeps in its `struct flow` (the same
// slots FIELDS describes, so matching and set_field read and write them directly), plus
// what only the packet carries (TCP seq/ack/window, payload length, ICMP echo id...).
//
// Parsed from OVS flow syntax (`tcp,in_port=1,nw_src=…,tp_dst=22,tcp_flags=syn`) with the
// flow grammar and the FIELDS table; every field not given is 0, as in ofproto/trace.
import { prereqMet } from '../model/actions/field-prereq.js';
import { parseFlowSyntax, SyntaxError_ } from '../../grammar/parse.js';
import { FlowError, fail } from '../model/errors.js';
import { fieldByName, fieldNames } from '../model/fields.js';
import { applyMatchItem, newMatch, PROTOCOLS, setProtocol, valueText } from '../model/match.js';
import { readSegs } from '../model/bits.js';
import { didYouMean } from '../util/suggest.js';
import { SlotStore, wordOf } from './slots.js';
import type { CtSctpFields } from '../conntrack/sctp-kernel.js';

/** Slots a packet has beyond FIELDS: the second VLAN header and the TPIDs of both. */
export const VLAN_TCI1 = 'vlan_tci1';
export const VLAN_TPID = 'vlan_tpid';
export const VLAN_TPID1 = 'vlan_tpid1';
export const VLAN_CFI = 0x1000n;

/** Packet-only data conntrack needs (what a frame has and a flow key has not). */
export interface PacketExtra {
  seq?: number; ack?: number; win?: number; len?: number; wscale?: number; mss?: number;
  sackPerm?: boolean; icmpId?: number; icmpSeq?: number;
  inner?: { proto: number; src: bigint; dst: bigint; sport: number; dport: number; seq?: number };
  /** TCP/UDP payload bytes (conversation `data="..."`), read by conntrack's ALG helpers. */
  payload?: Uint8Array;
  /** SCTP verification tag and chunks (conversation `vtag= chunks=[…] init_tag= tflag`). */
  sctp?: CtSctpFields;
  /** GRE version and PPTP call id (conversation `gre_version= gre_key=`). */
  gre?: { version: number; key: number };
}

export interface Packet {
  slots: SlotStore;
  extra: PacketExtra;
  /** Frame length in bytes (check_pkt_larger, controller max_len). */
  frameLen: number;
}

export const ETH_IP = 0x0800n;
export const ETH_IPV6 = 0x86ddn;

export function clonePacket(p: Packet): Packet {
  return { slots: p.slots.clone(), extra: p.extra, frameLen: p.frameLen };
}

const slot = (p: Packet, s: string): bigint => p.slots.get(s);
export const dlType = (p: Packet): bigint => slot(p, 'dl_type');
const DL_TYPE = wordOf('dl_type');
/** Read per ct() and resubmit(ct): the dl_type word, no bigint. */
export const isIp = (p: Packet): boolean => { const t = p.slots.w[DL_TYPE]; return t === 0x0800 || t === 0x86dd; };
export const nwProto = (p: Packet): number => (isIp(p) ? Number(slot(p, 'nw_proto')) : -1);

/** A default frame length OVS's trace would build for the headers (Ethernet+IP+L4, no payload). */
export function defaultFrameLen(p: Packet): number {
  let n = 14 + (p.slots.get('vlan_tci') & VLAN_CFI ? 4 : 0) + (slot(p, VLAN_TCI1) & VLAN_CFI ? 4 : 0);
  const t = dlType(p);
  if (t === ETH_IP) n += 20; else if (t === ETH_IPV6) n += 40; else if (t === 0x0806n) n += 28;
  const proto = nwProto(p);
  if (proto === 6) n += 20; else if (proto === 17 || proto === 1 || proto === 58) n += 8;
  return n + (p.extra.len ?? 0);
}

export class PacketError extends FlowError {}


/**
 * Parses a packet in OVS flow syntax. Masks are refused (a packet has exact values);
 * `ports` resolves port names in in_port.
 */
export function parsePacket(text: string, ports: Map<string, number> = new Map()): Packet {
  let syn;
  try { syn = parseFlowSyntax(text); } catch (e) {
    if (e instanceof SyntaxError_) throw new PacketError(e.message, e.span);
    throw e;
  }
  if (syn.actions !== null) throw new PacketError('a packet has no actions', syn.actionsSpan);
  const m = newMatch();
  for (const it of syn.match) {
    const k = it.key.text;
    if (!it.eq && !it.colon && !it.args && it.key.subscript === null) {
      const proto = PROTOCOLS.get(k);
      if (proto) {
        // As ofproto/trace: a packet's Ethernet type (and IP protocol) is given once.
        if (m.values.get('dl_type')) throw new PacketError('Ethernet type set multiple times', it.key.span);
        if (proto[1] !== null && m.values.get('nw_proto')) throw new PacketError('network protocol set multiple times', it.key.span);
        setProtocol(m, k);
        continue;
      }
      if (k === 'eth') continue;
    }
    const f = fieldByName(k);
    if (!f) throw new PacketError(`unknown field ${k}${didYouMean(k, fieldNames())}`, it.key.span);
    // ofproto/trace refuses a field given twice, telling it by a non-zero value (as OVS does:
    // `nw_ttl=0,nw_ttl=5` passes). The VLAN fields share vlan_tci's CFI bit (their `set`):
    // they are not checked.
    if (!f.set && readSegs(m.values, f.segs) !== 0n) throw new PacketError(`field ${k} set multiple times`, it.key.span);
    // Unlike a match, a packet may not carry a field its protocol lacks (OVS: "prerequisites
    // not met"), nor flags written as +flag/-flag (a packet has every bit set or clear).
    // tp_src/tp_dst stay accepted for UDP and SCTP too: recorded conversations write them so.
    const generic = (k === 'tp_src' || k === 'tp_dst') && ['udp', 'sctp'].some((p) => prereqMet(m, p as typeof f.prereq));
    if (!generic && !prereqMet(m, f.prereq)) throw new PacketError(`prerequisites not met for setting ${f.name}`, it.key.span);
    const text = it.eq ? valueText(it.eq) : '';
    if ((f.kind === 'ct_state' || f.kind === 'tcp_flags') && /^[+-]/.test(text)) {
      throw new PacketError(`bad value for ${f.name} (${text}: wildcards not allowed here)`, it.eq?.span ?? it.span);
    }
    try { applyMatchItem(m, f, it, { ports }); } catch (e) {
      if (e instanceof FlowError) throw new PacketError(e.message, e.span);
      throw e;
    }
    // A packet has exact values: `nw_src=10.0.0.0/8` is a match, not a packet.
    if (it.eq && valueText(it.eq).includes('/')) throw new PacketError(`a packet field cannot be masked: ${k}`, it.eq.span);
  }
  const slots = new SlotStore();
  for (const [s, v] of m.values) slots.set(s, v);
  const p: Packet = { slots, extra: {}, frameLen: 0 };
  p.frameLen = defaultFrameLen(p);
  return p;
}

/** Parses the packet-only part of a conversation line: `seq= ack= win= len= …`. */
export function parsePacketExtra(text: string): PacketExtra {
  const x: PacketExtra = {};
  const inner = /inner=\[([^\]]*)\]/.exec(text);
  const rest = inner ? text.replace(inner[0], ' ') : text;
  const num = (v: string, k: string) => {
    if (!/^\d+$/.test(v)) fail(`${k}: '${v}' is not a number`, null);
    return Number(v);
  };
  for (const kv of rest.split(/[\s,]+/).filter(Boolean)) {
    const [k, v = ''] = kv.split('=');
    switch (k) {
      case 'seq': x.seq = num(v, k); x.icmpSeq = x.seq; break;
      case 'ack': x.ack = num(v, k); break;
      case 'win': x.win = num(v, k); break;
      case 'len': x.len = num(v, k); break;
      case 'wscale': x.wscale = num(v, k); break;
      case 'mss': x.mss = num(v, k); break;
      case 'sackperm': x.sackPerm = true; break;
      case 'id': x.icmpId = num(v, k); break;
      default: fail(`unknown packet field '${k}'`, null);
    }
  }
  if (inner) x.inner = parseInner(inner[1]);
  return x;
}

function parseInner(text: string): NonNullable<PacketExtra['inner']> {
  const m = new Map<string, string>();
  for (const kv of text.split(/[\s,]+/).filter(Boolean)) {
    const i = kv.indexOf('=');
    m.set(kv.slice(0, i), kv.slice(i + 1));
  }
  const ip = (k: string): bigint => {
    const f = fieldByName(k)!;
    return applyValue(f.name, m.get(k) ?? '0.0.0.0');
  };
  return {
    proto: Number(m.get('proto') ?? 0),
    src: m.has('ipv6_src') ? ip('ipv6_src') : ip('nw_src'),
    dst: m.has('ipv6_dst') ? ip('ipv6_dst') : ip('nw_dst'),
    sport: Number(m.get('tp_src') ?? 0), dport: Number(m.get('tp_dst') ?? 0),
    seq: m.has('seq') ? Number(m.get('seq')) : undefined,
  };
}

function applyValue(field: string, text: string): bigint {
  const mm = newMatch();
  const f = fieldByName(field)!;
  const syn = parseFlowSyntax(`${field}=${text}`);
  applyMatchItem(mm, f, syn.match[0], {});
  return mm.values.get(f.segs[0].slot) ?? 0n;
}
