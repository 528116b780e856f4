// freeze-with-action-set: the translation freezes (to go on in a recirculated pass) while
// the action set holds actions (write_actions in this or an earlier table, not cleared
// since). OVS keeps the set in the frozen state, and OVS 3.1 asserts there that the set
// takes no more room than the actions frozen with it (recirc_alloc_id__): when it does,
// ovs-vswitchd aborts and every bridge stops forwarding until it restarts.
//  - ct(table=N) freezes no action at all: any set aborts (an error). Recorded with a
//    packet and with ofproto/trace (test/oracle/lint-actset/ct-fork-*); a set emptied by
//    clear_actions before the ct(), or a ct() the set itself runs, is fine.
//  - a select group that waits for the datapath's dp_hash freezes the group action and
//    what follows it, in its flow's list and in the lists of the flows that resubmitted
//    there. Lint sizes both along each path (frozen-bytes.ts, reach.ts): a set that
//    takes more aborts (an error), one that fits is fine; where lint cannot size one of
//    them it says why (a warning). Recorded: test/oracle/lint-actset/dp-hash-group-*,
//    test/oracle/actset-freeze/dp-hash-set-*, test/oracle/freeze-caller-rest/.
import { setWriteOf } from '../actions.js';
import { atAction, atFlow, finding, lineOf } from '../finding.js';
import type { FreezeWithSet } from '../reach.js';
import type { Finding, LintRule } from '../types.js';

const ABORTS = 'OVS 3.1 fails an assertion (recirc_alloc_id__) and ovs-vswitchd aborts';

/** What the group's freeze does with the sets it is met with: aborts on some path, fits on every one, or why lint cannot tell. */
function dpHashVerdict(f: FreezeWithSet): { aborts: number; frozen: number } | 'fits' | string {
  let unknown: string | null = null;
  for (const { bytes, frozen } of f.sets) {
    if (typeof bytes === 'number' && typeof frozen === 'number') {
      if (bytes > frozen) return { aborts: bytes, frozen };
    } else unknown ??= typeof bytes === 'string' ? `the set holds ${bytes}` : frozen as string;
  }
  return unknown ?? 'fits';
}

export const freezeWithActionSet: LintRule = {
  id: 'freeze-with-action-set',
  summary: 'ct(table=N), or a dp_hash select group, while the action set holds actions (more than the group freezes): ovs-vswitchd 3.1 aborts',
  check(_input, ctx) {
    const out: Finding[] = [];
    for (const f of ctx.reach.freezesWithSet) {
      const { kind, flow, action, set } = f;
      const by = set.held!;
      const write = by.actions.find((a) => setWriteOf(a) !== null);
      const held = `while the action set holds actions (written by ${lineOf(by)})`;
      const related = [{ flow: by, at: write ? atAction(write) : atFlow, message: 'the write_actions that filled the set' }];
      const hint = `empty the set with clear_actions before the ${kind === 'ct' ? 'ct()' : 'group'}, or write the actions after the recirculation`;
      if (kind === 'ct') {
        out.push(finding('freeze-with-action-set', 'error', flow, atAction(action),
          `ct() recirculates ${held}: OVS 3.1 fails an assertion freezing the set (recirc_alloc_id__) and ovs-vswitchd aborts`, hint, related));
        continue;
      }
      const v = dpHashVerdict(f);
      if (v === 'fits') continue;
      out.push(typeof v === 'string'
        ? finding('freeze-with-action-set', 'warning', flow, atAction(action),
          `the select group may freeze for the datapath's dp_hash ${held}: ${ABORTS} when the set takes more room than the actions frozen with the group; lint cannot tell here: ${v}`, hint, related)
        : finding('freeze-with-action-set', 'error', flow, atAction(action),
          `the select group freezes for the datapath's dp_hash ${held}: the set takes ${v.aborts} bytes, more than the ${v.frozen} of the actions frozen with it (the group, what follows it and what the flows that resubmitted here had left to run), so ${ABORTS}`, hint, related));
    }
    return out;
  },
};
