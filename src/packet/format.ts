// A packet printed the way ofproto/trace prints a flow (`Flow:` / `Final flow:` lines):
// every header field the packet has, exact; metadata (registers, metadata, ct fields,
// in_port...) only when not zero. Reuses the match printer for OVS's field order.
import { formatMatch } from '../model/print-match.js';
import type { Match } from '../model/match.js';
import { ETH_IP, ETH_IPV6, VLAN_CFI, VLAN_TCI1, type Packet } from './packet.js';

const FULL = (bits: number) => (1n << BigInt(bits)) - 1n;

/** Context fields printed before the protocol (OVS prints `eth` after them in a recirculated flow). */
const LEADING: Array<[string, number]> = [
  ['pkt_mark', 32], ['recirc_id', 32], ['dp_hash', 32], ['skb_priority', 32], ['ct_state', 8],
  ['ct_zone', 16], ['ct_mark', 32], ['ct_label', 128],
];
const CT_TUPLE4: Array<[string, number]> = [['ct_nw_src', 32], ['ct_nw_dst', 32]];
const CT_TUPLE6: Array<[string, number]> = [['ct_ipv6_src', 128], ['ct_ipv6_dst', 128]];
const CT_L4: Array<[string, number]> = [['ct_nw_proto', 8], ['ct_tp_src', 16], ['ct_tp_dst', 16]];
const NONZERO: Array<[string, number]> = [
  ...Array.from({ length: 16 }, (_, i): [string, number] => [`reg${i}`, 32]),
  ['tun_id', 64], ['tun_src', 32], ['tun_dst', 32], ['metadata', 64], ['in_port', 16],
];

function put(m: Match, p: Packet, slot: string, bits: number, ifNonZero: boolean): void {
  const v = p.slots.get(slot) ?? 0n;
  if (ifNonZero && v === 0n) return;
  m.values.set(slot, v);
  m.masks.set(slot, FULL(bits));
}

export function formatPacketFlow(p: Packet, portNames?: Map<number, string>): string {
  const lead: Match = { values: new Map(), masks: new Map() };
  for (const [s, b] of LEADING) put(lead, p, s, b, true);
  if ((p.slots.get('ct_nw_proto') ?? 0n) !== 0n) {
    for (const [s, b] of p.slots.get('dl_type') === ETH_IPV6 ? CT_TUPLE6 : CT_TUPLE4) put(lead, p, s, b, false);
    for (const [s, b] of CT_L4) put(lead, p, s, b, false);
  }
  const rest: Match = { values: new Map(), masks: new Map() };
  for (const [s, b] of NONZERO) put(rest, p, s, b, true);
  put(rest, p, 'vlan_tci', 16, false);
  put(rest, p, 'dl_src', 48, false);
  put(rest, p, 'dl_dst', 48, false);
  put(rest, p, 'dl_type', 16, false);
  const type = p.slots.get('dl_type') ?? 0n;
  const proto = Number(p.slots.get('nw_proto') ?? 0n);
  if (type === ETH_IP || type === ETH_IPV6) {
    if (type === ETH_IP) { put(rest, p, 'nw_src', 32, false); put(rest, p, 'nw_dst', 32, false); } else {
      put(rest, p, 'ipv6_src', 128, false); put(rest, p, 'ipv6_dst', 128, false); put(rest, p, 'ipv6_label', 20, false);
    }
    put(rest, p, 'nw_proto', 8, false);
    put(rest, p, 'nw_tos', 8, false);
    put(rest, p, 'nw_ttl', 8, false);
    put(rest, p, 'nw_frag', 2, false);
    const later = ((p.slots.get('nw_frag') ?? 0n) & 2n) !== 0n;
    if (!later && [1, 6, 17, 58, 132].includes(proto)) {
      put(rest, p, 'tp_src', 16, false);
      put(rest, p, 'tp_dst', 16, false);
      if (proto === 6) put(rest, p, 'tcp_flags', 12, false);
      const icmp6Type = proto === 58 ? Number(p.slots.get('tp_src') ?? 0n) : 0;
      if (icmp6Type === 135 || icmp6Type === 136) {
        put(rest, p, 'nd_target', 128, false);
        put(rest, p, 'arp_sha', 48, false);
        put(rest, p, 'arp_tha', 48, false);
      }
    }
  } else if (type === 0x0806n || type === 0x8035n) {
    put(rest, p, 'nw_src', 32, false); put(rest, p, 'nw_dst', 32, false); put(rest, p, 'nw_proto', 8, false);
    put(rest, p, 'arp_sha', 48, false); put(rest, p, 'arp_tha', 48, false);
  }
  const parts: string[] = [];
  const a = formatMatch(lead, 32768, { portNames });
  if (a) parts.push(a);
  if ((p.slots.get('recirc_id') ?? 0n) !== 0n) parts.push('eth');
  const items = formatMatch(rest, 32768, { portNames }).split(',');
  insertInnerVlan(items, p);
  parts.push(...items);
  return parts.join(',');
}

/** OVS shows VLAN headers up to and including the first absent one (`vlan_tci1=0x0000`). */
function insertInnerVlan(items: string[], p: Packet): void {
  const outer = p.slots.get('vlan_tci') ?? 0n;
  if (!(outer & VLAN_CFI)) return;
  const inner = p.slots.get(VLAN_TCI1) ?? 0n;
  let at = -1;
  items.forEach((s, i) => { if (/^(dl_vlan|dl_vlan_pcp|vlan_tci)=/.test(s)) at = i; });
  const text = inner & VLAN_CFI
    ? [`dl_vlan1=${inner & 0xfffn}`, `dl_vlan_pcp1=${inner >> 13n}`]
    : [`vlan_tci1=0x${inner.toString(16).padStart(4, '0')}`];
  items.splice(at + 1, 0, ...text);
}
