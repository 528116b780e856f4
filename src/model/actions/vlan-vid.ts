// OVS holds vlan_vid in 16 bits (the VID and OFPVID_PRESENT, 0x1000) but a subfield of it is
// the 12-bit VID alone (args.ts reads `vlan_vid[]` as bits 0..11 and refuses bit 12); ctflow's
// vlan_vid holds OFPVID_PRESENT as bit 12, what a set_field writes.
import { VID_BITS, type Subfield } from './args.js';

export { VID_BITS };

/** A subfield as the switch names it: the 12 VID bits are all of vlan_vid (`OXM_OF_VLAN_VID[]`). */
export const wholeVid = (s: Subfield): Subfield =>
  (s.field.name === 'vlan_vid' && s.ofs === 0 && s.bits === VID_BITS ? { ...s, bits: s.field.bits } : s);
