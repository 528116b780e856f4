// The action set as lint follows it along a path (reach.ts). OVS 3.1 keeps one set per
// translation: write_actions adds to it, clear_actions empties it, and every table the
// packet is resubmitted or goes to shares it; it runs once, when the pass ends (and at
// the end of a clone(), on the clone's copy: test/oracle/lint-actset/clone-runs-set).
// Only its final action moves the packet on (group > output > resubmit > ct_clear > ct,
// facets.ts), so lint keeps that one, who wrote it, and whether the set holds anything at
// all (and who wrote last): a ct() that recirculates while it does aborts ovs-vswitchd 3.1
// (test/oracle/lint-actset/ct-fork-*).
import type { Action } from '../model/actions/types.js';
import type { Flow } from '../model/flow.js';
import { finalRank } from './actions.js';
import { addBytes, type Bytes } from './frozen-bytes.js';

export interface HeldSet {
  /** The final action the set would run, or null. */
  final: Action | null;
  /** The flow whose write_actions put it there. */
  by: Flow | null;
  /** The flow that last added an action (a final one or not); null: the set is empty. */
  held: Flow | null;
  /** The bytes it takes in OVS 3.1 (frozen-bytes.ts), or why lint cannot say. */
  bytes: Bytes;
}

export const EMPTY_SET: HeldSet = { final: null, by: null, held: null, bytes: 0 };

/** The set after `flow` writes a list whose own winner is `final` (`adds`: the list is not empty). */
export function written(set: HeldSet, flow: Flow, w: { final: Action | null; adds: boolean; bytes: Bytes }): HeldSet {
  if (!w.adds) return set;
  const bytes = addBytes(set.bytes, w.bytes);
  // As putInActionSet: a final of the same or a higher class replaces the one held.
  if (w.final && (!set.final || finalRank(set.final) <= finalRank(w.final))) return { final: w.final, by: flow, held: flow, bytes };
  return { ...set, held: flow, bytes };
}

/** Numbers actions for state keys (the same action object: the same final). */
export class ActionIds {
  private ids = new Map<Action, number>();
  of(a: Action | null): number {
    if (!a) return 0;
    let id = this.ids.get(a);
    if (id === undefined) this.ids.set(a, (id = this.ids.size + 1));
    return id;
  }
  /** A set's key: paths whose sets differ only in who wrote them run the same (their sizes may not freeze alike). */
  setKey(s: HeldSet): string { return `${this.of(s.final)}${s.held ? '+' + s.bytes : ''}`; }
}
