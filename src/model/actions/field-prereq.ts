// Whether a flow's match satisfies a field's prerequisites, as OVS checks them when an
// action reads a field (mf_check_src) or writes one (mf_check_dst): `learn`, `ct(zone=…)`
// and `check_pkt_larger` refuse fields the packet may not have (OFPBAC_MATCH_INCONSISTENT).
import { ones } from '../bits.js';
import type { FieldSpec, Prereq } from '../fields.js';
import type { Match } from '../match.js';

// ones(): the precomputed all-ones mask (this runs for every load/set_field of a dump).
const exact = (m: Match, slot: string, bits: number): bigint | null =>
  m.masks.get(slot) === ones(bits) ? m.values.get(slot) ?? 0n : null;

const IP = 0x0800n, IPV6 = 0x86ddn;

/** The packet has an Ethernet header: its packet_type is Ethernet or not matched (after
 *  encap(nsh) a flow's later actions see an NSH packet, which has none). */
export const ethernet = (m: Match): boolean => {
  const pt = exact(m, 'packet_type', 32);
  return pt === null || pt === 0n;
};

/** No ethertype: OVS's FLOW_DL_TYPE_NONE, what a packet type outside namespace 1 gives. */
const DL_TYPE_NONE = 0x5ffn;

/**
 * The ethertype the match pins down, as OVS's get_dl_type reads it: an L3 packet type
 * (namespace 1, e.g. packet_type=(1,0x800)) gives its type, another non-Ethernet one none.
 */
function dlType(m: Match): bigint | null {
  const pt = exact(m, 'packet_type', 32);
  if (pt === null || pt === 0n) return exact(m, 'dl_type', 16);
  return pt >> 16n === 1n ? pt & 0xffffn : DL_TYPE_NONE;
}

export function prereqMet(m: Match, p: Prereq): boolean {
  const dl = dlType(m);
  const proto = exact(m, 'nw_proto', 8);
  const ipAny = dl === IP || dl === IPV6;
  const icmp6Type = () => (dl === IPV6 && proto === 58n ? exact(m, 'tp_src', 16) : null);
  switch (p) {
    case 'none': return true;
    case 'eth': return ethernet(m);
    case 'vlan': return ethernet(m) && ((m.values.get('vlan_tci') ?? 0n) & (m.masks.get('vlan_tci') ?? 0n) & 0x1000n) !== 0n;
    case 'mpls': return dl === 0x8847n || dl === 0x8848n;
    case 'ip': return ipAny;
    case 'ipv4': return dl === IP;
    case 'ipv6': return dl === IPV6;
    case 'arp': return dl === 0x0806n || dl === 0x8035n;
    case 'tcp': return ipAny && proto === 6n;
    case 'udp': return ipAny && proto === 17n;
    case 'sctp': return ipAny && proto === 132n;
    case 'icmp4': return dl === IP && proto === 1n;
    case 'icmp6': return dl === IPV6 && proto === 58n;
    case 'nd': { const t = icmp6Type(); return t === 135n || t === 136n; }
    case 'nd_sol': return icmp6Type() === 135n;
    case 'nd_adv': return icmp6Type() === 136n;
    case 'ct': {
      // ct tuple fields need a tracked, valid connection (+trk-inv or a state implying it).
      const st = m.values.get('ct_state') ?? 0n, mask = m.masks.get('ct_state') ?? 0n;
      return (st & mask & 0x0fn) !== 0n || ((st & mask & 0x20n) !== 0n && (mask & 0x10n) !== 0n && (st & 0x10n) === 0n);
    }
    case 'nsh': return dl === 0x894fn;
  }
}

export const fieldUsable = (m: Match, f: FieldSpec): boolean => prereqMet(m, f.prereq);

/** Prerequisites of the fields OVS counts as L3 or higher: after pop_mpls, a write to one
 *  waits for the parsed packet (runsUnparsed). */
const L3_UP = new Set<Prereq>(['ip', 'ipv4', 'ipv6', 'arp', 'tcp', 'udp', 'sctp', 'icmp4', 'icmp6', 'nd', 'nd_sol', 'nd_adv', 'nsh']);
export const writesBelowL3 = (a: { field: FieldSpec }): boolean => !L3_UP.has(a.field.prereq);
