// The translation's packet field reads and writes, apart from xlate.ts: each write also marks the megaflow mask (wc).
import { ones } from '../model/bits.js';
import type { FieldSpec } from '../model/fields.js';
import { orSegs, readSegs, wordRef, writeSegs } from '../packet/field-io.js';
import type { SubfieldRef } from './exec.js';
import { subfieldIsNow } from '../trace/subfield.js';
import { applySet, moveWords, setPlanOf, type SetArgs, type WordWrites } from './writes.js';
import type { Xlate } from './xlate.js';
import { fieldPrereqOk } from './prereq.js';
import { heldAsSetField } from '../model/actions/set_field.js';
import { wholeVid } from '../model/actions/vlan-vid.js';

export function readField(x: Xlate, f: FieldSpec): bigint {
  const r = f.segs.length === 1 ? wordRef(f, 0, f.bits) : null;
  if (r) return BigInt(((x.slots.w[r.word] >>> r.shift) & r.mask) >>> 0);
  return readSegs(x.slots, f.segs);
}
export function read(x: Xlate, sf: SubfieldRef): bigint {
  const r = wordRef(sf.field, sf.ofs, sf.bits);
  if (r) return BigInt(((x.slots.w[r.word] >>> r.shift) & r.mask) >>> 0);
  return (readField(x, sf.field) >> BigInt(sf.ofs)) & ones(sf.bits);
}

export function write(x: Xlate, f: FieldSpec, value: bigint, mask: bigint): void {
  const set = f.set;
  if (!set) {
    // A field inside one word (a register, an IPv4 address, a port): integer arithmetic.
    const r = f.segs.length === 1 ? wordRef(f, 0, f.bits) : null;
    if (r) {
      const m = (Number(mask) & r.mask) << r.shift, w = x.slots.w;
      w[r.word] = (w[r.word] & ~m) | ((Number(value) << r.shift) & m);
      x.wc.w[r.word] |= m;
      return;
    }
    // Registers viewed wide (xreg, xxreg) and wide slots: only the bits of the mask are written.
    writeSegs(x.slots, f.segs, value, mask);
    orSegs(x.wc, f.segs, mask);
    return;
  }
  const cur = readField(x, f);
  // A field that owns only some bits of its container (nw_tos: DSCP; dl_vlan_pcp: PCP
  // and the tag-present bit) says how a whole-field value lands in it.
  if (mask === ones(f.bits)) ({ value, mask } = set({ value: cur, mask: 0n }, value));
  writeSegs(x.slots, f.segs, (cur & ~mask) | (value & mask), ones(f.bits));
  orSegs(x.wc, f.segs, mask);
}

export function setField(x: Xlate, a: SetArgs): void {
  // A write the switch holds as a set_field sets the field only if the packet has it.
  if (a.field.prereq !== 'none' && heldAsSetField(a) && !fieldPrereqOk(a.field, x.slots)) {
    if (x.run.trace) x.warn(`unmet prerequisites for ${a.field.name}, set_field ignored`);
    return;
  }
  // The action executing is the prepared list's action curIndex (unless an action runs another's execute):
  // its compiled writes are kept beside it.
  const i = x.curIndex, prep = x.curPrep;
  let p: WordWrites | null | undefined;
  if (prep !== null && prep.args[i] === a) { p = prep.sets[i]; if (p === undefined) p = prep.sets[i] = setPlanOf(a); } else p = setPlanOf(a);
  if (p !== null) applySet(p, x.slots, x.wc); else write(x, a.field, a.value, a.mask);
}
export function move(x: Xlate, a: { src: SubfieldRef; dst: SubfieldRef }): void {
  if (!moveWords(a, x.slots, x.wc)) writeSub(x, a.dst, read(x, a.src));
  // vlan_vid's 12 VID bits are all of it to OVS, which then shows the whole field (tag bit too).
  if (x.run.trace) x.detail(subfieldIsNow(wholeVid(a.dst), readField(x, a.dst.field)));
}

export function writeSub(x: Xlate, sf: SubfieldRef, value: bigint): void {
  const sh = BigInt(sf.ofs);
  write(x, sf.field, (value & ones(sf.bits)) << sh, ones(sf.bits) << sh);
}

export function writeMetadata(x: Xlate, value: bigint, mask: bigint): void {
  const m = x.slots.get('metadata');
  x.slots.set('metadata', (m & ~mask) | (value & mask));
}
