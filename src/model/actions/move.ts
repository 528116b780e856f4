// move:SRC[..]->DST[..]: copies bits between fields; both sides the same width.
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { formatSubfield, subfieldFromAtoms, type Subfield } from './args.js';
import type { ActionSpec } from './types.js';
import { ACTION_SET_RANK, subfieldAccess } from './facets.js';

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
      fail(`source field ${formatSubfield(src)} and destination ${formatSubfield(dst)} have different widths (${src.bits} and ${dst.bits} bits)`, v.span);
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
