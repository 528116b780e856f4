// The OpenFlow 1.1+ action set (write_actions / clear_actions), run when the pipeline ends,
// as OVS 3.1 runs it. Each action's actionSetRank (src/model/actions/facets.ts) gives its
// class: a kind that keeps one place (pops, decap, encap, pushes, TTL decrements: the last
// one written holds it), a field write (every one kept, in the order written), or a
// "final" action (ct, ct_clear, resubmit, output, group). The set runs only when it holds
// a final action, and then runs just one: the highest class, of one class the last
// written. So a group replaces the output, and an output wins over a ct().
// OVS runs each group bucket's actions by the same rules (bucketAsActionSet).
//
// The set is kept as slots (ActionSetSlots); the choice of what runs lives in facets.ts,
// shared with lint (src/lint/actions.ts), which reads write_actions and buckets the same way.
import { actionByName } from '../model/actions/index.js';
import { ACTION_SET_RANK, actionSetOrder, actionSetRankOf, putInActionSet, runsAsActionSet } from '../model/actions/facets.js';
import type { Action } from '../model/actions/types.js';
import { ExecError, type ControllerRequest } from './exec.js';
import type { Xlate } from './xlate.js';

/** The class of an action in the set. The parser refuses those OVS refuses; any other fails loudly. */
function rank(a: Action): number {
  const r = actionSetRankOf(actionByName(a.name), a);
  if (r === undefined) throw new ExecError(`${a.name}: disallowed action in action set (OFPBAC_BAD_TYPE)`);
  return r;
}

export function writeToActionSet(x: Xlate, actions: Action[]): void {
  // OVS keeps the set's output port in the packet's actset_output field, but only while
  // the set has no group: a group written (before or in this list, until clear_actions)
  // leaves actset_output unset, since the group replaces the output.
  const held = x.actionSet.get('final');
  if (!held || rank(held) !== ACTION_SET_RANK.group) {
    for (const a of actions) {
      if (rank(a) === ACTION_SET_RANK.group) { x.slots.delete('actset_output'); break; }
      const port = actionByName(a.name)?.outputPort?.(a.args);
      if (port != null) x.slots.set('actset_output', BigInt(port));
    }
  }
  for (const a of actions) putInActionSet(x.actionSet, a, rank(a), rank);
  if (x.run.trace) x.detail(actionSetText(x, 'is'));
}

/** The trace's `action set is: …` / `action set was: …`: what the set would run, or empty. */
export function actionSetText(x: Xlate, verb: 'is' | 'was'): string {
  const list = actionSetOrder(x.actionSet);
  return list.length ? `action set ${verb}: ${list.map((a) => x.actionText(a)).join(',')}` : `action set ${verb} empty`;
}

/** True when the set would run something at the end of the pipeline. */
export const actionSetRuns = (x: Xlate): boolean => !x.actionSetEmpty && x.actionSet.has('final');

/**
 * A group bucket's actions as OVS 3.1 runs them: as an action set of their own (so in the
 * set's order, only the last of one kind, only one final action, nothing without one).
 * What an action set cannot hold (note, learn, clone…) the switch keeps in the bucket but
 * never runs. Kept per bucket: the same list runs for every packet.
 */
export function bucketAsActionSet(actions: readonly Action[]): readonly Action[] {
  let list = BUCKETS.get(actions);
  if (!list) {
    list = runsAsActionSet(actions, (a) => actionSetRankOf(actionByName(a.name), a));
    BUCKETS.set(actions, list);
    BUCKET_LISTS.add(list);
  }
  return list;
}

const BUCKETS = new WeakMap<readonly Action[], Action[]>();
const BUCKET_LISTS = new WeakSet<readonly Action[]>();

/** Translations running their action set (and all it resubmits to). */
const RUNNING = new WeakSet<Xlate>();

/** Runs the action set at the end of the pipeline. */
export function executeActionSet(x: Xlate, depth: number): void {
  const list = actionSetOrder(x.actionSet);
  x.actionSet.clear();
  RUNNING.add(x);
  try { x.executeList(list, depth); } finally { RUNNING.delete(x); }
}

/**
 * The reason of a packet-in sent by an output to CONTROLLER (which is what a plain
 * controller is in OpenFlow 1.1+), as OVS gives it: group when the output is in a bucket's
 * own list, else action_set while the action set runs (and all it resubmits to).
 */
export function packetInFromSet(x: Xlate, req: ControllerRequest): ControllerRequest {
  const plain = req.reason === 'action' && !req.controllerId && !req.userdata.length && !req.pause && req.meterId === null;
  if (!plain) return req;
  if (BUCKET_LISTS.has(x.curList)) return { ...req, reason: 'group' };
  return RUNNING.has(x) ? { ...req, reason: 'action_set' } : req;
}
