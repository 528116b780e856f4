// A match printed the way ovs-ofctl prints it: OVS's fixed field order, protocol
// shorthands (`tcp`, `arp`, ...), and each field's number format.
import { ones, readSegs } from './bits.js';
import { FIELDS, mustField, SLOTS, type FieldSpec } from './fields.js';
import { SHARED_MASKS, type Match } from './match.js';
import { formatTunnelExtras, hexish } from './print-tunnel.js';
import {
  CT_STATE_FLAGS, TCP_FLAG_NAMES, formatFlags, formatFlagsMasked, formatIpv4, formatIpv6,
  formatMac, formatPort, prefixLen,
} from './values.js';

export interface PrintCtx { portNames?: Map<number, string>; of15?: boolean }

const valueOf = (m: Match, slot: string): bigint => m.values.get(slot) ?? 0n;


function addr(v: bigint, mask: bigint, bits: number, fmt: (v: bigint) => string): string {
  if (mask === ones(bits)) return fmt(v);
  const p = prefixLen(mask, bits);
  return p >= 0 ? `${fmt(v)}/${p}` : `${fmt(v)}/${fmt(mask)}`;
}

// Which slots the match being printed has: one pass over its masks marks them here, so
// the ~50 fields a match usually lacks are passed over without a map lookup each. Indexed
// by a number per slot (given on first sight), cleared after each match.
const SLOT_IX = new Map<string, number>();
const slotIx = (slot: string): number => {
  let i = SLOT_IX.get(slot);
  if (i === undefined) { i = SLOT_IX.size; SLOT_IX.set(slot, i); }
  return i;
};
let PRESENT = new Uint8Array(256);
// The marked slots' numbers: MARKED[0, marked) (the list is never shrunk, only reused).
const MARKED: number[] = [];
let marked = 0;
function mark(_mask: bigint, slot: string): void {
  const i = slotIx(slot);
  if (i >= PRESENT.length) { const p = new Uint8Array(PRESENT.length * 2); p.set(PRESENT); PRESENT = p; }
  PRESENT[i] = 1;
  MARKED[marked++] = i;
}
function unmarkAll(): void {
  for (let k = 0; k < marked; k++) PRESENT[MARKED[k]] = 0;
  marked = 0;
}
const present = (ix: number): boolean => PRESENT[ix] === 1;

/** A field as printed under a name, with its slots' numbers worked out once. `texts`: its
 *  `name=value` by value, for values matched exactly (a dump repeats `metadata=0x1`,
 *  `reg15=0x3`, ... across thousands of matches: each is formatted once). */
interface Shown { name: string; f: FieldSpec; ix: number[]; whole: boolean; texts: Map<bigint, string> }
const shown = (name: string, f: FieldSpec): Shown => ({
  name, f, ix: f.segs.map((g) => slotIx(g.slot)),
  // A field that is a whole slot (most are) is that slot's value: no bit shuffling.
  whole: f.segs.length === 1 && f.segs[0].shift === 0 && f.segs[0].bits === (SLOTS.get(f.segs[0].slot) ?? -1),
  texts: new Map(),
});
// Per field: past this many distinct values, the rest are formatted each time.
const TEXTS_MAX = 4096;

function kvText(k: Shown, value: bigint, mask: bigint, full: boolean): string {
  const { name, f } = k;
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
const F_CT_ZONE = mustField('ct_zone');
const F_RECIRC_ID = mustField('recirc_id');
const F_TCP_DST = mustField('tcp_dst');
const F_TCP_SRC = mustField('tcp_src');
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

const TUNNEL_IX = new Set([...TUNNEL_SLOTS].map(slotIx));

function hasTunnel(): boolean {
  for (let k = 0; k < marked; k++) if (TUNNEL_IX.has(MARKED[k])) return true;
  return false;
}

const F_RECIRC_ID_HEX = { ...F_RECIRC_ID, hex: true };
const F_CT_ZONE_DEC = { ...F_CT_ZONE, hex: false };

// Each printed field with its slot numbers.
const byName = (name: string): Shown => shown(name, mustField(name));
const [
  K_PKT_MARK, K_DP_HASH, K_CONJ_ID, K_SKB_PRIORITY, K_CT_MARK, K_CT_LABEL, K_CT_NW_SRC,
  K_CT_IPV6_SRC, K_CT_NW_DST, K_CT_IPV6_DST, K_CT_NW_PROTO, K_CT_TP_SRC, K_CT_TP_DST, K_TUN_ID,
  K_TUN_SRC, K_TUN_DST, K_TUN_IPV6_SRC, K_TUN_IPV6_DST, K_METADATA, K_DL_SRC, K_DL_DST, K_IPV6_SRC,
  K_IPV6_DST, K_ARP_SPA, K_ARP_TPA, K_NW_SRC, K_NW_DST, K_ARP_SHA, K_ARP_THA, K_NW_TTL,
  K_ND_TARGET, K_ND_SLL, K_ND_TLL, K_ND_RESERVED, K_ND_OPTIONS_TYPE,
] = [
  'pkt_mark', 'dp_hash', 'conj_id', 'skb_priority', 'ct_mark', 'ct_label', 'ct_nw_src',
  'ct_ipv6_src', 'ct_nw_dst', 'ct_ipv6_dst', 'ct_nw_proto', 'ct_tp_src', 'ct_tp_dst', 'tun_id',
  'tun_src', 'tun_dst', 'tun_ipv6_src', 'tun_ipv6_dst', 'metadata', 'dl_src', 'dl_dst', 'ipv6_src',
  'ipv6_dst', 'arp_spa', 'arp_tpa', 'nw_src', 'nw_dst', 'arp_sha', 'arp_tha', 'nw_ttl',
  'nd_target', 'nd_sll', 'nd_tll', 'nd_reserved', 'nd_options_type',
].map(byName);
const K_RECIRC_ID = shown('recirc_id', F_RECIRC_ID_HEX);
const K_CT_ZONE = shown('ct_zone', F_CT_ZONE_DEC);
const K_ICMP_TYPE = shown('icmp_type', F_TCP_SRC);
const K_ICMP_CODE = shown('icmp_code', F_TCP_DST);
const K_TP_SRC = shown('tp_src', F_TCP_SRC);
const K_TP_DST = shown('tp_dst', F_TCP_DST);
const K_REGS = F_REGS.map((f, i) => shown(REG_NAMES[i], f));
const K_TUN_METADATA = F_TUN_METADATA.map((f, i) => shown(TUN_METADATA_NAMES[i], f));
const K_NSH = new Map([...F_NSH].map(([n, f]) => [n, shown(n, f)]));
// Slots read directly below, by their numbers.
const P_ASO = slotIx('actset_output'), P_CT_STATE = slotIx('ct_state'), P_CT_NW_PROTO = slotIx('ct_nw_proto');
const P_PACKET_TYPE = slotIx('packet_type'), P_IN_PORT = slotIx('in_port'), P_IPV6_LABEL = slotIx('ipv6_label');
const P_NW_TOS = slotIx('nw_tos'), P_MPLS = slotIx('mpls_lse0'), P_NW_FRAG = slotIx('nw_frag');
const P_TCP_FLAGS = slotIx('tcp_flags'), P_VLAN_TCI = slotIx('vlan_tci');

// Runs of fields printed one after the other, in OVS's order.
const META_FIELDS = [K_PKT_MARK, K_RECIRC_ID, K_DP_HASH, K_CONJ_ID, K_SKB_PRIORITY];
const CT_FIELDS = [K_CT_ZONE, K_CT_MARK, K_CT_LABEL, K_CT_NW_SRC, K_CT_IPV6_SRC, K_CT_NW_DST, K_CT_IPV6_DST];
const CT_TP_FIELDS = [K_CT_NW_PROTO, K_CT_TP_SRC, K_CT_TP_DST];
const TUN_FIELDS = [K_TUN_ID, K_TUN_SRC, K_TUN_DST, K_TUN_IPV6_SRC, K_TUN_IPV6_DST];
const ICMP6_FIELDS = [K_ICMP_TYPE, K_ICMP_CODE, K_ND_TARGET, K_ND_SLL, K_ND_TLL, K_ND_RESERVED, K_ND_OPTIONS_TYPE];

/**
 * One step of a printed match: pushes its `name=value` items, if any. A match is printed
 * by a list of steps (a plan) worked out from its masks and its dl_type and nw_proto: which
 * fields it has, in OVS's order, is all in the masks, and a dump's thousands of matches
 * share a few hundred masks maps (MaskTable), so most plans are made once and reused.
 */
type Piece = (m: Match, ctx: PrintCtx, out: string[]) => void;
interface Plans { key: number; pieces: Piece[]; more: Map<number, Piece[]> | null }

const PRIORITY_TEXT = new Map<number, string>();

export function formatMatch(m: Match, priority: number, ctx: PrintCtx = {}): string {
  const out: string[] = [];
  if (priority !== 32768) {
    let t = PRIORITY_TEXT.get(priority);
    if (t === undefined) { t = `priority=${priority}`; PRIORITY_TEXT.set(priority, t); }
    out.push(t);
  }
  const pieces = piecesFor(m);
  for (let i = 0; i < pieces.length; i++) pieces[i](m, ctx, out);
  return out.join(',');
}

function piecesFor(m: Match): Piece[] {
  const dlType = valueOf(m, 'dl_type'), proto = valueOf(m, 'nw_proto');
  const note = SHARED_MASKS.get(m.masks) as Plans | null | undefined;
  // A masks map of one match only may still change: its plan is not kept.
  if (note === undefined) return plan(m.masks, dlType, proto);
  const key = Number(dlType) * 0x10000 + Number(proto);
  if (note !== null && note.key === key) return note.pieces;
  const known = note?.more?.get(key);
  if (known) return known;
  const pieces = plan(m.masks, dlType, proto);
  if (note === null) SHARED_MASKS.set(m.masks, { key, pieces, more: null } satisfies Plans);
  else (note.more ??= new Map()).set(key, pieces);
  return pieces;
}

function plan(masks: ReadonlyMap<string, bigint>, dlType: bigint, proto: bigint): Piece[] {
  unmarkAll();
  masks.forEach(mark);
  try {
    return planMarked(masks, dlType, proto);
  } finally {
    unmarkAll();
  }
}

/** The slot's mask, read only when the match has the slot. */
const maskAt = (masks: ReadonlyMap<string, bigint>, ix: number, slot: string): bigint => (present(ix) ? masks.get(slot) ?? 0n : 0n);
/** A step printing one slot's value with `text` (null: nothing). */
const slotPiece = (slot: string, text: (v: bigint, ctx: PrintCtx) => string | null): Piece => (m, ctx, out) => {
  const s = text(valueOf(m, slot), ctx);
  if (s !== null) out.push(s);
};
const fixed = (text: string): Piece => (_m, _ctx, out) => { out.push(text); };
/** text, remembered per value (up to TEXTS_MAX values). */
function byValue(text: (v: bigint) => string): (v: bigint) => string {
  const texts = new Map<bigint, string>();
  return (v) => {
    let t = texts.get(v);
    if (t === undefined) { t = text(v); if (texts.size < TEXTS_MAX) texts.set(v, t); }
    return t;
  };
}

/** A field matched exactly: its `name=value` by value, kept on the field (k.texts). */
const EXACT = new Map<Shown, Piece>();
function exactPiece(k: Shown): Piece {
  let p = EXACT.get(k);
  if (p) return p;
  const f = k.f, segs = f.segs, slot = segs[0].slot, whole = k.whole, full = ones(f.bits);
  p = (m, _ctx, out) => {
    const v = whole ? valueOf(m, slot) : readSegs(m.values, segs);
    let t = k.texts.get(v);
    if (t === undefined) { t = kvText(k, v, full, true); if (k.texts.size < TEXTS_MAX) k.texts.set(v, t); }
    out.push(t);
  };
  EXACT.set(k, p);
  return p;
}

/** Field k's step, when the masks have it. */
function field(ps: Piece[], masks: ReadonlyMap<string, bigint>, k: Shown): void {
  // Most fields are absent from most matches: the marks say so without reading bits.
  let any = false;
  for (const i of k.ix) if (present(i)) { any = true; break; }
  if (!any) return;
  const f = k.f;
  const mask = k.whole ? masks.get(f.segs[0].slot) ?? 0n : readSegs(masks, f.segs);
  if (mask === 0n) return;
  if (mask === ones(f.bits)) { ps.push(exactPiece(k)); return; }
  const segs = f.segs, text = byValue((v) => kvText(k, v, mask, false));
  ps.push((m, _ctx, out) => { out.push(text(readSegs(m.values, segs))); });
}

function fields(ps: Piece[], masks: ReadonlyMap<string, bigint>, ks: readonly Shown[]): void {
  for (const k of ks) field(ps, masks, k);
}

function planMarked(masks: ReadonlyMap<string, bigint>, dlType: bigint, proto: bigint): Piece[] {
  const ps: Piece[] = [];
  fields(ps, masks, META_FIELDS);
  if (maskAt(masks, P_ASO, 'actset_output')) ps.push(slotPiece('actset_output', (v, ctx) => `actset_output=${formatPort(v, ctx.portNames)}`));
  const csMask = maskAt(masks, P_CT_STATE, 'ct_state');
  if (csMask) {
    ps.push(slotPiece('ct_state', byValue((cs) => `ct_state=${csMask === 0xffn ? formatFlags(cs, CT_STATE_FLAGS) : formatFlagsMasked(cs, csMask, CT_STATE_FLAGS, 8)}`)));
  }
  fields(ps, masks, CT_FIELDS);
  if (maskAt(masks, P_CT_NW_PROTO, 'ct_nw_proto')) fields(ps, masks, CT_TP_FIELDS);
  if (maskAt(masks, P_PACKET_TYPE, 'packet_type')) {
    ps.push(slotPiece('packet_type', (pt) => (pt === 0n ? null : `packet_type=(${pt >> 16n},${hexish(pt & 0xffffn)})`)));
  }

  const dlMask = masks.get('dl_type') ?? 0n, protoMask = masks.get('nw_proto') ?? 0n;
  let skipType = false, skipProto = false;
  if (dlMask) {
    const shorthand = protocolShorthand(Number(dlType), protoMask ? Number(proto) : null);
    if (shorthand) { ps.push(fixed(shorthand.name)); skipType = true; skipProto = shorthand.withProto; }
  }
  fields(ps, masks, K_REGS);
  if (hasTunnel()) {
    fields(ps, masks, TUN_FIELDS);
    ps.push((m, _ctx, out) => formatTunnelExtras(m, out));
    fields(ps, masks, K_TUN_METADATA);
  }
  field(ps, masks, K_METADATA);
  if (maskAt(masks, P_IN_PORT, 'in_port')) ps.push(slotPiece('in_port', (v, ctx) => `in_port=${formatPort(v, ctx.portNames)}`));
  const vlanMask = maskAt(masks, P_VLAN_TCI, 'vlan_tci');
  if (vlanMask) ps.push((m, ctx, out) => formatVlan(valueOf(m, 'vlan_tci'), vlanMask, out, ctx.of15 ?? false));
  field(ps, masks, K_DL_SRC);
  field(ps, masks, K_DL_DST);
  if (!skipType && dlMask) ps.push(fixed(`dl_type=0x${dlType.toString(16).padStart(4, '0')}`));
  const type = Number(dlType);
  const isArp = type === 0x0806 || type === 0x8035;
  if (type === 0x86dd) {
    field(ps, masks, K_IPV6_SRC);
    field(ps, masks, K_IPV6_DST);
    const labMask = maskAt(masks, P_IPV6_LABEL, 'ipv6_label');
    if (labMask) {
      const h = (v: bigint) => '0x' + v.toString(16).padStart(5, '0');
      ps.push(slotPiece('ipv6_label', (lab) => `ipv6_label=${h(lab)}${labMask === 0xfffffn ? '' : '/' + h(labMask)}`));
    }
  } else if (type === 0x894f) {
    planNsh(ps, masks);
  } else if (isArp) {
    field(ps, masks, K_ARP_SPA);
    field(ps, masks, K_ARP_TPA);
  } else {
    field(ps, masks, K_NW_SRC);
    field(ps, masks, K_NW_DST);
  }
  if (!skipProto && protoMask) ps.push(fixed(`${isArp ? 'arp_op' : 'nw_proto'}=${proto}`));
  if (isArp) { field(ps, masks, K_ARP_SHA); field(ps, masks, K_ARP_THA); }
  const tosMask = maskAt(masks, P_NW_TOS, 'nw_tos');
  if (tosMask) {
    ps.push((m, _ctx, out) => {
      const tos = valueOf(m, 'nw_tos');
      if (tosMask & 0xfcn) out.push(`nw_tos=${tos & 0xfcn}`);
      if (tosMask & 0x03n) out.push(`nw_ecn=${tos & 0x03n}`);
    });
  }
  field(ps, masks, K_NW_TTL);
  const lseMask = maskAt(masks, P_MPLS, 'mpls_lse0');
  if (lseMask) {
    ps.push((m, _ctx, out) => {
      const lse = valueOf(m, 'mpls_lse0');
      if (lseMask & 0xfffff000n) out.push(`mpls_label=${lse >> 12n}`);
      if (lseMask & 0xe00n) out.push(`mpls_tc=${(lse >> 9n) & 7n}`);
      if (lseMask & 0xffn) out.push(`mpls_ttl=${lse & 0xffn}`);
      if (lseMask & 0x100n) out.push(`mpls_bos=${(lse >> 8n) & 1n}`);
    });
  }
  const fragMask = maskAt(masks, P_NW_FRAG, 'nw_frag');
  if (fragMask === 3n) ps.push(slotPiece('nw_frag', (frag) => `nw_frag=${frag & 1n ? (frag & 2n ? 'later' : 'first') : (frag & 2n ? '<error>' : 'no')}`));
  else if (fragMask === 1n) ps.push(slotPiece('nw_frag', (frag) => `nw_frag=${frag & 1n ? 'yes' : 'no'}`));
  else if (fragMask === 2n) ps.push(slotPiece('nw_frag', (frag) => `nw_frag=${frag & 2n ? 'later' : 'not_later'}`));
  const p = Number(proto);
  if (type === 0x0800 && p === 1) {
    field(ps, masks, K_ICMP_TYPE);
    field(ps, masks, K_ICMP_CODE);
  } else if (type === 0x86dd && p === 58) {
    fields(ps, masks, ICMP6_FIELDS);
  } else {
    field(ps, masks, K_TP_SRC);
    field(ps, masks, K_TP_DST);
  }
  const tfMask = maskAt(masks, P_TCP_FLAGS, 'tcp_flags');
  if ((type === 0x0800 || type === 0x86dd) && p === 6 && tfMask) {
    ps.push(slotPiece('tcp_flags', (tf) => `tcp_flags=${formatFlagsMasked(tf, tfMask, TCP_FLAG_NAMES, 12)}`));
  }
  return ps;
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
function formatVlan(tci: bigint, matched: bigint, out: string[], oxm: boolean): void {
  // OXM carries VLANs as vlan_vid/vlan_pcp: "no tag" comes back from the switch as 0/0x1fff.
  const mask = oxm && tci === 0n && matched === 0xffffn ? 0x1fffn : matched;
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


/** NSH fields take the place of the L3 addresses when dl_type is NSH; the context
 *  headers only with metadata type 1. */
function planNsh(ps: Piece[], masks: ReadonlyMap<string, bigint>): void {
  for (const n of ['nsh_flags', 'nsh_ttl', 'nsh_mdtype', 'nsh_np', 'nsh_spi', 'nsh_si']) field(ps, masks, K_NSH.get(n)!);
  if (masks.get('nsh_mdtype') !== 0xffn) return;
  const context: Piece[] = [];
  for (let i = 1; i <= 4; i++) field(context, masks, K_NSH.get(`nsh_c${i}`)!);
  if (context.length) ps.push((m, ctx, out) => { if (valueOf(m, 'nsh_mdtype') === 1n) for (const c of context) c(m, ctx, out); });
}
