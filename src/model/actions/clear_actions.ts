// clear_actions: the OpenFlow 1.1+ instruction that empties the action set. An OpenFlow 1.0
// dump leaves it out (the protocol cannot carry it).
import { fail } from '../errors.js';
import type { ActionSpec } from './types.js';

export const clear_actions: ActionSpec<null> = {
  name: 'clear_actions',
  heldBytes: () => 8,
  inert: true,
  clearsActionSet: true,
  instruction: true,
  parse(item) {
    if (item.eq || item.colon || item.args) fail('clear_actions takes no argument', item.span);
    return null;
  },
  format: (_a, ctx) => (ctx.ofVersion >= 11 ? 'clear_actions' : ''),
  execute: (_a, x) => x.clearActions(),
};
