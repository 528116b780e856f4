// freeze-with-action-set: the translation freezes (to go on in a recirculated pass) while
// the action set holds actions (write_actions in this or an earlier table, not cleared
// since). OVS keeps the set in the frozen state, and OVS 3.1 asserts there that the set
// takes no more room than the actions frozen with it (recirc_alloc_id__): when it does,
// ovs-vswitchd aborts and every bridge stops forwarding until it restarts.
//  - ct(table=N) freezes no action at all: any set aborts (an error). Recorded with a
//    packet and with ofproto/trace (test/oracle/lint-actset/ct-fork-*); a set emptied by
//    clear_actions before the ct(), or a ct() the set itself runs, is fine.
//  - a select group that waits for the datapath's dp_hash freezes the group action and
//    what follows it: a set longer than that aborts, a short one does not
//    (dp-hash-group-with-set-big / -small). Lint does not measure: a warning.
import { setWriteOf } from '../actions.js';
import { atAction, atFlow, finding, lineOf } from '../finding.js';
import type { LintRule } from '../types.js';

export const freezeWithActionSet: LintRule = {
  id: 'freeze-with-action-set',
  summary: 'ct(table=N) or a dp_hash select group while the action set holds actions: ovs-vswitchd 3.1 aborts',
  check(_input, ctx) {
    return ctx.reach.freezesWithSet.map(({ kind, flow, action, set }) => {
      const by = set.held!;
      const write = by.actions.find((a) => setWriteOf(a) !== null);
      const held = `while the action set holds actions (written by ${lineOf(by)})`;
      const related = [{ flow: by, at: write ? atAction(write) : atFlow, message: 'the write_actions that filled the set' }];
      const hint = `empty the set with clear_actions before the ${kind === 'ct' ? 'ct()' : 'group'}, or write the actions after the recirculation`;
      return kind === 'ct'
        ? finding('freeze-with-action-set', 'error', flow, atAction(action),
          `ct() recirculates ${held}: OVS 3.1 fails an assertion freezing the set (recirc_alloc_id__) and ovs-vswitchd aborts`, hint, related)
        : finding('freeze-with-action-set', 'warning', flow, atAction(action),
          `the select group may freeze for the datapath's dp_hash ${held}: OVS 3.1 fails an assertion (recirc_alloc_id__) and ovs-vswitchd aborts when the set takes more room than the actions frozen with the group`, hint, related);
    });
  },
};
