// The OpenFlow 1.1+ action set (write_actions / clear_actions): at most one action per
// slot (one per field for set_field), executed when the pipeline ends, in the order of
// each action's actionSetRank (src/model/actions/facets.ts): pops, pushes, dec_ttl,
// set_field, qos, then group or else output.
import { actionByName } from '../model/actions/index.js';
import { ACTION_SET_RANK } from '../model/actions/facets.js';
import type { Action, ActionSpec } from '../model/actions/types.js';
import { ExecError } from './exec.js';
import type { Xlate } from './xlate.js';

/** The spec of an action written to the set; one the set does not take fails, naming it. */
function ranked(a: Action): ActionSpec & { actionSetRank: number } {
  const spec = actionByName(a.name);
  if (spec?.actionSetRank === undefined) {
    // OVS refuses most such actions there (OFPBAC_BAD_TYPE) and runs ct, ct_clear and
    // resubmit by a rule of their own ("final" actions) that ctflow does not emulate.
    throw new ExecError(`${a.name} in an action set (write_actions) is not supported by ctflow's interpreter`);
  }
  return spec as ActionSpec & { actionSetRank: number };
}

const rank = (a: Action): number => actionByName(a.name)!.actionSetRank!;

/** The slot an action fills: one per kind, per field for set_field. */
function setKey(a: Action): string {
  const spec = ranked(a);
  return spec.actionSetKey ? spec.actionSetKey(a.args) : spec.name;
}

export function writeToActionSet(x: Xlate, actions: Action[]): void {
  // OVS keeps the action set's output port in the packet's actset_output field, but only
  // while the set has no group: a group written (before or in this list, until
  // clear_actions) leaves actset_output unset, since the group replaces the output.
  if (!hasGroup(x.actionSet.values())) {
    for (const a of actions) {
      const spec = ranked(a);
      if (spec.actionSetRank === ACTION_SET_RANK.group) { x.slots.delete('actset_output'); break; }
      const port = spec.outputPort?.(a.args);
      if (port != null) x.slots.set('actset_output', BigInt(port));
    }
  }
  for (const a of actions) x.actionSet.set(setKey(a), a);
  const shown = ordered(x).map((a) => x.actionText(a)).join(',');
  x.detail(`action set is: ${shown}`);
}

function hasGroup(list: Iterable<Action>): boolean {
  for (const a of list) if (rank(a) === ACTION_SET_RANK.group) return true;
  return false;
}

function ordered(x: Xlate): Action[] {
  // Stable sort: within one rank (set_field), the order they were written.
  return [...x.actionSet.values()].map((a, i) => ({ a, i })).sort((p, q) => rank(p.a) - rank(q.a) || p.i - q.i).map((p) => p.a);
}

/** Runs the action set at the end of the pipeline. A group replaces the output. */
export function executeActionSet(x: Xlate, depth: number): void {
  let list = ordered(x);
  if (hasGroup(list)) list = list.filter((a) => rank(a) !== ACTION_SET_RANK.output);
  x.actionSet.clear();
  x.executeList(list, depth);
}
