// ct-fork-with-action-set: a ct(table=N) that recirculates while the action set holds
// actions (write_actions in this or an earlier table, not cleared since). OVS freezes the
// set to restore it in table N, and OVS 3.1 then fails an assertion (recirc_alloc_id__,
// action_set_len <= ofpacts_len) and ovs-vswitchd aborts: every bridge stops forwarding
// until it restarts. Recorded on the userspace datapath with a packet and with
// ofproto/trace (test/oracle/lint-actset/ct-fork-*); a set emptied by clear_actions
// before the ct(), or a ct() the set itself runs, is fine.
import { setWriteOf } from '../actions.js';
import { atAction, atFlow, finding, lineOf } from '../finding.js';
import type { LintRule } from '../types.js';

export const ctForkWithActionSet: LintRule = {
  id: 'ct-fork-with-action-set',
  summary: 'ct(table=N) while the action set holds actions: ovs-vswitchd 3.1 aborts',
  check(_input, ctx) {
    return ctx.reach.forksWithSet.map(({ flow, action, set }) => {
      const by = set.held!;
      const write = by.actions.find((a) => setWriteOf(a) !== null);
      return finding('ct-fork-with-action-set', 'error', flow, atAction(action),
        `ct() recirculates while the action set holds actions (written by ${lineOf(by)}): OVS 3.1 fails an assertion freezing the set (recirc_alloc_id__) and ovs-vswitchd aborts`,
        'empty the set with clear_actions before the ct(), or write the actions after the recirculation',
        [{ flow: by, at: write ? atAction(write) : atFlow, message: 'the write_actions that filled the set' }]);
    });
  },
};
