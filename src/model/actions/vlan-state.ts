// The VLAN tag state OVS tracks while it checks an action list (ofpacts_check updates a
// copy of the match): push_vlan and mod_vlan_* mark a tag present, strip_vlan removes it.
// OpenFlow 1.5 dumps depend on it: mod_vlan_vid on an untagged packet prints as
// `push_vlan:0x8100,set_field:…->vlan_vid`.
import type { Match } from '../match.js';

const VLAN_CFI = 0x1000n;

export function hasVlan(m: Match): boolean {
  return ((m.values.get('vlan_tci') ?? 0n) & (m.masks.get('vlan_tci') ?? 0n) & VLAN_CFI) !== 0n;
}

/** Marks a tag present (push_vlan, mod_vlan_*), or sets the whole TCI (set_field vlan_tci). */
export function setVlanTci(m: Match, tci: bigint | 'tagged'): void {
  if (tci === 'tagged') {
    m.values.set('vlan_tci', (m.values.get('vlan_tci') ?? 0n) | VLAN_CFI);
    m.masks.set('vlan_tci', (m.masks.get('vlan_tci') ?? 0n) | VLAN_CFI);
  } else {
    m.values.set('vlan_tci', tci);
    m.masks.set('vlan_tci', 0xffffn);
  }
}

/** strip_vlan / pop_vlan: OVS models one level of tags, so none is left. */
export function popVlan(m: Match): void {
  m.values.set('vlan_tci', 0n);
  m.masks.set('vlan_tci', 0xffffn);
}

/** The IP protocol the match pins down (6 tcp, 17 udp, 132 sctp), or null. */
export function ipProto(m: Match): number | null {
  const dl = m.masks.get('dl_type') === 0xffffn ? m.values.get('dl_type') : undefined;
  if (dl !== 0x800n && dl !== 0x86ddn) return null;
  return m.masks.get('nw_proto') === 0xffn ? Number(m.values.get('nw_proto') ?? 0n) : null;
}
