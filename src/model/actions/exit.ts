// exit: stops executing actions (and any resubmit that led here).
import type { ActionSpec } from './types.js';

export const exit: ActionSpec<null> = {
  name: 'exit',
  heldBytes: () => 8,
  inert: true,
  // ovs-ofctl ignores whatever follows exit (exit(1) is exit).
  parse: () => null,
  format: () => 'exit',
  execute: (_a, x) => x.exit(),
};
