// dec_ttl and dec_ttl(id,...): decrement the IP TTL; the ids are the controller connections
// told when it reaches zero. OVS reads each id with atoi(), so `dec_ttl(a)` means id 0.
import { fail } from '../errors.js';
import { args, itemText } from './args.js';
import type { ActionSpec } from './types.js';
import { ACTION_SET_RANK, align8 } from './facets.js';

/** null: plain dec_ttl (ids [0] implied, printed without parentheses). */
export interface DecTtlArgs { ids: number[] | null }

const atoi = (t: string): number => { const m = /^\s*([+-]?\d+)/.exec(t); return m ? Number(m[1]) | 0 : 0; };

export const dec_ttl: ActionSpec<DecTtlArgs> = {
  name: 'dec_ttl',
  heldBytes: (a) => align8(8 + 2 * (a.ids?.length || 1)), // a 2-byte controller id each (one, 0, when none is given)
  inert: true,
  actionSetRank: ACTION_SET_RANK.decTtl,
  reportsTable: () => true,
  parse(item, ctx) {
    if (item.eq || item.colon) fail('dec_ttl: expected dec_ttl or dec_ttl(id,...)', item.span);
    const ids = args(item).map((it) => atoi(itemText(it)) >>> 0 & 0xffff);
    // ovs-ofctl stores a written `dec_ttl()` as plain dec_ttl, but a switch dumps OVN's
    // dec_ttl (the id-list encoding with no ids) as `dec_ttl()`: a pasted dump keeps it.
    return { ids: ids.length || (item.args && ctx.dump) ? ids : null };
  },
  format: (a) => (a.ids ? `dec_ttl(${a.ids.join(',')})` : 'dec_ttl'),
  execute: (a, x) => x.decTtl(a.ids ?? []),
};
