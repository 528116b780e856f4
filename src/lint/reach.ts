// Which tables a packet can reach from table 0, and whether it is tracked there.
//
// A state is "untracked" or "tracked after a ct() in zone Z". Table 0 starts untracked.
// resubmit and goto_table keep the state; ct(table=N, zone=Z) reaches N tracked in Z
// (the recirculation), and the rest of the flow's actions continue untracked: OVS clears
// the conntrack fields after every ct() (ofproto-dpif-xlate.c, compose_conntrack_action).
// ct_clear makes the packet untracked. A flow whose ct_state cannot hold in a state is not
// followed from it. Any flow may match: this over-approximates the paths, never misses one.
// write_actions lists and group buckets count only the actions the action set runs
// (actions.ts, nestedActions and bucketActions): a ct(table=) or resubmit that loses to an
// output or group there leads nowhere, as in OVS.
import type { Action } from '../model/actions/types.js';
import type { Flow } from '../model/flow.js';
import type { GroupDesc } from '../pipeline/pipeline.js';
import { bucketActions, conntrackOf, groupOf, jumps, learnTable, nestedActions, nestedDeferred, nestedOnCopy, zoneText } from './actions.js';
import { byTable } from './finding.js';
import { ctStateOf, matchesTracked, matchesUntracked } from './ct-state.js';

/** null: untracked; else the zone of the last ct() and the flow and action of that ct(). */
export type TrackState = { zone: string; by: Flow; act: Action } | null;

const key = (s: TrackState): string => (s === null ? '-' : s.zone);

/** A ct(commit) in `zone` met while tracked in a zone (commit-zone-mismatch reads these). */
export interface CommitSeen { flow: Flow; action: Action; zone: string; state: TrackState }

export interface Reach {
  /** Reached tables → the states they are reached in (by state key). */
  tables: Map<number, Map<string, TrackState>>;
  /** Tables that learn actions add flows to. */
  learned: Set<number>;
  /** Groups used but not given (their buckets are not followed). */
  unknownGroups: Set<number>;
  commits: CommitSeen[];
}

export function computeReach(flows: readonly Flow[], groups: ReadonlyMap<number, GroupDesc> | null): Reach {
  const tables = byTable(flows);
  const r: Reach = { tables: new Map(), learned: new Set(), unknownGroups: new Set(), commits: [] };
  const work: Array<[number, TrackState]> = [];
  const visit = (table: number, s: TrackState) => {
    let states = r.tables.get(table);
    if (!states) r.tables.set(table, (states = new Map()));
    if (states.has(key(s))) return;
    states.set(key(s), s);
    work.push([table, s]);
  };
  visit(0, null);
  while (work.length) {
    const [table, s] = work.pop()!;
    for (const f of tables.get(table) ?? []) {
      const cs = ctStateOf(f.match);
      if (s === null ? !matchesUntracked(cs) : !matchesTracked(cs)) continue;
      walk(f, f.actions, s);
    }
  }
  return r;

  /** Runs `actions` of `flow` from state `s`; returns the state after them. */
  function walk(flow: Flow, actions: readonly Action[], s: TrackState): TrackState {
    for (const a of actions) {
      const ct = conntrackOf(a);
      const zone = ct?.kind === 'track' ? zoneText(ct.zone) : null;
      if (zone !== null && ct?.kind === 'track' && ct.commit) r.commits.push({ flow, action: a, zone, state: s });
      for (const j of jumps(a, flow.table)) {
        if (j.kind !== 'ct') visit(j.table, s);
        else if (zone !== null) visit(j.table, { zone, by: flow, act: a });
        else throw new Error(`internal: action ${a.name} recirculates after ct() but declares no ct() lookup`);
      }
      const g = groupOf(a);
      if (g !== null) {
        const desc = groups?.get(g);
        if (!desc) r.unknownGroups.add(g);
        else for (const b of desc.buckets) walk(flow, bucketActions(b.actions), s);
      }
      const lt = learnTable(a);
      if (lt !== null) r.learned.add(lt);
      const inner = nestedActions(a);
      // clone() runs on a copy: what it does to the state stays inside it. The action set
      // runs when the pipeline ends: the flow's next actions see the packet as it was.
      if (inner) { const after = walk(flow, inner, s); if (!nestedOnCopy(a) && !nestedDeferred(a)) s = after; }
      // After ct() the packet goes on untracked (the recirculation is tracked); so after ct_clear.
      if (ct) s = null;
    }
    return s;
  }
}
