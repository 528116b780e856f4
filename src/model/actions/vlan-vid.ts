// OVS holds vlan_vid in 16 bits (the VID and OFPVID_PRESENT, 0x1000) but a subfield of it,
// in load or move, is the 12-bit VID alone: `vlan_vid[]` is bits 0..11 (writing it keeps
// the tag present, or absent), bit 12 does not exist. ctflow's vlan_vid holds OFPVID_PRESENT
// as bit 12, what a set_field writes; these helpers give load and move OVS's 12 bits.
import type { Atom, Span } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { formatSubfield, type Subfield } from './args.js';

export const VID_BITS = 12;

/** `vlan_vid[...]` as OVS reads it in load and move: `[]` is the 12-bit VID, bit 12 is refused. */
export function vidSubfield(sf: Subfield, atom: Atom, span: Span): Subfield {
  if (sf.field.name !== 'vlan_vid') return sf;
  if (atom.kind === 'ref' && !atom.subscript) return { ...sf, bits: VID_BITS };
  const end = sf.ofs + sf.bits - 1;
  if (end >= VID_BITS) {
    fail(`vlan_vid[${atom.kind === 'ref' ? atom.subscript : ''}]: ${sf.ofs >= VID_BITS ? `starting bit ${sf.ofs}` : `ending bit ${end}`} `
      + `is not valid because field is only ${VID_BITS} bits wide`, span);
  }
  return sf;
}

/** A subfield as the switch names it: the 12 VID bits are all of vlan_vid (`OXM_OF_VLAN_VID[]`). */
export const wholeVid = (s: Subfield): Subfield =>
  (s.field.name === 'vlan_vid' && s.ofs === 0 && s.bits === VID_BITS ? { ...s, bits: s.field.bits } : s);

export const formatVidSubfield = (s: Subfield): string => formatSubfield(wholeVid(s));
