// multipath(fields, basis, algorithm, n_links, arg, dst[..]): hash the packet's fields
// and write a link number in [0, n_links) into dst.
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { formatSubfield, intArg, itemText, slots, subfieldFromRef, type Subfield } from './args.js';
import type { ActionSpec } from './types.js';
import { subfieldAccess } from './facets.js';

/** Hash field sets shared with bundle(). */
export const HASH_FIELDS = ['eth_src', 'symmetric_l4', 'symmetric_l3l4', 'symmetric_l3l4+udp', 'nw_src', 'nw_dst', 'symmetric_l3'];
const ALGORITHMS = ['modulo_n', 'hash_threshold', 'hrw', 'iter_hash'];

export interface MultipathArgs { fields: string; basis: number; algorithm: string; nLinks: number; arg: number; dst: Subfield }

/** The arguments as one string (ovs-ofctl quotes it whole in its errors). */
export function argsText(item: Item): string[] {
  return slots(item).map((s) => (s.kind === 'item' ? itemText(s) : ''));
}

export const multipath: ActionSpec<MultipathArgs> = {
  name: 'multipath',
  heldBytes: () => 40,
  parse(item) {
    const s = slots(item);
    const t = argsText(item);
    const all = t.join(',');
    if (t.length !== 6) fail(`${all}: not enough arguments to multipath action`, item.span);
    if (!HASH_FIELDS.includes(t[0])) fail(`${all}: unknown fields \`${t[0]}'`, s[0].span);
    if (!ALGORITHMS.includes(t[2])) fail(`${all}: unknown algorithm \`${t[2]}'`, s[2].span);
    const nLinks = intArg(t[3], 32, 'n_links', s[3].span);
    if (nLinks < 1 || nLinks > 65536) fail(`${all}: n_links ${nLinks} is not in valid range 1 to 65536`, s[3].span);
    const d = s[5] as Item;
    const dst = subfieldFromRef(d.key.text, d.key.subscript, d.key.span);
    if (dst.bits < 16 && nLinks > 2 ** dst.bits) {
      fail(`${all}: ${dst.bits}-bit destination field has ${2 ** dst.bits} possible values, less than specified n_links ${nLinks}`, d.span);
    }
    return { fields: t[0], basis: intArg(t[1], 16, 'basis', s[1].span), algorithm: t[2], nLinks, arg: intArg(t[4], 32, 'arg', s[4].span), dst };
  },
  execute: (a, x) => x.multipath(a),
  writes: (a) => [subfieldAccess(a.dst)],
  format: (a) => `multipath(${a.fields},${a.basis},${a.algorithm},${a.nLinks},${a.arg},${formatSubfield(a.dst)})`,
};
