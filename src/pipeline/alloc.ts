// Per-packet arrays are made as copies of an empty array rather than `[]` literals. V8
// tracks each literal's allocation site and, when a major GC happens to find a burst of
// them alive (a pass in flight), decides to allocate them straight in the old generation
// ("pretenuring") for good: every packet then feeds the major GC. On the OVN benchmark
// that was 2.5x the time per packet. A copy made by slice() has no allocation site.
// Not frozen: slice() of a frozen array leaves V8's fast path (measured: 9% of a packet).
// Typed readonly so that nothing writes to it.
//
// Its elements kind is V8's generic one (it held an object once): an empty array copied
// from `[]` starts as small integers and changes kind at its first push of an object or a
// string, which most of these arrays get (flows, events, datapath actions); that change
// kept V8 from inlining the push (Array.prototype.push was 4-7% of a packet).
const NONE: readonly never[] = (() => { const a: unknown[] = [{}]; a.length = 0; return a as never[]; })();

/** A new empty array (no allocation site: see above). */
export const fresh = <T>(): T[] => NONE.slice();

/** An empty list that is never written. */
export const EMPTY: readonly never[] = NONE;
