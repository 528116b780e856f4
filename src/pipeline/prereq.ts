// Whether a packet has a field at all (OVS's mf_are_prereqs_ok on a flow): ip_src needs
// an IPv4 packet, tcp_src a TCP one. The match-side check (field-prereq.ts) reads a
// match; a packet is a match whose every field is exact.
import { prereqMet } from '../model/actions/field-prereq.js';
import type { FieldSpec } from '../model/fields.js';
import type { Match } from '../model/match.js';
import type { Slots } from './odp.js';

const EXACT = new Map<string, bigint>([['dl_type', 0xffffn], ['nw_proto', 0xffn], ['tp_src', 0xffffn], ['vlan_tci', 0xffffn],
  ['ct_state', 0xffn], ['packet_type', 0xffffffffn]]);
// One match, refilled from the packet per question (this runs for field writes that have prerequisites).
const PACKET: Match = { values: new Map(), masks: EXACT };

export function fieldPrereqOk(f: FieldSpec, s: Slots): boolean {
  if (f.prereq === 'none') return true;
  for (const k of EXACT.keys()) PACKET.values.set(k, s.get(k));
  return prereqMet(PACKET, f.prereq);
}
