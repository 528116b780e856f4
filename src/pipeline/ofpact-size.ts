// How many bytes OVS 3.1 holds an action list in. ctflow needs this for one thing: when a
// translation freezes (ct(table=N), a dp_hash select group, controller(pause), the
// recirculation after pop_mpls) OVS keeps the action set beside the frozen actions and
// asserts that the set takes no more bytes than they do (recirc_alloc_id__); when it does,
// ovs-vswitchd aborts. The action set counts every write_actions since the last
// clear_actions, repeats too. Each action says its own size (heldBytes, beside its other
// facets); checked against real ovs-vswitchd 3.1 in test/oracle/actset-freeze/ (sets of
// 24 bytes beside 24 frozen live, of 32 die). An action without a size is unknown: the
// check then fails loudly.
import { actionByName } from '../model/actions/index.js';
import type { Action } from '../model/actions/types.js';

/** The frozen `unroll_xlate` marker (struct ofpact_unroll_xlate). */
export const UNROLL_XLATE_BYTES = 16;

/** The bytes of a list, and the actions in it ctflow cannot size (not counted). */
export function listBytes(actions: Iterable<Action>): { bytes: number; unsized: Action[] } {
  let bytes = 0;
  const unsized: Action[] = [];
  for (const a of actions) {
    const n = ofpactBytes(a);
    if (n === undefined) unsized.push(a); else bytes += n;
  }
  return { bytes, unsized };
}

/** Bytes OVS 3.1 holds `a` in, nested actions included; undefined when ctflow does not know. */
export function ofpactBytes(a: Action): number | undefined {
  const spec = actionByName(a.name);
  const own = spec?.heldBytes?.(a.args);
  if (own === undefined) return undefined;
  let n = own;
  for (const inner of spec?.nested?.(a.args) ?? []) {
    const m = ofpactBytes(inner);
    if (m === undefined) return undefined;
    n += m;
  }
  return n;
}
