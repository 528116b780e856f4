// set_field/load of a constant and move between subfields, compiled once per action to
// word operations on the packet (packet/slots.ts). OVN writes single bits of xxreg0 and
// whole registers dozens of times per packet; the generic path would shift bigints
// segment by segment every time.
import type { FieldSpec } from '../model/fields.js';
import { orSegs, wordRef, writeSegs, type WordRef } from '../packet/field-io.js';
import { SlotStore, N_CORE, N_WORDS, zeros, type Words } from '../packet/slots.js';
import type { SubfieldRef } from './exec.js';

/**
 * A constant write: per word touched, its index, the bits written and their new value,
 * packed in one array (three arrays were three bounds-checked loads per word); `last`
 * is the highest word, which a packet's array must reach when it is a rare one.
 */
export interface WordWrites { ops: Int32Array; rare: boolean; last: number }

// Keyed by the action's arguments (immutable IR shared by every packet).
const SET_PLANS = new WeakMap<object, WordWrites | null>();
const MOVE_PLANS = new WeakMap<object, { s: WordRef; d: WordRef } | null>();

function compileSet(f: FieldSpec, value: bigint, mask: bigint): WordWrites | null {
  if (f.set) return null; // VLAN-style fields decide their own bits: the generic path
  const v = new SlotStore(zeros(N_WORDS)), m = new SlotStore(zeros(N_WORDS));
  writeSegs(v, f.segs, value, mask);
  orSegs(m, f.segs, mask);
  const ops: number[] = [];
  m.w.forEach((mw, i) => { if (mw) ops.push(i, mw, v.w[i] & mw); });
  const last = ops.length ? ops[ops.length - 3] : 0;
  return { ops: Int32Array.from(ops), rare: last >= N_CORE, last };
}

/** A field write; set_field/load/mod_* args also say how the switch holds them (heldAsSetField). */
export type SetArgs = { field: FieldSpec; value: bigint; mask: bigint; load?: boolean; legacy?: boolean; setField?: boolean };

/** The word writes of a set_field/load of a constant (null: not compilable), made once per action. */
export function setPlanOf(a: SetArgs): WordWrites | null {
  let p = SET_PLANS.get(a);
  if (p === undefined) { p = compileSet(a.field, a.value, a.mask); SET_PLANS.set(a, p); }
  return p;
}

/**
 * One write doing what `plans` do one after the other: per word, the bits any of them
 * writes and the value the last writer leaves (a run of loads, as OVN's tables begin
 * with, then costs one pass over the words it touches).
 */
export function mergeSets(plans: readonly WordWrites[]): WordWrites {
  const byWord = new Map<number, { m: number; v: number }>();
  for (const p of plans) {
    for (let i = 0; i < p.ops.length; i += 3) {
      const k = p.ops[i], m = p.ops[i + 1], v = p.ops[i + 2];
      const o = byWord.get(k) ?? { m: 0, v: 0 };
      byWord.set(k, { m: o.m | m, v: (o.v & ~m) | v });
    }
  }
  const words = [...byWord.keys()].sort((a, b) => a - b);
  const ops = words.flatMap((k) => [k, byWord.get(k)!.m, byWord.get(k)!.v]);
  const last = words.length ? words[words.length - 1] : 0;
  return { ops: Int32Array.from(ops), rare: last >= N_CORE, last };
}

/** Applies a compiled constant write to `slots`, marking its bits in `wc`. */
export function applySet(p: WordWrites, slots: SlotStore, wc: SlotStore): void {
  if (p.rare) { reachAll(slots, p.last); reachAll(wc, p.last); }
  const w: Words = slots.w, c: Words = wc.w, ops = p.ops;
  for (let i = 0; i < ops.length; i += 3) {
    const k = ops[i], m = ops[i + 1];
    w[k] = (w[k] & ~m) | ops[i + 2];
    c[k] |= m;
  }
}

function reachAll(s: SlotStore, last: number): void {
  while (s.w.length <= last) s.w.push(0);
}

/** move:SRC->DST when both lie inside one word each; false: take the generic path. */
export function moveWords(a: { src: SubfieldRef; dst: SubfieldRef }, slots: SlotStore, wc: SlotStore): boolean {
  let p = MOVE_PLANS.get(a);
  if (p === undefined) {
    const s = wordRef(a.src.field, a.src.ofs, a.src.bits), d = wordRef(a.dst.field, a.dst.ofs, a.dst.bits);
    p = s && d && !a.dst.field.set ? { s, d } : null;
    MOVE_PLANS.set(a, p);
  }
  if (!p) return false;
  const w = slots.w, { s, d } = p;
  const m = d.mask << d.shift;
  w[d.word] = (w[d.word] & ~m) | ((((w[s.word] >>> s.shift) & s.mask) << d.shift) & m);
  wc.w[d.word] |= m;
  return true;
}
