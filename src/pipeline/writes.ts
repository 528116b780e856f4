// set_field/load of a constant and move between subfields, compiled once per action to
// word operations on the packet (packet/slots.ts). OVN writes single bits of xxreg0 and
// whole registers dozens of times per packet; the generic path would shift bigints
// segment by segment every time.
import type { FieldSpec } from '../model/fields.js';
import { orSegs, wordRef, writeSegs, type WordRef } from '../packet/field-io.js';
import { SlotStore, N_CORE, N_WORDS, zeros, type Words } from '../packet/slots.js';
import type { SubfieldRef } from './exec.js';

/** A constant write: per word touched, the bits written and their new value. */
export interface WordWrites { word: number[]; mask: number[]; val: number[]; rare: boolean }

// Keyed by the action's arguments (immutable IR shared by every packet).
const SET_PLANS = new WeakMap<object, WordWrites | null>();
const MOVE_PLANS = new WeakMap<object, { s: WordRef; d: WordRef } | null>();

function compileSet(f: FieldSpec, value: bigint, mask: bigint): WordWrites | null {
  if (f.set) return null; // VLAN-style fields decide their own bits: the generic path
  const v = new SlotStore(zeros(N_WORDS)), m = new SlotStore(zeros(N_WORDS));
  writeSegs(v, f.segs, value, mask);
  orSegs(m, f.segs, mask);
  const out: WordWrites = { word: [], mask: [], val: [], rare: false };
  m.w.forEach((mw, i) => {
    if (!mw) return;
    out.word.push(i); out.mask.push(mw); out.val.push(v.w[i] & mw);
  });
  out.rare = out.word.some((i) => i >= N_CORE);
  return out;
}

export type SetArgs = { field: FieldSpec; value: bigint; mask: bigint };

/** The word writes of a set_field/load of a constant (null: not compilable), made once per action. */
export function setPlanOf(a: SetArgs): WordWrites | null {
  let p = SET_PLANS.get(a);
  if (p === undefined) { p = compileSet(a.field, a.value, a.mask); SET_PLANS.set(a, p); }
  return p;
}

/** Applies a compiled constant write to `slots`, marking its bits in `wc`. */
export function applySet(p: WordWrites, slots: SlotStore, wc: SlotStore): void {
  const w: Words = slots.w, c: Words = wc.w;
  if (p.rare) { reachAll(slots, p); reachAll(wc, p); }
  for (let i = 0; i < p.word.length; i++) {
    const k = p.word[i], m = p.mask[i];
    w[k] = (w[k] & ~m) | p.val[i];
    c[k] |= m;
  }
}

function reachAll(s: SlotStore, p: WordWrites): void {
  const last = p.word[p.word.length - 1];
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
