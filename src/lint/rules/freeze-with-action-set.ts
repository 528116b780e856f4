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
//    there. Lint sizes the set along each path and the group with the rest of its flow's
//    list (frozen-bytes.ts): a set that fits is fine; one that does not, where nothing is
//    left to run in the lists around the lookup, aborts (an error); otherwise lint cannot
//    count the callers' rests, or an action's size, and says so (a warning). Recorded:
//    test/oracle/lint-actset/dp-hash-group-with-set-*, test/oracle/actset-freeze/dp-hash-set-*.
import { setWriteOf } from '../actions.js';
import { atAction, atFlow, finding, lineOf } from '../finding.js';
import { frozenListBytes } from '../frozen-bytes.js';
import type { FreezeWithSet } from '../reach.js';
import type { Finding, LintRule } from '../types.js';

const ABORTS = 'OVS 3.1 fails an assertion (recirc_alloc_id__) and ovs-vswitchd aborts';

/** What the group's freeze does with the sets it is met with: 'fits' on every path, 'aborts' on one, or why lint cannot tell. */
function dpHashVerdict(f: FreezeWithSet): { aborts: number; frozen: number } | 'fits' | string {
  const i = f.inBucket ? -1 : f.flow.actions.indexOf(f.action);
  const frozen = i < 0 ? 'the group runs inside another action\'s list, whose end lint does not follow' : frozenListBytes(f.flow.actions, i, f.flow.table);
  let unknown: string | null = null;
  for (const s of f.sets) {
    if (typeof frozen === 'string' || typeof s.bytes === 'string') { unknown ??= typeof frozen === 'string' ? frozen : s.bytes as string; continue; }
    if (s.bytes <= frozen) continue;
    if (s.tail) return { aborts: s.bytes, frozen };
    unknown ??= `on some path the set takes ${s.bytes} bytes and the group with the rest of this flow's actions ${frozen}; `
      + 'the actions left to run in the flows that resubmitted here are frozen too, and lint does not count them';
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
          `the select group freezes for the datapath's dp_hash ${held}: the set takes ${v.aborts} bytes, more than the ${v.frozen} of the actions frozen with it (the group and the rest of this flow's actions), so ${ABORTS}`, hint, related));
    }
    return out;
  },
};
