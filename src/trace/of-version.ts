// Which OpenFlow version an action is printed in. ovs-ofctl turns what it reads into the
// switch's own actions by the protocol it speaks (`-O`): over OpenFlow 1.0 a set_field to
// eth_dst becomes mod_dl_dst, over 1.1+ goto_table and write_actions exist, and the trace
// prints those stored actions. So a flow's actions print in the flows' version and a
// group bucket's in the version its groups were added with.
import type { Action } from '../model/actions/types.js';
import type { FlowPrintOpts } from '../model/print-flow.js';
import type { Pipeline } from '../pipeline/pipeline.js';

/** The actions of every bucket of a pipeline's groups, found on first use. */
const BUCKET_ACTIONS = new WeakMap<Pipeline, Set<Action>>();

function bucketActions(pp: Pipeline): Set<Action> {
  let s = BUCKET_ACTIONS.get(pp);
  if (!s) {
    s = new Set();
    for (const g of pp.groups.values()) for (const b of g.buckets) for (const a of b.actions) s.add(a);
    BUCKET_ACTIONS.set(pp, s);
  }
  return s;
}

/** Print options for a flow's actions, or for `a` (which may be a group bucket's). */
export function printOpts(pp: Pipeline, a?: Action): FlowPrintOpts {
  const flows = pp.ofVersion ?? (pp.of15 ? 15 : 10);
  const inBucket = a !== undefined && pp.groups.size > 0 && bucketActions(pp).has(a);
  return { ofVersion: inBucket ? pp.groupsOfVersion ?? flows : flows, portNames: pp.portNames };
}
