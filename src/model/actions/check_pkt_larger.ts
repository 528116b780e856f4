// check_pkt_larger(LEN)->DST[bit]: sets the one-bit DST to whether the packet is longer than LEN.
import { fail } from '../errors.js';
import { args, formatSubfield, intArg, itemText, subfieldFromAtoms, type Subfield } from './args.js';
import type { ActionSpec } from './types.js';
import { subfieldAccess } from './facets.js';

export interface CheckPktLargerArgs { pktLen: number; dst: Subfield }

export const check_pkt_larger: ActionSpec<CheckPktLargerArgs> = {
  name: 'check_pkt_larger',
  heldBytes: () => 32,
  parse(item) {
    const a = args(item);
    if (a.length !== 1 || !item.arrow) fail('check_pkt_larger: expected check_pkt_larger(LEN)->FIELD[bit]', item.span);
    const dst = subfieldFromAtoms(item.arrow.chain, item.arrow.span);
    if (dst.bits !== 1) fail('Only 1-bit destination field is allowed', item.arrow.span);
    if (!dst.field.writable) fail(`${dst.field.name} is read-only`, item.arrow.span);
    return { pktLen: intArg(itemText(a[0]), 16, 'check_pkt_larger', a[0].span), dst };
  },
  execute: (a, x) => x.checkPktLarger(a.pktLen, a.dst),
  writes: (a) => [subfieldAccess(a.dst)],
  format: (a) => `check_pkt_larger(${a.pktLen})->${formatSubfield(a.dst)}`,
};
