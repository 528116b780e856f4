// What OVS does to a match between ovs-ofctl and the flow table: fields whose protocol
// is not matched are dropped (ovs-ofctl logs "normalization changed ofp_match"), a VLAN
// match without the CFI bit means "no tag", and the ct_* tuple fields need a ct_state
// that implies a valid connection (else the switch refuses the flow: OFPBMC_BAD_PREREQ).
import { FIELDS } from './fields.js';
import type { Match } from './match.js';

const ETH_IP = 0x0800n, ETH_IPV6 = 0x86ddn, ETH_ARP = 0x0806n, ETH_RARP = 0x8035n;
const TCP = 6n, UDP = 17n, SCTP = 132n, ICMP = 1n, ICMPV6 = 58n;
const ND_SOLICIT = 135n, ND_ADVERT = 136n;

const has = (m: Match, s: string): boolean => (m.masks.get(s) ?? 0n) !== 0n;
const val = (m: Match, s: string): bigint => m.values.get(s) ?? 0n;

// The slots a match keeps only with their protocol, by group: a bit per group.
const ETHER = 1, NW_ADDR = 2, TP_ADDR = 4, NW_PROTO = 8, IPVX = 16, ARP_SHA = 32, ARP_THA = 64;
const IPV6 = 128, ND_TARGET = 256, MPLS = 512, CT_TP = 1024;
const GROUP_OF = new Map<string, number>([
  ['dl_src', ETHER], ['dl_dst', ETHER], ['nw_src', NW_ADDR], ['nw_dst', NW_ADDR],
  ['tp_src', TP_ADDR], ['tp_dst', TP_ADDR], ['nw_proto', NW_PROTO], ['nw_tos', IPVX], ['nw_ttl', IPVX],
  ['arp_sha', ARP_SHA], ['arp_tha', ARP_THA], ['ipv6_src', IPV6], ['ipv6_dst', IPV6], ['ipv6_label', IPV6],
  ['nd_target', ND_TARGET], ['mpls_lse0', MPLS], ['ct_tp_src', CT_TP], ['ct_tp_dst', CT_TP],
]);

/** Drops from m the slots of the groups in `drop`: one pass over the few slots the match
 *  has, not a delete per slot of every group. */
function clear(m: Match, drop: number): void {
  if (drop === 0) return;
  dropping = drop;
  m.masks.forEach(deleteIfDropped);
  m.values.forEach(deleteIfDropped);
}
// The groups clear() is dropping, for the callback (no closure made per match).
let dropping = 0;
function deleteIfDropped(_v: bigint, s: string, map: Map<string, bigint>): void {
  if ((GROUP_OF.get(s) ?? 0) & dropping) map.delete(s);
}

/** Drops what OVS drops. */
export function normalizeMatch(m: Match): void {
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
  clear(m, (ether ? 0 : ETHER) | (nwAddr ? 0 : NW_ADDR) | (tpAddr ? 0 : TP_ADDR) | (nwProto ? 0 : NW_PROTO)
    | (ipvx ? 0 : IPVX) | (arpSha ? 0 : ARP_SHA) | (arpTha ? 0 : ARP_THA) | (ipv6 ? 0 : IPV6)
    | (ndTarget ? 0 : ND_TARGET) | (mpls ? 0 : MPLS));
  const tciMask = m.masks.get('vlan_tci') ?? 0n;
  if (tciMask & 0x1000n && !(val(m, 'vlan_tci') & 0x1000n)) {
    // CFI matched as 0: "no tag". The other bits then say nothing and OVS matches them all 0.
    m.values.set('vlan_tci', 0n);
    if (tciMask & ~0x1000n) m.masks.set('vlan_tci', 0xffffn);
  }
  // ct_tp_src/dst only reach the switch together with ct_nw_proto.
  if (!has(m, 'ct_nw_proto')) clear(m, CT_TP);
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
