// What OVS does to a match between ovs-ofctl and the flow table: fields whose protocol
// is not matched are dropped (ovs-ofctl logs "normalization changed ofp_match"), a VLAN
// match without the CFI bit means "no tag", and the ct_* tuple fields need a ct_state
// that implies a valid connection (else the switch refuses the flow: OFPBMC_BAD_PREREQ).
import { FIELDS } from './fields.js';
import type { Match } from './match.js';

const ETH_IP = 0x0800n, ETH_IPV6 = 0x86ddn, ETH_ARP = 0x0806n, ETH_RARP = 0x8035n;
const TCP = 6n, UDP = 17n, SCTP = 132n, ICMP = 1n, ICMPV6 = 58n;
const ND_SOLICIT = 135n, ND_ADVERT = 136n;

/** Drops `slots` from m; the names of those it had go to `removed`. */
function clear(m: Match, slots: readonly string[], removed: string[]): void {
  for (const s of slots) {
    if (m.masks.delete(s)) removed.push(s);
    m.values.delete(s);
  }
}

const has = (m: Match, s: string): boolean => (m.masks.get(s) ?? 0n) !== 0n;
const val = (m: Match, s: string): bigint => m.values.get(s) ?? 0n;

const ETHER = ['dl_src', 'dl_dst'], NW_ADDR = ['nw_src', 'nw_dst'], TP_ADDR = ['tp_src', 'tp_dst'];
const NW_PROTO = ['nw_proto'], IPVX = ['nw_tos', 'nw_ttl'], ARP_SHA = ['arp_sha'], ARP_THA = ['arp_tha'];
const IPV6 = ['ipv6_src', 'ipv6_dst', 'ipv6_label'], ND_TARGET = ['nd_target'], MPLS = ['mpls_lse0'];
const CT_TP = ['ct_tp_src', 'ct_tp_dst'];

/** Drops what OVS drops; returns the names of the slots it removed (for warnings). */
export function normalizeMatch(m: Match): string[] {
  const removed: string[] = [];
  const ptype = val(m, 'packet_type');
  const defaultPt = !has(m, 'packet_type') || ptype === 0n;
  let ether = defaultPt, dlType = val(m, 'dl_type');
  if (!defaultPt) { ether = false; dlType = ptype >> 16n === 1n ? ptype & 0xffffn : 0n; }
  let nwAddr = false, tpAddr = false, nwProto = false, ipvx = false, arpSha = false, arpTha = false;
  let ipv6 = false, ndTarget = false, mpls = false;
  const proto = val(m, 'nw_proto');
  if (dlType === ETH_IP) {
    nwProto = ipvx = nwAddr = true;
    tpAddr = proto === TCP || proto === UDP || proto === SCTP || proto === ICMP;
  } else if (dlType === ETH_IPV6) {
    nwProto = ipvx = ipv6 = true;
    if (proto === TCP || proto === UDP || proto === SCTP) tpAddr = true;
    else if (proto === ICMPV6) {
      tpAddr = true;
      const type = val(m, 'tp_src');
      if (type === ND_SOLICIT) ndTarget = arpSha = true;
      else if (type === ND_ADVERT) ndTarget = arpTha = true;
    }
  } else if (dlType === ETH_ARP || dlType === ETH_RARP) {
    nwProto = nwAddr = arpSha = arpTha = true;
  } else if (dlType === 0x8847n || dlType === 0x8848n) {
    mpls = true;
  }
  if (!ether) clear(m, ETHER, removed);
  if (!nwAddr) clear(m, NW_ADDR, removed);
  if (!tpAddr) clear(m, TP_ADDR, removed);
  if (!nwProto) clear(m, NW_PROTO, removed);
  if (!ipvx) clear(m, IPVX, removed);
  if (!arpSha) clear(m, ARP_SHA, removed);
  if (!arpTha) clear(m, ARP_THA, removed);
  if (!ipv6) clear(m, IPV6, removed);
  if (!ndTarget) clear(m, ND_TARGET, removed);
  if (!mpls) clear(m, MPLS, removed);
  const tciMask = m.masks.get('vlan_tci') ?? 0n;
  if (tciMask & 0x1000n && !(val(m, 'vlan_tci') & 0x1000n)) {
    // CFI matched as 0: "no tag". The other bits then say nothing and OVS matches them all 0.
    m.values.set('vlan_tci', 0n);
    if (tciMask & ~0x1000n) m.masks.set('vlan_tci', 0xffffn);
  }
  // ct_tp_src/dst only reach the switch together with ct_nw_proto.
  if (!has(m, 'ct_nw_proto')) clear(m, CT_TP, removed);
  return removed;
}

const CT_VALID_BITS = 0x01n | 0x02n | 0x04n | 0x08n | 0x40n | 0x80n; // new est rel rpl snat dnat
const CT_TRK = 0x20n, CT_INV = 0x10n;

/** OVS's check for ct_nw_src & co.: a ct_state that implies a valid connection. */
export function ctTupleAllowed(m: Match): boolean {
  const v = m.values.get('ct_state') ?? 0n, k = m.masks.get('ct_state') ?? 0n;
  return (v & CT_VALID_BITS) !== 0n || ((v & CT_TRK) !== 0n && (k & CT_INV) !== 0n && (v & CT_INV) === 0n);
}

/** Fields that need ctTupleAllowed. */
export const CT_TUPLE_FIELDS = FIELDS.filter((f) => f.prereq === 'ct');
