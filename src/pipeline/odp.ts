// Datapath actions in OVS's notation. Before an output (or ct, recirc, controller), the
// header changes made since the last one are "committed" as set() / push_vlan / pop_vlan
// actions, the way OVS's commit_odp_actions does: per header, only the fields whose
// value changed are written, each masked by the bits the translation read or wrote
// (the megaflow mask), printed `value/mask` unless the mask is exact.
import { formatIpv4, formatIpv6, formatMac } from '../model/values.js';
import { ETH_IP, ETH_IPV6, VLAN_CFI, VLAN_TCI1, VLAN_TPID, VLAN_TPID1 } from '../packet/packet.js';
import { slotInfo, type SlotInfo, type SlotStore, type Words } from '../packet/slots.js';

export type Slots = SlotStore;
/** What a commit reads of the megaflow mask. */
export interface MaskView { get(slot: string): bigint | undefined }

interface KeyField { slot: string; name: string; bits: number; fmt: (v: bigint) => string; hexMask?: boolean }

const dec = (v: bigint) => v.toString();
const hex = (v: bigint) => '0x' + v.toString(16);
const ETH: KeyField[] = [
  { slot: 'dl_src', name: 'src', bits: 48, fmt: formatMac },
  { slot: 'dl_dst', name: 'dst', bits: 48, fmt: formatMac },
];
const IPV4: KeyField[] = [
  { slot: 'nw_src', name: 'src', bits: 32, fmt: formatIpv4 },
  { slot: 'nw_dst', name: 'dst', bits: 32, fmt: formatIpv4 },
  { slot: 'nw_tos', name: 'tos', bits: 8, fmt: hex },
  { slot: 'nw_ttl', name: 'ttl', bits: 8, fmt: dec, hexMask: true },
];
const IPV6: KeyField[] = [
  { slot: 'ipv6_src', name: 'src', bits: 128, fmt: formatIpv6 },
  { slot: 'ipv6_dst', name: 'dst', bits: 128, fmt: formatIpv6 },
  { slot: 'ipv6_label', name: 'label', bits: 20, fmt: hex },
  { slot: 'nw_tos', name: 'tclass', bits: 8, fmt: hex },
  { slot: 'nw_ttl', name: 'hlimit', bits: 8, fmt: dec, hexMask: true },
];
const PORTS: KeyField[] = [
  { slot: 'tp_src', name: 'src', bits: 16, fmt: dec, hexMask: true },
  { slot: 'tp_dst', name: 'dst', bits: 16, fmt: dec, hexMask: true },
];
const ICMP: KeyField[] = [
  { slot: 'tp_src', name: 'type', bits: 8, fmt: dec, hexMask: true },
  { slot: 'tp_dst', name: 'code', bits: 8, fmt: dec, hexMask: true },
];
const ARP: KeyField[] = [
  { slot: 'nw_src', name: 'sip', bits: 32, fmt: formatIpv4 },
  { slot: 'nw_dst', name: 'tip', bits: 32, fmt: formatIpv4 },
  { slot: 'nw_proto', name: 'op', bits: 8, fmt: dec, hexMask: true },
  { slot: 'arp_sha', name: 'sha', bits: 48, fmt: formatMac },
  { slot: 'arp_tha', name: 'tha', bits: 48, fmt: formatMac },
];
// Neighbour discovery: the link-layer address options live in the ARP address slots.
const ND: KeyField[] = [
  { slot: 'nd_target', name: 'target', bits: 128, fmt: formatIpv6 },
  { slot: 'arp_sha', name: 'sll', bits: 48, fmt: formatMac },
  { slot: 'arp_tha', name: 'tll', bits: 48, fmt: formatMac },
];
const MARK: KeyField[] = [{ slot: 'pkt_mark', name: '', bits: 32, fmt: hex }];

const full = (bits: number) => (1n << BigInt(bits)) - 1n;

// Most commits change nothing: the words of a header's slots are compared before any
// bigint is made. Each header lists its words once (a Map lookup per slot per commit
// was a measurable share of a packet).
interface Header { fields: KeyField[]; words: Int32Array }
const header = (fields: KeyField[]): Header => ({
  fields, words: Int32Array.from(fields.flatMap((f) => { const i = slotInfo(f.slot); return Array.from({ length: i.words }, (_, k) => i.word + k); })),
});
const [ETH_H, IPV4_H, IPV6_H, PORTS_H, ICMP_H, ARP_H, MARK_H, ND_H] = [ETH, IPV4, IPV6, PORTS, ICMP, ARP, MARK, ND].map(header);

function sameWords(a: Words, b: Words, i: SlotInfo): boolean {
  for (let k = i.word; k < i.word + i.words; k++) if ((a[k] | 0) !== (b[k] | 0)) return false;
  return true;
}
const VLAN_INFO = ['vlan_tci', VLAN_TCI1, VLAN_TPID, VLAN_TPID1].map(slotInfo);
const DL_TYPE = slotInfo('dl_type'), NW_PROTO = slotInfo('nw_proto'), NW_FRAG = slotInfo('nw_frag');
const PRIORITY = slotInfo('skb_priority');
/** The label stack entries, outer first. */
export const LSE = ['mpls_lse0', 'mpls_lse1', 'mpls_lse2'];
const MPLS_INFO = LSE.map(slotInfo);
const MPLS_BOS = 0x100n;
// nd_options_type is the low byte of the tcp_flags slot; nd_reserved has a slot of its own.
const TCP_FLAGS = slotInfo('tcp_flags'), ND_RESERVED = slotInfo('nd_reserved');
const ETH_IP_N = Number(ETH_IP), ETH_IPV6_N = Number(ETH_IPV6);
/**
 * Every word a commit looks at: when none differs from the base (most commits), there is
 * nothing to write. The packet headers' words are neighbours in the layout, so they are
 * compared as one range (FROM..TO, which may take in a word no commit reads: then the
 * header-by-header path decides) plus the few words apart from it (skb_priority, pkt_mark).
 */
const ALL_WORDS = [...new Set([
  ...[ETH_H, IPV4_H, IPV6_H, PORTS_H, ICMP_H, ARP_H, MARK_H].flatMap((h) => [...h.words]),
  ...[DL_TYPE, ...MPLS_INFO, PRIORITY, TCP_FLAGS, ...VLAN_INFO].flatMap((i) => Array.from({ length: i.words }, (_, k) => i.word + k)),
])].sort((a, b) => a - b);
/**
 * The ND slots that are not in ALL_WORDS: rare slots, far after the others (in the
 * range they would make it span the tunnel metadata), so they are compared apart.
 */
const ND_WORDS = Int32Array.from([...new Set([...ND_H.words, ND_RESERVED.word])].filter((w) => !ALL_WORDS.includes(w)));
/** Arrays no longer than this have no ND word (a rare slot: past the common ones). */
const ND_FROM = Math.min(...ND_WORDS);
// The range starts after the widest gap between two words.
const CUT = ALL_WORDS.reduce((c, w, i) => (i && w - ALL_WORDS[i - 1] > ALL_WORDS[c] - ALL_WORDS[c - 1] ? i : c), 1);
const APART = Int32Array.from(ALL_WORDS.slice(0, CUT)), FROM = ALL_WORDS[CUT], TO = ALL_WORDS[ALL_WORDS.length - 1];

/** Whether a commit from `base` to `flow` would write nothing. */
export function nothingToCommit(flow: Slots, base: Slots): boolean { return unchanged(flow.w, base.w); }

function unchanged(a: Words, b: Words): boolean {
  for (let k = FROM; k <= TO; k++) if ((a[k] | 0) !== (b[k] | 0)) return false;
  for (let i = 0; i < APART.length; i++) if ((a[APART[i]] | 0) !== (b[APART[i]] | 0)) return false;
  // Reading past an array's end is slow: most packets' arrays stop before the rare slots.
  if (a.length > ND_FROM || b.length > ND_FROM) {
    for (let i = 0; i < ND_WORDS.length; i++) if ((a[ND_WORDS[i]] | 0) !== (b[ND_WORDS[i]] | 0)) return false;
  }
  return true;
}

/** `set(name(k=v,…))` for the changed fields of one header; updates `base`. */
function commitHeader(name: string, { fields, words }: Header, flow: Slots, base: Slots, wc: MaskView, out: string[], whole = false): void {
  const a = flow.w, b = base.w;
  let k = 0;
  while (k < words.length && (a[words[k]] | 0) === (b[words[k]] | 0)) k++;
  if (k === words.length) return;
  const parts: string[] = [];
  // ICMP keys are written whole (type and code together) when either changed.
  const any = whole;
  for (const f of fields) {
    const v = flow.get(f.slot), b = base.get(f.slot);
    if (v === b && !any) continue;
    let mask = (wc.get(f.slot) ?? 0n) & full(f.bits);
    mask |= v ^ b; // a changed bit is always written
    if (any) mask = full(f.bits);
    const m = mask === full(f.bits) ? '' : '/' + (f.hexMask ? hex(mask) : f.fmt(mask));
    parts.push(`${f.name}=${f.fmt(v & mask)}${m}`);
    base.set(f.slot, v);
  }
  if (!parts.length) return;
  out.push(name === 'skb_mark' ? `set(skb_mark(${parts[0].slice(1)}))` : `set(${name}(${parts.join(',')}))`);
}

interface Vlan { tci: bigint; tpid: bigint }
function vlans(s: Slots): Vlan[] {
  const out: Vlan[] = [];
  const t0 = s.get('vlan_tci') ?? 0n;
  if (!(t0 & VLAN_CFI)) return out;
  out.push({ tci: t0, tpid: s.get(VLAN_TPID) || 0x8100n });
  const t1 = s.get(VLAN_TCI1) ?? 0n;
  if (t1 & VLAN_CFI) out.push({ tci: t1, tpid: s.get(VLAN_TPID1) || 0x8100n });
  return out;
}

/** Pops the outer headers that differ and pushes the new ones, innermost first. */
function commitVlan(flow: Slots, base: Slots, out: string[]): void {
  if (sameWords(flow.w, base.w, VLAN_INFO[0]) && sameWords(flow.w, base.w, VLAN_INFO[1]) && sameWords(flow.w, base.w, VLAN_INFO[2]) && sameWords(flow.w, base.w, VLAN_INFO[3])) return;
  const f = vlans(flow), b = vlans(base);
  let same = 0; // common headers, counted from the innermost
  while (same < f.length && same < b.length) {
    const x = f[f.length - 1 - same], y = b[b.length - 1 - same];
    if (x.tci !== y.tci || x.tpid !== y.tpid) break;
    same++;
  }
  for (let i = 0; i < b.length - same; i++) out.push('pop_vlan');
  for (let i = f.length - same - 1; i >= 0; i--) {
    const v = f[i];
    const tpid = v.tpid !== 0x8100n ? `tpid=0x${v.tpid.toString(16)},` : '';
    out.push(`push_vlan(${tpid}vid=${v.tci & 0xfffn},pcp=${v.tci >> 13n})`);
  }
  for (const s of ['vlan_tci', VLAN_TCI1, VLAN_TPID, VLAN_TPID1]) base.set(s, flow.get(s));
}

/** Appends the set/push/pop actions that bring `base` to `flow`. */
export function commitOdp(flow: Slots, base: Slots, wc: MaskView, out: string[]): void {
  if (unchanged(flow.w, base.w)) return;
  commitHeader('eth', ETH_H, flow, base, wc, out);
  const type = flow.w[DL_TYPE.word] >>> 0;
  // The labels go before the L3 header is written: the datapath would not find it under them.
  const mplsFirst = isMplsN(base.w[DL_TYPE.word] >>> 0) && !isMplsN(type);
  if (mplsFirst) commitMpls(flow, base, out);
  const proto = flow.w[NW_PROTO.word] >>> 0;
  const later = (flow.w[NW_FRAG.word] & 2) !== 0;
  // OVS writes no L3/L4 header of a packet whose nw_proto (arp_op) is 0: it takes that for a
  // packet without one (recorded: an `ip` packet without nw_proto, a pop_mpls'd packet).
  if (proto === 0) { /* nothing at L3 */ } else if (type === ETH_IP_N || type === ETH_IPV6_N) {
    commitHeader(type === ETH_IP_N ? 'ipv4' : 'ipv6', type === ETH_IP_N ? IPV4_H : IPV6_H, flow, base, wc, out);
    // As OVS: the ND header goes with the IPv6 one (options before addresses), whatever the
    // ICMPv6 type now is (a type written after nd_target still finds it in set(nd(...))).
    if (type === ETH_IPV6_N && (base.w[NW_PROTO.word] >>> 0) === 58) {
      commitNdExt(flow, base, wc, out);
      commitHeader('nd', ND_H, flow, base, wc, out);
    }
    if (!later) {
      if (proto === 6) commitHeader('tcp', PORTS_H, flow, base, wc, out);
      else if (proto === 17) commitHeader('udp', PORTS_H, flow, base, wc, out);
      else if (proto === 132) commitHeader('sctp', PORTS_H, flow, base, wc, out);
      else if (proto === 1) commitHeader('icmp', ICMP_H, flow, base, wc, out, true);
      else if (proto === 58) commitHeader('icmpv6', ICMP_H, flow, base, wc, out, true);
    }
  } else if (type === 0x0806 || type === 0x8035) {
    commitHeader('arp', ARP_H, flow, base, wc, out);
  }
  if (!mplsFirst) commitMpls(flow, base, out);
  commitVlan(flow, base, out);
  commitPriority(flow, base, out);
  commitHeader('skb_mark', MARK_H, flow, base, wc, out);
}

/**
 * set(nd_ext(...)): OVS prints nd_reserved as a bare value (the written bits, 0x0 when only
 * the options type changed) and nd_options_type only when it changed.
 */
function commitNdExt(flow: Slots, base: Slots, wc: MaskView, out: string[]): void {
  const r = flow.get('nd_reserved'), br = base.get('nd_reserved');
  const t = flow.get('tcp_flags') & 0xffn, bt = base.get('tcp_flags') & 0xffn;
  if (r === br && t === bt) return;
  const rm = r === br ? 0n : ((wc.get('nd_reserved') ?? 0n) | (r ^ br)) & full(32);
  const tm = t === bt ? 0n : ((wc.get('tcp_flags') ?? 0n) | (t ^ bt)) & 0xffn;
  const type = tm ? `,nd_options_type=${t & tm}${tm === 0xffn ? '' : '/' + hex(tm)}` : '';
  out.push(`set(nd_ext(nd_reserved=${hex(r & rm)}${type}))`);
  base.set('nd_reserved', r);
  base.set('tcp_flags', (base.get('tcp_flags') & ~0xffn) | t);
}

const isMpls = (t: bigint) => t === 0x8847n || t === 0x8848n;
const isMplsN = (t: number) => t === 0x8847 || t === 0x8848;

/**
 * The labels a packet has, as OVS counts them: down to the first bottom-of-stack entry, or
 * else the entries that are not zero (a packet given as `mpls,mpls_bos=0` has one). With
 * `wc`, the bottom-of-stack bits looked at are marked.
 */
export function countMplsLabels(s: Slots, wc?: Slots): number {
  if (!isMpls(s.get('dl_type'))) return 0;
  let n = 0;
  for (let i = 0; i < LSE.length; i++) {
    const lse = s.get(LSE[i]);
    if (wc) wc.set(LSE[i], wc.get(LSE[i]) | MPLS_BOS);
    if (lse & MPLS_BOS) return i + 1;
    if (lse) n++;
  }
  return n;
}

/** Takes the outer of a stack of `n` label entries: the others move up. */
export function popLse(s: Slots, n: number): void {
  for (let i = 1; i < n; i++) s.set(LSE[i - 1], s.get(LSE[i]));
  s.set(LSE[n - 1], 0n);
}

/** Puts `lse` over a stack of `n` label entries: the others move down. */
export function pushLse(s: Slots, n: number, lse: bigint): void {
  for (let i = n; i >= 1; i--) s.set(LSE[i], s.get(LSE[i - 1]));
  s.set(LSE[0], lse);
}

/** The entries `a` and `b` share, counted from the innermost. */
function commonMplsLabels(a: Slots, an: number, b: Slots, bn: number): number {
  let n = 0;
  while (n < Math.min(an, bn) && a.get(LSE[an - 1 - n]) === b.get(LSE[bn - 1 - n])) n++;
  return n;
}

const lseText = (lse: bigint) => `label=${lse >> 12n},tc=${(lse >> 9n) & 7n},ttl=${lse & 0xffn},bos=${(lse >> 8n) & 1n}`;

/**
 * Brings the committed label stack to the packet's, as OVS does: the entries not shared
 * with the packet's (from the innermost) are popped, except that the last of them is
 * rewritten (set(mpls(...))) when the packet has one in its place; then the packet's
 * extra entries are pushed, innermost first.
 */
/** The same Ethernet type and label stack (no closure: this runs on every commit). */
function sameMpls(a: Words, b: Words): boolean {
  if (!sameWords(a, b, DL_TYPE)) return false;
  for (let k = 0; k < MPLS_INFO.length; k++) if (!sameWords(a, b, MPLS_INFO[k])) return false;
  return true;
}

function commitMpls(flow: Slots, base: Slots, out: string[]): void {
  if (sameMpls(flow.w, base.w)) return;
  const t = flow.get('dl_type');
  let bn = countMplsLabels(base);
  const fn = countMplsLabels(flow);
  let common = commonMplsLabels(flow, fn, base, bn);
  while (bn > common) {
    if (bn - 1 === common && fn > common) {
      const lse = flow.get(LSE[fn - bn]);
      out.push(`set(mpls(${lseText(lse)}))`);
      base.set(LSE[0], lse);
      common++;
    } else {
      // The pops before the last name an MPLS ethertype: the datapath wants one there.
      const next = !isMpls(t) && bn > 1 ? 0x8847n : t;
      out.push(`pop_mpls(eth_type=0x${next.toString(16)})`);
      popLse(base, bn);
      base.set('dl_type', t);
      bn--;
    }
  }
  for (; bn < fn; bn++) {
    const lse = flow.get(LSE[fn - bn - 1]);
    out.push(`push_mpls(${lseText(lse)},eth_type=0x${t.toString(16)})`);
    pushLse(base, bn, lse);
    base.set('dl_type', t);
  }
}

/** skb_priority (set_queue / enqueue), printed as OVS prints it: 0 or 0x… */
function commitPriority(flow: Slots, base: Slots, out: string[]): void {
  if (sameWords(flow.w, base.w, PRIORITY)) return;
  const v = flow.get('skb_priority');
  if (v === (base.get('skb_priority') ?? 0n)) return;
  out.push(`set(skb_priority(${v ? '0x' + v.toString(16) : '0'}))`);
  base.set('skb_priority', v);
}
