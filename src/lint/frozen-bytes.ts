// Bytes in OVS 3.1's terms for freeze-with-action-set (src/pipeline/ofpact-size.ts): what
// the action set takes (every write_actions since the last clear_actions, repeats too)
// and what a dp_hash select group freezes with it. OVS asserts the set takes no more than
// the frozen actions (recirc_alloc_id__) and aborts otherwise; recorded in
// test/oracle/actset-freeze/dp-hash-set-* and test/oracle/lint-actset/dp-hash-group-*.
import type { Action } from '../model/actions/types.js';
import { asFrozen } from '../pipeline/freeze.js';
import { ofpactBytes, UNROLL_XLATE_BYTES } from '../pipeline/ofpact-size.js';

/** A size in bytes, or why lint cannot give one (an action ctflow cannot size, a set that grows past SET_BYTES_CAP). */
export type Bytes = number | string;

/**
 * Past this many bytes lint stops counting a set (a write_actions in a resubmit loop
 * would grow it on every round): no frozen list comes near it.
 */
export const SET_BYTES_CAP = 1024;

const unsized = (a: Action): string => `${a.name}, whose size in OVS 3.1 ctflow does not know`;

/** The bytes of the actions a write_actions adds to the set. */
export function listBytes(actions: readonly Action[]): Bytes {
  let n = 0;
  for (const a of actions) {
    const b = ofpactBytes(a);
    if (b === undefined) return unsized(a);
    n += b;
  }
  return n;
}

/** The set after adding `more` to `held`. */
export function addBytes(held: Bytes, more: Bytes): Bytes {
  if (typeof held === 'string') return held;
  if (typeof more === 'string') return more;
  return held + more > SET_BYTES_CAP ? `a set past ${SET_BYTES_CAP} bytes` : held + more;
}

/**
 * What OVS freezes for `actions[from..]`, run by one flow of `table`: each action as it
 * resumes (freeze.ts asFrozen), an `unroll_xlate` marker before the first that reports
 * its table (one flow: table and cookie do not change after it).
 */
export function frozenListBytes(actions: readonly Action[], from: number, table: number): Bytes {
  let n = 0, marked = false;
  for (let i = from; i < actions.length; i++) {
    const fa = asFrozen(actions[i], table);
    if (!fa) continue;
    if (fa.reports && !marked) { n += UNROLL_XLATE_BYTES; marked = true; }
    const b = ofpactBytes(fa.action);
    if (b === undefined) return unsized(fa.action);
    n += b;
  }
  return n;
}
