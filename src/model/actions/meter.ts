// meter:M: sends the packet through meter M. OpenFlow 1.0 cannot carry it, so an OF1.0 dump
// of such a flow leaves it out.
import { colonText, intArg } from './args.js';
import type { ActionSpec } from './types.js';

export interface MeterArgs { meter: number }

export const meter: ActionSpec<MeterArgs> = {
  name: 'meter',
  heldBytes: () => 16,
  inert: true,
  instruction: true,
  meterId: (a) => a.meter,
  // Meter 0 and ids past OFPM13_MAX (0xffff0000) name no meter a flow may use.
  check: (a, ctx) => {
    if (a.meter === 0 || a.meter > 0xffff0000) ctx.fail('actions are invalid with specified match (OFPMMFC_INVALID_METER)');
  },
  parse: (item) => ({ meter: intArg(colonText(item), 32, 'meter', (item.colon ?? item.eq)!.span) }),
  format: (a, ctx) => (ctx.ofVersion >= 13 ? `meter:${a.meter}` : ''),
  // Meters only limit rates; one packet is never over a band here, but the datapath
  // action names the meter (by its datapath id).
  execute: (a, x) => x.meter(a.meter),
};
