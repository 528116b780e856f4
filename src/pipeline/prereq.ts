// Whether a packet has a field at all (OVS's mf_are_prereqs_ok on a flow): ip_src needs
// an IPv4 packet, tcp_src a TCP one. The match-side check (field-prereq.ts) reads a
// match; a packet is a match whose every field is exact.
import { prereqMet } from '../model/actions/field-prereq.js';
import type { FieldSpec, Prereq } from '../model/fields.js';
import type { Match } from '../model/match.js';
import type { Slots } from './odp.js';
import { wordOf, type SlotStore } from '../packet/slots.js';

const EXACT = new Map<string, bigint>([['dl_type', 0xffffn], ['nw_proto', 0xffn], ['tp_src', 0xffffn], ['vlan_tci', 0xffffn],
  ['ct_state', 0xffn], ['packet_type', 0xffffffffn]]);
// One match, refilled from the packet when the words it reads change (this runs for field
// writes that have prerequisites), with the answers given for those words.
const PACKET: Match = { values: new Map(), masks: EXACT };
/** The slots a prerequisite reads: a run of writes to none of them has the same answer throughout. */
export const PREREQ_SLOTS: ReadonlySet<string> = new Set(EXACT.keys());
const KEY_WORDS = [...EXACT.keys()].map(wordOf);
const lastKey = KEY_WORDS.map(() => -1);
const answers = new Map<Prereq, boolean>();

function has(p: Prereq, s: SlotStore): boolean {
  const w = s.w;
  let same = true;
  for (let i = 0; i < KEY_WORDS.length; i++) {
    const v = w[KEY_WORDS[i]] | 0;
    if (v !== lastKey[i]) { same = false; lastKey[i] = v; }
  }
  if (!same) {
    for (const k of EXACT.keys()) PACKET.values.set(k, s.get(k));
    answers.clear();
  }
  let ok = answers.get(p);
  if (ok === undefined) { ok = prereqMet(PACKET, p); answers.set(p, ok); }
  return ok;
}

export function fieldPrereqOk(f: FieldSpec, s: Slots): boolean {
  return f.prereq === 'none' || has(f.prereq, s);
}

/** Whether the packet has every one of `ps` (the prerequisites of a run of constant writes, prepared.ts). */
export function packetHasAll(ps: readonly Prereq[], s: SlotStore): boolean {
  for (const p of ps) if (!has(p, s)) return false;
  return true;
}
