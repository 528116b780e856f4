// The OpenFlow 1.1+ action set (write_actions / clear_actions): at most one action of
// each kind (one per field for set_field), executed when the pipeline ends, in the order
// OpenFlow fixes: pops, pushes, dec_ttl, set_field, qos, then group or else output.
import type { Action } from '../model/actions/types.js';
import type { Xlate } from './xlate.js';

const RANK = new Map<string, number>([
  ['copy_ttl_in', 0], ['pop_vlan', 1], ['strip_vlan', 1], ['pop_mpls', 1], ['decap', 1],
  ['push_mpls', 2], ['push_vlan', 3], ['encap', 3], ['copy_ttl_out', 4], ['dec_ttl', 5], ['dec_mpls_ttl', 5],
  ['set_queue', 7], ['group', 8], ['output', 9],
]);
const SET_RANK = 6; // set_field, load, mod_*: everything that writes a field

/** The key under which an action sits in the set: one slot per kind, per field for set_field. */
function setKey(a: Action): string {
  const x = a.args as { field?: { name: string } } | null;
  if (RANK.has(a.name)) return a.name === 'strip_vlan' ? 'pop_vlan' : a.name;
  return x && typeof x === 'object' && x.field ? `set:${x.field.name}` : `set:${a.name}`;
}

const rank = (a: Action): number => RANK.get(a.name) ?? SET_RANK;

export function writeToActionSet(x: Xlate, actions: Action[]): void {
  // OVS keeps the action set's output port in the packet's actset_output field, but only
  // while the set has no group: a group written (before or in this list, until
  // clear_actions) leaves actset_output unset, since the group replaces the output.
  if (!x.actionSet.has('group')) {
    for (const a of actions) {
      if (a.name === 'group') { x.slots.delete('actset_output'); break; }
      const out = a.args as { kind?: string; port?: number } | null;
      if (a.name === 'output' && out?.kind === 'port' && out.port !== undefined) x.slots.set('actset_output', BigInt(out.port));
    }
  }
  for (const a of actions) x.actionSet.set(setKey(a), a);
  const shown = ordered(x).map((a) => x.actionText(a)).join(',');
  x.detail(`action set is: ${shown}`);
}

function ordered(x: Xlate): Action[] {
  // Stable sort: within one rank (set_field), the order they were written.
  return [...x.actionSet.values()].map((a, i) => ({ a, i })).sort((p, q) => rank(p.a) - rank(q.a) || p.i - q.i).map((p) => p.a);
}

/** Runs the action set at the end of the pipeline. A group replaces the output. */
export function executeActionSet(x: Xlate, depth: number): void {
  let list = ordered(x);
  if (list.some((a) => a.name === 'group')) list = list.filter((a) => a.name !== 'output');
  x.actionSet.clear();
  x.executeList(list, depth);
}
