// Reading and writing fields (FIELDS entries, subfields) of a packet's word store. The
// segments of a field are resolved to words once per field / subfield; a subfield that
// lies inside one word (a register bit, an address, a port) is then read and written as
// a 32-bit integer without making a bigint.
import { ones } from '../model/bits.js';
import type { FieldSpec, Segment } from '../model/fields.js';
import { bigToWords, N_CORE, slotInfo, wordsToBig, type SlotInfo, type SlotStore } from './slots.js';

interface SegPlan { info: SlotInfo; shift: number; bits: number; off: number }

const PLANS = new WeakMap<readonly Segment[], SegPlan[]>();
/** Each segment's slot and its offset inside the field (bits below it), most significant first. */
function plan(segs: readonly Segment[]): SegPlan[] {
  let p = PLANS.get(segs);
  if (!p) {
    let rest = segs.reduce((n, s) => n + s.bits, 0);
    p = segs.map((s) => { rest -= s.bits; return { info: slotInfo(s.slot), shift: s.shift, bits: s.bits, off: rest }; });
    PLANS.set(segs, p);
  }
  return p;
}

/** The bits of `segs` in `s` (absent slots read as 0). */
export function readSegs(s: SlotStore, segs: readonly Segment[]): bigint {
  let v = 0n;
  for (const g of plan(segs)) {
    const slot = wordsToBig(s.w, g.info.word, g.info.words);
    v = (v << BigInt(g.bits)) | ((slot >> BigInt(g.shift)) & ones(g.bits));
  }
  return v;
}

/** Writes the bits of `value` selected by `mask` (both field-aligned) into `segs` of `s`. */
export function writeSegs(s: SlotStore, segs: readonly Segment[], value: bigint, mask: bigint): void {
  for (const g of plan(segs)) {
    const pmask = (mask >> BigInt(g.off)) & ones(g.bits);
    if (pmask === 0n) continue;
    const sh = BigInt(g.shift);
    s.reach(g.info);
    const old = wordsToBig(s.w, g.info.word, g.info.words);
    const part = (value >> BigInt(g.off)) & pmask;
    bigToWords(s.w, g.info.word, g.info.words, (old & ~(pmask << sh)) | (part << sh));
  }
}

/** Sets the bits of `mask` (field-aligned) of `segs` in a mask store (the megaflow wildcards). */
export function orSegs(s: SlotStore, segs: readonly Segment[], mask: bigint): void {
  writeSegs(s, segs, mask, mask);
}

/** A subfield inside one word: the word, the shift of its lowest bit, its mask (after shifting down). */
export interface WordRef { word: number; shift: number; mask: number }

const WORD_REFS = new WeakMap<readonly Segment[], Map<number, WordRef | null>>();

/** Where bits [ofs, ofs+bits) of a field sit when they lie inside one 32-bit word of the
 *  common slots (always in a packet's array); null otherwise. */
export function wordRef(f: FieldSpec, ofs: number, bits: number): WordRef | null {
  let byKey = WORD_REFS.get(f.segs);
  if (!byKey) { byKey = new Map(); WORD_REFS.set(f.segs, byKey); }
  const key = ofs * 256 + bits;
  let r = byKey.get(key);
  if (r === undefined) {
    r = null;
    for (const g of plan(f.segs)) {
      if (ofs < g.off || ofs + bits > g.off + g.bits) continue;
      const bit = g.shift + ofs - g.off; // lowest bit inside the slot
      const word = Math.floor(bit / 32);
      if (bit % 32 + bits <= 32 && word < g.info.words && g.info.word < N_CORE) {
        r = { word: g.info.word + word, shift: bit % 32, mask: bits === 32 ? -1 : (1 << bits) - 1 };
      }
    }
    byKey.set(key, r);
  }
  return r;
}
