// Bytes in OVS 3.1's terms for freeze-with-action-set (src/pipeline/ofpact-size.ts): what
// the action set takes (every write_actions since the last clear_actions, repeats too)
// and what a dp_hash select group freezes with it. OVS asserts the set takes no more than
// the frozen actions (recirc_alloc_id__) and aborts otherwise; recorded in
// test/oracle/actset-freeze/dp-hash-set-* and test/oracle/lint-actset/dp-hash-group-*.
import type { Action } from '../model/actions/types.js';
import { asFrozen } from '../pipeline/freeze.js';
import { listBytes as sizeList, ofpactBytes, UNROLL_XLATE_BYTES } from '../pipeline/ofpact-size.js';

/** A size in bytes, or why lint cannot give one (an action ctflow cannot size, a set that grows past SET_BYTES_CAP). */
export type Bytes = number | string;

/**
 * Past this many bytes lint stops counting a set or a frozen list (a write_actions in a
 * resubmit loop would grow the set on every round).
 */
export const SET_BYTES_CAP = 1024;

const unsized = (a: Action): string => `${a.name}, whose size in OVS 3.1 ctflow does not know`;

/** The bytes of the actions a write_actions adds to the set. */
export function listBytes(actions: readonly Action[]): Bytes {
  const s = sizeList(actions);
  return s.unsized.length ? unsized(s.unsized[0]) : s.bytes;
}

/** `held` and `more` together (a set and what a write adds, a list's rest and its callers'). */
export function addBytes(held: Bytes, more: Bytes): Bytes {
  if (typeof held === 'string') return held;
  if (typeof more === 'string') return more;
  return held + more > SET_BYTES_CAP ? `more than ${SET_BYTES_CAP} bytes, where lint stops counting` : held + more;
}

/**
 * What OVS freezes for each tail of a list run by one flow of `table`: [i] for
 * `actions[i..]`. Each action as it resumes (freeze.ts asFrozen), an `unroll_xlate`
 * marker before the first that reports its table (one flow: table and cookie do not
 * change after it; a list's rest frozen after a resubmit to another table gets its own).
 */
export function frozenTails(actions: readonly Action[], table: number): readonly Bytes[] {
  let tails = TAILS.get(actions);
  if (tails) return tails;
  const out: Bytes[] = new Array(actions.length + 1);
  let n: Bytes = 0, reports = false;
  out[actions.length] = 0;
  for (let i = actions.length - 1; i >= 0; i--) {
    const fa = asFrozen(actions[i], table);
    if (fa && typeof n === 'number') {
      const b = ofpactBytes(fa.action);
      // The one marker goes before the first reporting action: counted once, wherever it is.
      n = b === undefined ? unsized(fa.action) : n + b + (fa.reports && !reports ? UNROLL_XLATE_BYTES : 0);
      reports ||= fa.reports;
    }
    out[i] = n;
  }
  TAILS.set(actions, (tails = out));
  return tails;
}

/** A flow's lists are sized once (a list belongs to one flow, so to one table). */
const TAILS = new WeakMap<readonly Action[], readonly Bytes[]>();
