// commit-zone-mismatch: ct(commit, zone=A) where every path to it comes from a ct()
// lookup in another zone B (the packet came into the table by ct(table=..., zone=B)),
// and no ct(table=...) anywhere looks packets up in zone A. OVN commits hairpin SNAT in
// another zone than its load-balancer lookup on purpose, and looks replies up there:
// the last condition keeps that quiet. The connection is then
// committed in a zone its packets are not looked up in, and later lookups in B keep
// seeing +new. Zones given by a field compare by the field (reg13[0..15] ≠ reg12[0..15]).
import { bucketActions, conntrackOf, eachAction, jumpsOf, zoneText } from '../actions.js';
import { atAction, finding, lineOf } from '../finding.js';
import type { Action } from '../../model/actions/types.js';
import type { Flow } from '../../model/flow.js';
import type { TrackState } from '../reach.js';
import type { LintRule } from '../types.js';

// (A jump's table depends on the flow's table only for resubmit:PORT, so any table will do.)
const recirculates = (a: Action): boolean => jumpsOf('ct')(a, 0).length > 0;

export const commitZoneMismatch: LintRule = {
  id: 'commit-zone-mismatch',
  summary: 'ct(commit) in another zone than every ct() lookup that brings the packet there',
  check(input, ctx) {
    const lookedUp = new Set<string>();
    // A lookup whose result a later table sees: a ct() that recirculates.
    const addLookups = (list: readonly Action[]) => eachAction(list, (a) => {
      const ct = conntrackOf(a);
      if (ct?.kind === 'track' && recirculates(a)) lookedUp.add(zoneText(ct.zone));
    });
    for (const f of ctx.effective) addLookups(f.actions);
    for (const g of input.groups?.values() ?? []) for (const b of g.buckets) addLookups(bucketActions(b.actions));
    // Per ct(commit): the tracked states it is reached in, by zone. Paths are followed
    // without register values (reach.ts), so one path in the commit's zone clears it.
    const seen = new Map<Action, { flow: Flow; zone: string; zones: Map<string, TrackState> }>();
    for (const c of ctx.reach.commits) {
      if (!c.state) continue;
      let e = seen.get(c.action);
      if (!e) seen.set(c.action, (e = { flow: c.flow, zone: c.zone, zones: new Map() }));
      if (!e.zones.has(c.state.zone)) e.zones.set(c.state.zone, c.state);
    }
    const out = [];
    for (const [action, { flow, zone, zones }] of seen) {
      if (zones.has(zone) || lookedUp.has(zone)) continue;
      const lookups = [...zones.values()].filter((s): s is NonNullable<TrackState> => s !== null);
      const first = lookups[0];
      out.push(finding('commit-zone-mismatch', 'warning', flow, atAction(action),
        `ct(commit) in zone ${zone}, but every path here comes from a ct() lookup in zone ${[...zones.keys()].join(' or ')} (${lineOf(first.by)}), and no ct(table=...) looks packets up in zone ${zone}: later packets never see this connection`,
        `use one zone for the lookup and the commit, or look the packet up in zone ${zone} before committing`,
        lookups.map((s) => ({ flow: s.by, at: atAction(s.act), message: `the lookup in zone ${s.zone}` }))));
    }
    return out;
  },
};
