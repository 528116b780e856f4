// A match printed the way ovs-ofctl prints it: OVS's fixed field order, protocol
// shorthands (`tcp`, `arp`, ...), and each field's number format.
import { ones, readSegs } from './bits.js';
import { FIELDS, mustField, SLOTS, type FieldSpec } from './fields.js';
import type { Match } from './match.js';
import {
  CT_STATE_FLAGS, TCP_FLAG_NAMES, formatFlags, formatFlagsMasked, formatIpv4, formatIpv6,
  formatMac, formatPort, prefixLen,
} from './values.js';

export interface PrintCtx { portNames?: Map<number, string>; of15?: boolean }

const slotOf = (m: Match, slot: string): [bigint, bigint] => [m.values.get(slot) ?? 0n, m.masks.get(slot) ?? 0n];
const valueOf = (m: Match, slot: string): bigint => m.values.get(slot) ?? 0n;
const maskOf = (m: Match, slot: string): bigint => m.masks.get(slot) ?? 0n;

const hexish = (v: bigint): string => (v === 0n ? '0' : '0x' + v.toString(16)); // C's %#x

function addr(v: bigint, mask: bigint, bits: number, fmt: (v: bigint) => string): string {
  if (mask === ones(bits)) return fmt(v);
  const p = prefixLen(mask, bits);
  return p >= 0 ? `${fmt(v)}/${p}` : `${fmt(v)}/${fmt(mask)}`;
}

/** `name=value` in the format of the field's kind and width, or null when wildcarded. */
function kv(name: string, f: FieldSpec, m: Match): string | null {
  // Most fields are absent from most matches: look at the slots before reading bits.
  const segs = f.segs;
  if (segs.length === 1) {
    if (!m.masks.has(segs[0].slot)) return null;
  } else {
    let present = false;
    for (const s of segs) if (m.masks.has(s.slot)) { present = true; break; }
    if (!present) return null;
  }
  // A field that is a whole slot (most are) is that slot's value: no bit shuffling.
  const whole = segs.length === 1 && segs[0].shift === 0 && segs[0].bits === (SLOTS.get(segs[0].slot) ?? -1);
  const value = whole ? (m.values.get(f.segs[0].slot) ?? 0n) & ones(f.bits) : readSegs(m.values, f.segs);
  const mask = whole ? (m.masks.get(f.segs[0].slot) ?? 0n) & ones(f.bits) : readSegs(m.masks, f.segs);
  if (mask === 0n) return null;
  const full = mask === ones(f.bits);
  switch (f.kind) {
    case 'ipv4': return `${name}=${addr(value, mask, 32, formatIpv4)}`;
    case 'ipv6': return `${name}=${addr(value, mask, 128, formatIpv6)}`;
    case 'mac': return `${name}=${full ? formatMac(value) : `${formatMac(value)}/${formatMac(mask)}`}`;
    default: break;
  }
  if (f.hex) {
    // OVS prints NSH's hex fields with a plain 0x (format_be32_masked_hex): nsh_c1=0x0.
    const h = f.name.startsWith('nsh_') ? (v: bigint) => '0x' + v.toString(16) : hexish;
    return `${name}=${h(value)}${full ? '' : '/' + h(mask)}`;
  }
  if (full) return `${name}=${value}`;
  // Masked decimal fields print as fixed-width hex in OVS (format_uint8/be16_masked).
  const w = f.bits <= 8 ? 2 : 0;
  return `${name}=0x${value.toString(16).padStart(w, '0')}/0x${mask.toString(16).padStart(w, '0')}`;
}

// Field lookups resolved once, not per printed flow.
const F_ARP_SHA = mustField('arp_sha');
const F_ARP_SPA = mustField('arp_spa');
const F_ARP_THA = mustField('arp_tha');
const F_ARP_TPA = mustField('arp_tpa');
const F_CONJ_ID = mustField('conj_id');
const F_CT_IPV6_DST = mustField('ct_ipv6_dst');
const F_CT_IPV6_SRC = mustField('ct_ipv6_src');
const F_CT_LABEL = mustField('ct_label');
const F_CT_MARK = mustField('ct_mark');
const F_CT_NW_DST = mustField('ct_nw_dst');
const F_CT_NW_PROTO = mustField('ct_nw_proto');
const F_CT_NW_SRC = mustField('ct_nw_src');
const F_CT_TP_DST = mustField('ct_tp_dst');
const F_CT_TP_SRC = mustField('ct_tp_src');
const F_CT_ZONE = mustField('ct_zone');
const F_DL_DST = mustField('dl_dst');
const F_DL_SRC = mustField('dl_src');
const F_DP_HASH = mustField('dp_hash');
const F_IPV6_DST = mustField('ipv6_dst');
const F_IPV6_SRC = mustField('ipv6_src');
const F_METADATA = mustField('metadata');
const F_ND_OPTIONS_TYPE = mustField('nd_options_type');
const F_ND_RESERVED = mustField('nd_reserved');
const F_ND_SLL = mustField('nd_sll');
const F_ND_TARGET = mustField('nd_target');
const F_ND_TLL = mustField('nd_tll');
const F_NW_DST = mustField('nw_dst');
const F_NW_SRC = mustField('nw_src');
const F_NW_TTL = mustField('nw_ttl');
const F_PKT_MARK = mustField('pkt_mark');
const F_RECIRC_ID = mustField('recirc_id');
const F_SKB_PRIORITY = mustField('skb_priority');
const F_TCP_DST = mustField('tcp_dst');
const F_TCP_SRC = mustField('tcp_src');
const F_TUN_DST = mustField('tun_dst');
const F_TUN_ID = mustField('tun_id');
const F_TUN_IPV6_DST = mustField('tun_ipv6_dst');
const F_TUN_IPV6_SRC = mustField('tun_ipv6_src');
const F_TUN_SRC = mustField('tun_src');
const F_REGS = Array.from({ length: 16 }, (_, i) => mustField(`reg${i}`));
const F_TUN_METADATA = Array.from({ length: 64 }, (_, i) => mustField(`tun_metadata${i}`));
const F_NSH = new Map(['nsh_flags', 'nsh_ttl', 'nsh_mdtype', 'nsh_np', 'nsh_spi', 'nsh_si', 'nsh_c1', 'nsh_c2', 'nsh_c3', 'nsh_c4']
  .map((n) => [n, mustField(n)]));
const REG_NAMES = F_REGS.map((_, i) => `reg${i}`);
const TUN_METADATA_NAMES = F_TUN_METADATA.map((_, i) => `tun_metadata${i}`);
// Slots of every tunnel field: a match without any (most) skips the ~75 tunnel lookups.
const TUNNEL_SLOTS = new Set([
  ...FIELDS.filter((f) => f.name.startsWith('tun_')).flatMap((f) => f.segs.map((g) => g.slot)),
  'tun_gbp_id', 'tun_gbp_flags', 'tun_tos', 'tun_ttl', 'tun_erspan_ver', 'tun_erspan_idx', 'tun_erspan_dir',
  'tun_erspan_hwid', 'tun_gtpu_flags', 'tun_gtpu_msgtype', 'tun_flags',
]);

function hasTunnel(m: Match): boolean {
  for (const slot of m.masks.keys()) if (TUNNEL_SLOTS.has(slot)) return true;
  return false;
}

const F_RECIRC_ID_HEX = { ...F_RECIRC_ID, hex: true };
const F_CT_ZONE_DEC = { ...F_CT_ZONE, hex: false };

export function formatMatch(m: Match, priority: number, ctx: PrintCtx = {}): string {
  const out: string[] = [];
  const put = (s: string | null) => { if (s !== null) out.push(s); };
  if (priority !== 32768) out.push(`priority=${priority}`);
  put(kv('pkt_mark', F_PKT_MARK, m));
  put(kv('recirc_id', F_RECIRC_ID_HEX, m));
  put(kv('dp_hash', F_DP_HASH, m));
  put(kv('conj_id', F_CONJ_ID, m));
  put(kv('skb_priority', F_SKB_PRIORITY, m));
  const aso = valueOf(m, 'actset_output'), asoMask = maskOf(m, 'actset_output');
  if (asoMask) out.push(`actset_output=${formatPort(aso, ctx.portNames)}`);
  const cs = valueOf(m, 'ct_state'), csMask = maskOf(m, 'ct_state');
  if (csMask) {
    out.push(`ct_state=${csMask === 0xffn ? formatFlags(cs, CT_STATE_FLAGS) : formatFlagsMasked(cs, csMask, CT_STATE_FLAGS, 8)}`);
  }
  put(kv('ct_zone', F_CT_ZONE_DEC, m));
  put(kv('ct_mark', F_CT_MARK, m));
  put(kv('ct_label', F_CT_LABEL, m));
  put(kv('ct_nw_src', F_CT_NW_SRC, m));
  put(kv('ct_ipv6_src', F_CT_IPV6_SRC, m));
  put(kv('ct_nw_dst', F_CT_NW_DST, m));
  put(kv('ct_ipv6_dst', F_CT_IPV6_DST, m));
  if (m.masks.get('ct_nw_proto')) {
    put(kv('ct_nw_proto', F_CT_NW_PROTO, m));
    put(kv('ct_tp_src', F_CT_TP_SRC, m));
    put(kv('ct_tp_dst', F_CT_TP_DST, m));
  }
  const pt = valueOf(m, 'packet_type'), ptMask = maskOf(m, 'packet_type');
  if (ptMask && pt !== 0n) out.push(`packet_type=(${pt >> 16n},${hexish(pt & 0xffffn)})`);

  const dlType = valueOf(m, 'dl_type'), dlMask = maskOf(m, 'dl_type');
  const proto = valueOf(m, 'nw_proto'), protoMask = maskOf(m, 'nw_proto');
  let skipType = false, skipProto = false;
  if (dlMask) {
    const shorthand = protocolShorthand(Number(dlType), protoMask ? Number(proto) : null);
    if (shorthand) { out.push(shorthand.name); skipType = true; skipProto = shorthand.withProto; }
  }
  for (let i = 0; i < 16; i++) put(kv(REG_NAMES[i], F_REGS[i], m));
  if (hasTunnel(m)) {
    put(kv('tun_id', F_TUN_ID, m));
    put(kv('tun_src', F_TUN_SRC, m));
    put(kv('tun_dst', F_TUN_DST, m));
    put(kv('tun_ipv6_src', F_TUN_IPV6_SRC, m));
    put(kv('tun_ipv6_dst', F_TUN_IPV6_DST, m));
    formatTunnelExtras(m, out);
    for (let i = 0; i < 64; i++) put(kv(TUN_METADATA_NAMES[i], F_TUN_METADATA[i], m));
  }
  put(kv('metadata', F_METADATA, m));
  const inPort = valueOf(m, 'in_port'), inMask = maskOf(m, 'in_port');
  if (inMask) out.push(`in_port=${formatPort(inPort, ctx.portNames)}`);
  formatVlan(m, out, ctx.of15 ?? false);
  put(kv('dl_src', F_DL_SRC, m));
  put(kv('dl_dst', F_DL_DST, m));
  if (!skipType && dlMask) out.push(`dl_type=0x${dlType.toString(16).padStart(4, '0')}`);
  const type = Number(dlType);
  const isArp = type === 0x0806 || type === 0x8035;
  if (type === 0x86dd) {
    put(kv('ipv6_src', F_IPV6_SRC, m));
    put(kv('ipv6_dst', F_IPV6_DST, m));
    const lab = valueOf(m, 'ipv6_label'), labMask = maskOf(m, 'ipv6_label');
    if (labMask) {
      const h = (v: bigint) => '0x' + v.toString(16).padStart(5, '0');
      out.push(`ipv6_label=${h(lab)}${labMask === 0xfffffn ? '' : '/' + h(labMask)}`);
    }
  } else if (type === 0x894f) {
    formatNsh(m, out);
  } else if (isArp) {
    put(kv('arp_spa', F_ARP_SPA, m));
    put(kv('arp_tpa', F_ARP_TPA, m));
  } else {
    put(kv('nw_src', F_NW_SRC, m));
    put(kv('nw_dst', F_NW_DST, m));
  }
  if (!skipProto && protoMask) out.push(`${isArp ? 'arp_op' : 'nw_proto'}=${proto}`);
  if (isArp) { put(kv('arp_sha', F_ARP_SHA, m)); put(kv('arp_tha', F_ARP_THA, m)); }
  const tos = valueOf(m, 'nw_tos'), tosMask = maskOf(m, 'nw_tos');
  if (tosMask & 0xfcn) out.push(`nw_tos=${tos & 0xfcn}`);
  if (tosMask & 0x03n) out.push(`nw_ecn=${tos & 0x03n}`);
  put(kv('nw_ttl', F_NW_TTL, m));
  const lse = valueOf(m, 'mpls_lse0'), lseMask = maskOf(m, 'mpls_lse0');
  if (lseMask & 0xfffff000n) out.push(`mpls_label=${lse >> 12n}`);
  if (lseMask & 0xe00n) out.push(`mpls_tc=${(lse >> 9n) & 7n}`);
  if (lseMask & 0xffn) out.push(`mpls_ttl=${lse & 0xffn}`);
  if (lseMask & 0x100n) out.push(`mpls_bos=${(lse >> 8n) & 1n}`);
  const frag = valueOf(m, 'nw_frag'), fragMask = maskOf(m, 'nw_frag');
  if (fragMask === 3n) out.push(`nw_frag=${frag & 1n ? (frag & 2n ? 'later' : 'first') : (frag & 2n ? '<error>' : 'no')}`);
  else if (fragMask === 1n) out.push(`nw_frag=${frag & 1n ? 'yes' : 'no'}`);
  else if (fragMask === 2n) out.push(`nw_frag=${frag & 2n ? 'later' : 'not_later'}`);
  const p = Number(proto);
  if (type === 0x0800 && p === 1) {
    put(kv('icmp_type', F_TCP_SRC, m));
    put(kv('icmp_code', F_TCP_DST, m));
  } else if (type === 0x86dd && p === 58) {
    put(kv('icmp_type', F_TCP_SRC, m));
    put(kv('icmp_code', F_TCP_DST, m));
    put(kv('nd_target', F_ND_TARGET, m));
    put(kv('nd_sll', F_ND_SLL, m));
    put(kv('nd_tll', F_ND_TLL, m));
    put(kv('nd_reserved', F_ND_RESERVED, m));
    put(kv('nd_options_type', F_ND_OPTIONS_TYPE, m));
  } else {
    put(kv('tp_src', F_TCP_SRC, m));
    put(kv('tp_dst', F_TCP_DST, m));
  }
  const tf = valueOf(m, 'tcp_flags'), tfMask = maskOf(m, 'tcp_flags');
  if ((type === 0x0800 || type === 0x86dd) && p === 6 && tfMask) {
    out.push(`tcp_flags=${formatFlagsMasked(tf, tfMask, TCP_FLAG_NAMES, 12)}`);
  }
  return out.join(',');
}

interface Shorthand { name: string; withProto: boolean }
const sh = (name: string, withProto: boolean): Shorthand => ({ name, withProto });
const L4_V4 = new Map<number, Shorthand>([[1, sh('icmp', true)], [6, sh('tcp', true)], [17, sh('udp', true)], [132, sh('sctp', true)]]);
const L4_V6 = new Map<number, Shorthand>([[58, sh('icmp6', true)], [6, sh('tcp6', true)], [17, sh('udp6', true)], [132, sh('sctp6', true)]]);
const SH_IP = sh('ip', false), SH_IPV6 = sh('ipv6', false);
const BY_TYPE = new Map<number, Shorthand>([[0x0806, sh('arp', false)], [0x8035, sh('rarp', false)], [0x8847, sh('mpls', false)], [0x8848, sh('mplsm', false)]]);

function protocolShorthand(type: number, proto: number | null): Shorthand | null {
  if (type === 0x0800) return (proto === null ? undefined : L4_V4.get(proto)) ?? SH_IP;
  if (type === 0x86dd) return (proto === null ? undefined : L4_V6.get(proto)) ?? SH_IPV6;
  return BY_TYPE.get(type) ?? null;
}

/** VLAN as OVS prints it: dl_vlan/dl_vlan_pcp when the CFI bit is matched set, else vlan_tci. */
function formatVlan(m: Match, out: string[], oxm: boolean): void {
  const tci = valueOf(m, 'vlan_tci');
  let mask = maskOf(m, 'vlan_tci');
  // OXM carries VLANs as vlan_vid/vlan_pcp: "no tag" comes back from the switch as 0/0x1fff.
  if (oxm && tci === 0n && mask === 0xffffn) mask = 0x1fffn;
  if (!mask) return;
  const vidMask = mask & 0x0fffn, pcpMask = mask & 0xe000n, cfi = mask & 0x1000n;
  if (cfi && tci & 0x1000n && (!vidMask || vidMask === 0x0fffn) && (!pcpMask || pcpMask === 0xe000n) && (vidMask || pcpMask)) {
    if (vidMask) out.push(`dl_vlan=${tci & 0xfffn}`);
    if (pcpMask) out.push(`dl_vlan_pcp=${tci >> 13n}`);
  } else if (mask === 0xffffn) {
    out.push(`vlan_tci=0x${tci.toString(16).padStart(4, '0')}`);
  } else {
    out.push(`vlan_tci=0x${tci.toString(16).padStart(4, '0')}/0x${mask.toString(16).padStart(4, '0')}`);
  }
}

/** Tunnel metadata after the addresses, in OVS's order and its odd formats (tun_tos is hex
 *  without 0x; ERSPAN fields only for the version that has them). */
function formatTunnelExtras(m: Match, out: string[]): void {
  const get = (slot: string) => slotOf(m, slot);
  const [gid, gidMask] = get('tun_gbp_id');
  if (gidMask) out.push(gidMask === 0xffffn ? `tun_gbp_id=${gid}` : `tun_gbp_id=0x${gid.toString(16)}/0x${gidMask.toString(16)}`);
  const simple: Array<[string, string, (v: bigint) => string]> = [
    ['tun_gbp_flags', 'tun_gbp_flags', hexish], ['tun_tos', 'tun_tos', (v) => v.toString(16)],
    ['tun_ttl', 'tun_ttl', String], ['tun_erspan_ver', 'tun_erspan_ver', String],
  ];
  for (const [slot, name, fmt] of simple) { const [v, k] = get(slot); if (k) out.push(`${name}=${fmt(v)}`); }
  const [ver] = get('tun_erspan_ver');
  const [idx, idxMask] = get('tun_erspan_idx');
  if (idxMask && ver === 1n) out.push(`tun_erspan_idx=${hexish(idx)}`);
  const [dir, dirMask] = get('tun_erspan_dir');
  if (dirMask && ver === 2n) out.push(`tun_erspan_dir=${dir}`);
  const [hw, hwMask] = get('tun_erspan_hwid');
  if (hwMask && ver === 2n) out.push(`tun_erspan_hwid=${hexish(hw)}`);
  const [gf, gfMask] = get('tun_gtpu_flags');
  if (gfMask) out.push(`gtpu_flags=${hexish(gf)}`);
  const [gm, gmMask] = get('tun_gtpu_msgtype');
  if (gmMask) out.push(`gtpu_msgtype=${gm}`);
  const [tf, tfMask] = get('tun_flags');
  if (tfMask & 1n) out.push(`tun_flags=${formatFlagsMasked(tf, tfMask & 1n, ['oam'], 16)}`);
}

/** NSH fields take the place of the L3 addresses when dl_type is NSH. */
function formatNsh(m: Match, out: string[]): void {
  const u8 = (name: string) => kv(name, F_NSH.get(name)!, m);
  for (const n of ['nsh_flags', 'nsh_ttl', 'nsh_mdtype', 'nsh_np', 'nsh_spi', 'nsh_si']) { const s = u8(n); if (s) out.push(s); }
  const md = valueOf(m, 'nsh_mdtype'), mdMask = maskOf(m, 'nsh_mdtype');
  if (mdMask === 0xffn && md === 1n) for (let i = 1; i <= 4; i++) { const s = u8(`nsh_c${i}`); if (s) out.push(s); }
}
