// drop: an explicit empty action list. OVS prints an empty list as `drop` too.
import { fail } from '../errors.js';
import type { ActionSpec } from './types.js';

export const drop: ActionSpec<null> = {
  name: 'drop',
  heldBytes: () => 0,
  inert: true,
  parse(item) {
    if (item.eq || item.colon || item.args) fail('drop takes no argument', item.span);
    return null;
  },
  format: () => 'drop',
  execute: () => {},
};
