// debug_recirc and debug_slow: OVS testing aids (force a recirculation / the slow path).
// ovs-ofctl accepts them, but an OpenFlow 1.0 dump cannot decode them back
// (OFPBAC_BAD_VENDOR_TYPE), so only their own spelling is ever printed.
import { fail } from '../errors.js';
import type { ActionSpec } from './types.js';

function debug(name: string): ActionSpec<null> {
  return {
    name,
    heldBytes: () => 8,
    inert: true,
    parse(item) {
      if (item.eq || item.colon || item.args) fail(`${name} takes no argument`, item.span);
      return null;
    },
    format: () => name,
  };
}

export const debug_recirc = debug('debug_recirc');
export const debug_slow = debug('debug_slow');
