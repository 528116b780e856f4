// The order OVS requires of a flow's instructions (ofpacts_verify): meter, then the apply
// actions, clear_actions, write_actions, write_metadata, goto_table, each at most once; and
// conjunction flows carry nothing but conjunction (and note) actions.
import { fail } from '../errors.js';
import type { Action } from './types.js';

const APPLY = 1;
const RANK = new Map<string, number>([
  ['meter', 0], ['clear_actions', 2], ['write_actions', 3], ['write_metadata', 4], ['goto_table', 5],
]);
const NAMES = ['meter', 'apply_actions', 'clear_actions', 'write_actions', 'write_metadata', 'goto_table'];

export function verifyInstructions(actions: Action[], ofVersion = 10): void {
  if (actions.some((a) => a.name === 'conjunction')) {
    const other = actions.find((a) => a.name !== 'conjunction' && a.name !== 'note');
    if (other) fail(`"conjunction" actions may be used along with "note" but not any other kind of action (such as the "${other.name}" action used here)`, other.span);
    return;
  }
  let prev = -1;
  for (const a of actions) {
    const next = RANK.get(a.name) ?? APPLY;
    if (prev >= 0 && (prev === APPLY ? next < prev : next <= prev)) {
      if (next === prev) fail(`duplicate ${NAMES[next]} instruction not allowed, for OpenFlow 1.1+ compatibility`, a.span);
      fail(`invalid instruction ordering: ${NAMES[next]} must appear before ${NAMES[prev]}, for OpenFlow 1.1+ compatibility`, a.span);
    }
    // ovs-ofctl's default protocol (OpenFlow 1.0) carries goto_table as resubmit, an apply
    // action, which may not follow write_metadata: the switch refuses the flow.
    if (ofVersion < 11 && a.name === 'goto_table' && actions.some((x) => x.name === 'write_metadata')) {
      fail('invalid instruction ordering: apply_actions must appear before write_metadata (goto_table travels as resubmit in OpenFlow 1.0, ovs-ofctl\'s default)', a.span);
    }
    prev = next;
  }
}
