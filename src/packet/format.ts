// A packet printed the way ofproto/trace prints a flow (`Flow:` / `Final flow:` lines):
// every header field the packet has, exact; metadata (registers, metadata, ct fields,
// in_port...) only when not zero. Reuses the match printer for OVS's field order.
import { formatMatch } from '../model/print-match.js';
import { formatIpv4, formatIpv6 } from '../model/values.js';
import type { Match } from '../model/match.js';
import { ETH_IP, ETH_IPV6, VLAN_CFI, VLAN_TCI1, type Packet } from './packet.js';
import { wordOf, type SlotStore } from './slots.js';

const FULL = (bits: number) => (1n << BigInt(bits)) - 1n;

/** Context fields printed before the protocol (OVS prints `eth` after them in a recirculated flow). */
const LEADING: Array<[string, number]> = [
  ['pkt_mark', 32], ['recirc_id', 32], ['dp_hash', 32], ['skb_priority', 32], ['ct_state', 8],
  ['ct_zone', 16], ['ct_mark', 32], ['ct_label', 128],
];
const NSH: Array<[string, number]> = [
  ['nsh_flags', 8], ['nsh_ttl', 8], ['nsh_mdtype', 8], ['nsh_np', 8], ['nsh_spi', 24], ['nsh_si', 8],
  ['nsh_c1', 32], ['nsh_c2', 32], ['nsh_c3', 32], ['nsh_c4', 32],
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

/** With a tunnel destination, OVS prints every tunnel field (tun_id only with the key flag, never set offline). */
function tunnelText(p: Packet): string[] | null {
  const g = (k: string) => p.slots.get(k) ?? 0n;
  if (!g('tun_dst') && !g('tun_ipv6_dst')) return null;
  const v4 = (k: string) => formatIpv4(g(k)), v6 = (k: string) => formatIpv6(g(k));
  return [`tun_src=${v4('tun_src')}`, `tun_dst=${v4('tun_dst')}`, `tun_ipv6_src=${v6('tun_ipv6_src')}`, `tun_ipv6_dst=${v6('tun_ipv6_dst')}`,
    `tun_gbp_id=${g('tun_gbp_id')}`, `tun_gbp_flags=${g('tun_gbp_flags')}`, `tun_tos=${g('tun_tos')}`, `tun_ttl=${g('tun_ttl')}`,
    `tun_erspan_ver=${g('tun_erspan_ver')}`, `gtpu_flags=${g('tun_gtpu_flags')}`, `gtpu_msgtype=${g('tun_gtpu_msgtype')}`,
    `tun_flags=${g('tun_flags') ? '0x' + g('tun_flags').toString(16) : '0'}`];
}

/**
 * The outer label stack entry, then, when it is not bottom of stack, the entries under it
 * down to the first with the bit, at most the two more a flow holds, each as one number
 * (as ofproto/trace prints them). A packet given in flow syntax has only the outer one
 * (OVS's syntax has no field for the others, they are 0); push_mpls on an MPLS packet
 * fills them. A zero entry has no bit, so with the outer one not bottom of stack both
 * print (recorded: test/oracle/trace-mpls-prereq/).
 */
function mplsText(p: Packet): string[] {
  const lse = p.slots.get('mpls_lse0') ?? 0n;
  const text = [`mpls_label=${lse >> 12n}`, `mpls_tc=${(lse >> 9n) & 7n}`, `mpls_ttl=${lse & 0xffn}`, `mpls_bos=${(lse >> 8n) & 1n}`];
  const under = [p.slots.get('mpls_lse1'), p.slots.get('mpls_lse2')];
  for (let i = 0, above = lse; i < under.length && !(above & 0x100n); above = under[i++]) text.push(`mpls_lse${i + 1}=${under[i]}`);
  return text;
}

// A trace prints the packet at the start and end of every pass, and the packets of a
// conversation or a benchmark repeat the same headers: the text is remembered per packet
// value (all its words) in a small direct-mapped cache, one per port-name table.
const CACHE_SIZE = 64;
interface Cached { slots: SlotStore; text: string }
const CACHES = new WeakMap<object, Array<Cached | undefined>>();
const NO_NAMES = {};

function wordsHash(w: readonly number[]): number {
  let h = 0;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ (w[i] | 0), 0x9e3779b1) ^ (h >>> 15);
  return (h >>> 0) % CACHE_SIZE;
}

export function formatPacketFlow(p: Packet, portNames?: Map<number, string>): string {
  const key = portNames ?? NO_NAMES;
  let cache = CACHES.get(key);
  if (!cache) { cache = new Array<Cached | undefined>(CACHE_SIZE); CACHES.set(key, cache); }
  const i = wordsHash(p.slots.w);
  const hit = cache[i];
  // frameLen and packet-only data are not printed: the slots alone decide the text.
  if (hit && hit.slots.equals(p.slots)) return hit.text;
  const text = withPort(p, portNames, key);
  cache[i] = { slots: p.slots.clone(), text };
  return text;
}

// Packets of different connections often differ only in the source port: per packet
// value without tp_src, the text is kept as the pieces around `tp_src=N`, so a new
// source port costs a concatenation. Only TCP/UDP/SCTP (tp_src printed as a plain
// decimal `tp_src=N`), and only when that item occurs once in the text.
const TP_SRC = wordOf('tp_src'), NW_PROTO = wordOf('nw_proto'), DL_TYPE = wordOf('dl_type');
interface Shape { slots: SlotStore; before: string; after: string }
const SHAPES = new WeakMap<object, Array<Shape | null | undefined>>();

function withPort(p: Packet, portNames: Map<number, string> | undefined, key: object): string {
  const w = p.slots.w;
  const proto = w[NW_PROTO], type = w[DL_TYPE];
  if ((proto !== 6 && proto !== 17 && proto !== 132) || (type !== Number(ETH_IP) && type !== Number(ETH_IPV6))) return render(p, portNames);
  let shapes = SHAPES.get(key);
  if (!shapes) { shapes = new Array<Shape | undefined>(CACHE_SIZE); SHAPES.set(key, shapes); }
  const port = w[TP_SRC];
  w[TP_SRC] = 0;
  const i = wordsHash(w);
  const hit = shapes[i];
  const same = hit && hit.slots.equals(p.slots);
  const shape = same ? hit : null;
  const bare = same ? null : p.slots.clone();
  w[TP_SRC] = port;
  if (shape) return shape.before + (port >>> 0) + shape.after;
  const text = render(p, portNames);
  const item = `,tp_src=${port >>> 0}`;
  const at = text.indexOf(item + ',');
  if (at >= 0 && text.indexOf(',tp_src=') === at && text.lastIndexOf(',tp_src=') === at) {
    shapes[i] = { slots: bare!, before: text.slice(0, at + 8), after: text.slice(at + item.length) };
  }
  return text;
}

function render(p: Packet, portNames?: Map<number, string>): string {
  const lead: Match = { values: new Map(), masks: new Map() };
  for (const [s, b] of LEADING) put(lead, p, s, b, true);
  if ((p.slots.get('ct_nw_proto') ?? 0n) !== 0n) {
    for (const [s, b] of p.slots.get('dl_type') === ETH_IPV6 ? CT_TUPLE6 : CT_TUPLE4) put(lead, p, s, b, false);
    for (const [s, b] of CT_L4) put(lead, p, s, b, false);
  }
  const rest: Match = { values: new Map(), masks: new Map() };
  const tunnel = tunnelText(p);
  for (const [s, b] of NONZERO) if (!tunnel || !s.startsWith('tun_')) put(rest, p, s, b, true);
  const pt = p.slots.get('packet_type') ?? 0n;
  if (!pt) {
    put(rest, p, 'vlan_tci', 16, false);
    put(rest, p, 'dl_src', 48, false);
    put(rest, p, 'dl_dst', 48, false);
    put(rest, p, 'dl_type', 16, false);
  }
  // An L3 packet's headers are those its packet_type names: after push_mpls on an NSH
  // packet (dl_type MPLS, packet_type still NSH) OVS prints neither (recorded).
  const dlType = p.slots.get('dl_type') ?? 0n;
  const type = pt && (pt & 0xffffn) !== dlType ? 0n : dlType;
  // NSH's fields print only after their dl_type; dropped again below where packet_type says it.
  if (pt && type === 0x894fn) put(rest, p, 'dl_type', 16, false);
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
  } else if (type === 0x894fn) {
    // NSH: its base and MD type 1 context headers, then the (zero) IP fields OVS also prints.
    for (const [s, b] of NSH) put(rest, p, s, b, false);
    for (const [s, b] of [['nw_proto', 8], ['nw_tos', 8], ['nw_ttl', 8], ['nw_frag', 2]] as const) put(rest, p, s, b, false);
  }
  const parts: string[] = [];
  const a = formatMatch(lead, 32768, { portNames });
  if (a) parts.push(a);
  if ((p.slots.get('recirc_id') ?? 0n) !== 0n) parts.push('eth');
  const items = formatMatch(rest, 32768, { portNames }).split(',');
  const nshType = pt && type === 0x894fn ? items.indexOf('dl_type=0x894f') : -1;
  if (nshType >= 0) items.splice(nshType, 1);
  if (!pt) insertInnerVlan(items, p);
  if (tunnel) items.splice(items[0] && !items[0].includes('=') ? 1 : 0, 0, ...tunnel);
  // An L3 packet (after decap): its packet_type, then the L3 fields, nw_proto spelled out.
  if (pt) {
    items.unshift(`packet_type=(${pt >> 16n},0x${(pt & 0xffffn).toString(16)})`);
    // Without dl_type in the printed match the printer cannot place tcp_flags (a TCP
    // prerequisite); take it from a match that has the prerequisites.
    if (proto === 6 && (type === ETH_IP || type === ETH_IPV6)) {
      const m: Match = { values: new Map(), masks: new Map() };
      for (const [s, b] of [['dl_type', 16], ['nw_proto', 8], ['tcp_flags', 12]] as const) put(m, p, s, b, false);
      items.push(formatMatch(m, 32768, {}).split(',').pop()!);
    }
  }
  if (type === 0x8847n || type === 0x8848n) items.push(...mplsText(p));
  parts.push(...items);
  return parts.join(',');
}

/** OVS shows VLAN headers up to and including the first all-zero one (`vlan_tci1=0x0000`):
 *  a TCI left non-zero without the tag bit (a move into vlan_tci) still counts as one. */
function insertInnerVlan(items: string[], p: Packet): void {
  const outer = p.slots.get('vlan_tci') ?? 0n;
  if (outer === 0n) return;
  const inner = p.slots.get(VLAN_TCI1) ?? 0n;
  let at = -1;
  items.forEach((s, i) => { if (/^(dl_vlan|dl_vlan_pcp|vlan_tci)=/.test(s)) at = i; });
  const text = inner & VLAN_CFI
    ? [`dl_vlan1=${inner & 0xfffn}`, `dl_vlan_pcp1=${inner >> 13n}`]
    : [`vlan_tci1=0x${inner.toString(16).padStart(4, '0')}`];
  items.splice(at + 1, 0, ...text);
}
