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
// Beside the slots each set keeps what was written to it, repeats included (WRITTEN): OVS
// holds the set as that list, and a freeze keeps, restores and measures it so.
//
// Where a set runs: at the end of a pass, and at the end of a clone() or of each branch of
// check_pkt_larger, which run their own copy of it (freeze.ts finishPass) — unless the
// translation froze, when the set goes with the frozen state (freeze.ts).
import { actionByName } from '../model/actions/index.js';
import { ACTION_SET_RANK, actionSetOrder, actionSetRankOf, putInActionSet, runsAsActionSet, type ActionSetSlots } from '../model/actions/facets.js';
import type { Action } from '../model/actions/types.js';
import { ExecError, type ControllerRequest } from './exec.js';
import { listBytes } from './ofpact-size.js';
import type { Xlate } from './xlate.js';

/** The class of an action in the set. The parser refuses those OVS refuses; any other fails loudly. */
function rank(a: Action): number {
  const r = actionSetRankOf(actionByName(a.name), a);
  if (r === undefined) throw new ExecError(`${a.name}: disallowed action in action set (OFPBAC_BAD_TYPE)`);
  return r;
}

/** What was written to `set` since it was last empty, in order, repeats included. */
const WRITTEN = new WeakMap<ActionSetSlots, readonly Action[]>();

/** The translation's set as OVS holds it: every action written since the last clear_actions. */
export const writtenToActionSet = (x: Xlate): readonly Action[] => (x.actionSetEmpty ? [] : WRITTEN.get(x.actionSet) ?? []);

/** A copy of `set` (a clone's, a check_pkt_larger's, a frozen one) with what was written to it. */
export function copyActionSet(set: ActionSetSlots): ActionSetSlots {
  const copy = new Map(set);
  const w = WRITTEN.get(set);
  if (w && set.size) WRITTEN.set(copy, w);
  return copy;
}

/**
 * A thawed pass takes the frozen set back as OVS does: written anew (so actset_output is
 * worked out again from it), `Restoring action set: …` in the trace.
 */
export function restoreActionSet(x: Xlate, set: ActionSetSlots): void {
  const written = WRITTEN.get(set) ?? [];
  if (x.run.trace) x.ev({ kind: 'thaw', depth: 1, text: `Restoring action set: ${written.map((a) => x.actionText(a)).join(',')}` });
  x.actionSet = new Map();
  x.slots.delete('actset_output');
  writeToActionSet(x, written, false);
}

export function writeToActionSet(x: Xlate, actions: readonly Action[], traced = true): void {
  const before = writtenToActionSet(x);
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
  WRITTEN.set(x.actionSet, before.length ? [...before, ...actions] : actions);
  if (traced && x.run.trace) x.detail(actionSetText(x, 'is'));
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

/**
 * The end of a pass, a clone or a check_pkt_larger branch that did not freeze: the set runs
 * (`--. Executing action set:` at `depth`, its actions one deeper). After an exit OVS prints
 * the header and runs nothing.
 */
export function runActionSetAtEnd(x: Xlate, depth: number): void {
  if (!actionSetRuns(x)) return;
  x.ev({ kind: 'action-set', depth });
  if (!x.exited) executeActionSet(x, depth + 1);
}

/** Runs the action set. */
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

/**
 * What real ovs-vswitchd 3.1 does instead of going on: it aborts (an assertion fails), so
 * the packet is never forwarded and every bridge of the process stops until it restarts.
 * ctflow stops the run with this error rather than pretend the switch forwarded it.
 */
export class VswitchdAbort extends ExecError {}

/**
 * OVS 3.1 asserts, freezing a translation (recirc_alloc_id__), that the action set takes no
 * more bytes than the frozen actions (action_set_len <= ofpacts_len); else the process
 * aborts. `frozen`: the frozen actions' bytes, ignoring `unknown` ones (each at least 8).
 */
export function checkFrozenSetFits(x: Xlate, what: string, frozen: number, unknown: readonly string[] = []): void {
  const written = writtenToActionSet(x);
  if (!written.length) return;
  const { bytes, unsized } = listBytes(written);
  const cannotSize = (held: string) => new ExecError(`${what} freezes the translation ${held}, whose size in OVS 3.1 ctflow does not know: it cannot tell whether ovs-vswitchd aborts here (recirc_alloc_id__ asserts action_set_len <= ofpacts_len)`);
  if (unsized.length) throw cannotSize(`while the action set holds ${unsized[0].name}`);
  if (bytes <= frozen + 8 * unknown.length) return; // each action takes 8 bytes at least
  if (unknown.length) throw cannotSize(`with ${unknown.join(', ')}`);
  const set = written.map((a) => x.actionText(a)).join(',');
  throw new VswitchdAbort(`ovs-vswitchd 3.1 aborts here: ${what} freezes the translation while the action set holds ${set} (${bytes} bytes) and the actions frozen with it take ${frozen}; `
    + 'the assertion action_set_len <= ofpacts_len in recirc_alloc_id__() fails and the whole process dies (every bridge stops forwarding). '
    + 'Empty the set with clear_actions before it, or write the set after the recirculation');
}
