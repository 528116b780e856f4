// How many bytes OVS 3.1 holds an action in (its in-memory `struct ofpact_*`, padded to 8
// bytes, on a 64-bit build). ctflow needs this for one thing: when a translation freezes
// (ct(table=N), a dp_hash select group, controller(pause), the recirculation after
// pop_mpls) OVS keeps the action set beside the frozen actions and asserts that the set
// takes no more bytes than they do (recirc_alloc_id__); when it does, ovs-vswitchd aborts.
// The action set counts every write_actions since the last clear_actions, repeats too.
//
// The sizes are sizeof() of OVS 3.1's structures (compiled against its headers) and the
// variable parts its parser appends: a set_field holds its value and mask, each padded to
// 8 bytes; dec_ttl a 2-byte controller id per id (one, 0, when none is given); controller
// its userdata; clone, ct and write_actions their nested actions. Checked against real
// ovs-vswitchd 3.1: test/oracle/actset-freeze/ (sets of 24 bytes beside 24 frozen live,
// of 32 die). A name missing here is unknown: the check then fails loudly.
import { actionByName } from '../model/actions/index.js';
import { heldAsSetField, type SetFieldArgs } from '../model/actions/set_field.js';
import type { Action } from '../model/actions/types.js';

const align = (n: number): number => (n + 7) & ~7;

/** The frozen `unroll_xlate` marker (struct ofpact_unroll_xlate). */
export const UNROLL_XLATE_BYTES = 16;

/** A field write (set_field, load, and the OpenFlow 1.0 writes the switch keeps as their own action). */
function writeBytes(a: SetFieldArgs): number {
  if (heldAsSetField(a)) return 16 + 2 * align(Math.ceil(a.field.bits / 8));
  return a.field.bits === 48 ? 16 : 8; // struct ofpact_mac; the others (ipv4, dscp, ttl, l4 port, vlan) are 8
}

type Size = (args: never) => number;
const fixed = (n: number): Size => () => n;

/** Bytes of each action by name; nested actions (clone, ct, write_actions) are added by ofpactBytes. */
const SIZES = new Map<string, Size>([
  ['output', ((a: { kind: string }) => (a.kind === 'reg' ? 24 : 16)) as Size],
  ['enqueue', fixed(16)], ['resubmit', fixed(16)], ['group', fixed(8)],
  ['controller', ((a: { userdata: number[] }) => align(24 + a.userdata.length)) as Size],
  ['ct', fixed(32)], ['nat', fixed(48)], ['ct_clear', fixed(8)],
  ['clone', fixed(8)], ['write_actions', fixed(8)], ['clear_actions', fixed(8)],
  ['strip_vlan', fixed(8)], ['push_vlan', fixed(8)], ['push_mpls', fixed(8)], ['pop_mpls', fixed(8)],
  ['dec_ttl', ((a: { ids: number[] | null }) => align(8 + 2 * (a.ids?.length || 1))) as Size],
  ['dec_mpls_ttl', fixed(8)], ['dec_nsh_ttl', fixed(8)],
  ['set_queue', fixed(8)], ['pop_queue', fixed(8)], ['set_tunnel', fixed(16)], ['set_tunnel64', fixed(16)],
  ['set_mpls_label', ((a: { setField?: boolean }) => (a.setField ? 32 : 8)) as Size],
  ['set_mpls_tc', ((a: { setField?: boolean }) => (a.setField ? 32 : 8)) as Size],
  ['set_mpls_ttl', ((a: { setField?: boolean }) => (a.setField ? 32 : 8)) as Size],
  ['move', fixed(40)], ['push', fixed(24)], ['pop', fixed(24)], ['multipath', fixed(40)],
  ['fin_timeout', fixed(8)], ['meter', fixed(16)], ['exit', fixed(8)], ['drop', fixed(0)],
  ['decap', fixed(8)], ['check_pkt_larger', fixed(32)], ['sample', fixed(32)], ['delete_field', fixed(16)],
  ['debug_recirc', fixed(8)], ['debug_slow', fixed(8)],
]);

/** Bytes OVS 3.1 holds `a` in, nested actions included; undefined when ctflow does not know. */
export function ofpactBytes(a: Action): number | undefined {
  const args = a.args as SetFieldArgs | null;
  if (args && typeof args === 'object' && 'load' in args && 'field' in args) return writeBytes(args);
  const size = SIZES.get(a.name);
  if (!size) return undefined;
  let n = (size as (args: unknown) => number)(a.args);
  for (const inner of actionByName(a.name)?.nested?.(a.args as never) ?? []) {
    const m = ofpactBytes(inner);
    if (m === undefined) return undefined;
    n += m;
  }
  return n;
}
