// move:SRC[..]->DST[..]: copies bits between fields; both sides the same width. OVS sees
// vlan_vid here as its 12-bit VID (vlan-vid.ts): `vlan_vid[]` is 12 bits wide, bit 12 is
// refused, and writing the VID leaves the tag as it was, present or not (recorded on OVS 3.1:
// test/oracle/vlan-vid-writes, test/oracle/trace-mpls-prereq/cases/move-vlan-*).
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { formatSubfield, subfieldFromAtoms } from './args.js';
import type { ActionSpec } from './types.js';
import { ACTION_SET_RANK, subfieldAccess } from './facets.js';
import type { Subfield } from './args.js';

export interface MoveArgs { src: Subfield; dst: Subfield }

export const move: ActionSpec<MoveArgs> = {
  name: 'move',
  heldBytes: () => 40,
  parse(item: Item) {
    const v = item.colon;
    if (!v || !v.dst) fail('move: expected move:SRC[..]->DST[..]', item.span);
    const src = subfieldFromAtoms(v.chain, v.span);
    const dst = subfieldFromAtoms(v.dst, v.span);
    if (src.bits !== dst.bits) {
      fail(`${formatSubfield(src)}->${formatSubfield(dst)}: source field is ${src.bits} bits wide but destination is ${dst.bits} bits wide`, v.span);
    }
    if (!dst.field.writable) fail(`destination field ${dst.field.name} is not writable`, v.dst[0].span);
    return { src, dst };
  },
  execute: (a, x) => x.move(a),
  reads: (a) => [subfieldAccess(a.src)],
  writes: (a) => [subfieldAccess(a.dst)],
  actionSetRank: ACTION_SET_RANK.write,
  format: (a) => `move:${formatSubfield(a.src)}->${formatSubfield(a.dst)}`,
};
