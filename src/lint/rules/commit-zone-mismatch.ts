// commit-zone-mismatch: ct(commit, zone=A) where every path to it comes from a ct()
// lookup in another zone B (the packet came into the table by ct(table=..., zone=B)),
// and no ct(table=...) anywhere looks packets up in zone A. OVN commits hairpin SNAT in
// another zone than its load-balancer lookup on purpose, and looks replies up there:
// the last condition keeps that quiet. The connection is then
// committed in a zone its packets are not looked up in, and later lookups in B keep
// seeing +new. Zones given by a field compare by the field (reg13[0..15] ≠ reg12[0..15]).
import { ctZone, eachAction, isCt } from '../actions.js';
import { atAction, finding, lineOf } from '../finding.js';
import type { Action } from '../../model/actions/types.js';
import type { CtArgs } from '../../model/actions/ct.js';
import type { Flow } from '../../model/flow.js';
import type { TrackState } from '../reach.js';
import type { LintRule } from '../types.js';

export const commitZoneMismatch: LintRule = {
  id: 'commit-zone-mismatch',
  summary: 'ct(commit) in another zone than every ct() lookup that brings the packet there',
  check(input, ctx) {
    const lookedUp = new Set<string>();
    const addLookups = (list: readonly Action[]) => eachAction(list, (a) => {
      if (isCt(a) && a.args.table !== null) lookedUp.add(ctZone(a.args));
    });
    for (const f of ctx.effective) addLookups(f.actions);
    for (const g of input.groups?.values() ?? []) for (const b of g.buckets) addLookups(b.actions);
    // Per ct(commit): the tracked states it is reached in, by zone. Paths are followed
    // without register values (reach.ts), so one path in the commit's zone clears it.
    const seen = new Map<Action, { flow: Flow; zones: Map<string, TrackState> }>();
    for (const c of ctx.reach.commits) {
      if (!c.state) continue;
      let e = seen.get(c.action);
      if (!e) seen.set(c.action, (e = { flow: c.flow, zones: new Map() }));
      if (!e.zones.has(c.state.zone)) e.zones.set(c.state.zone, c.state);
    }
    const out = [];
    for (const [action, { flow, zones }] of seen) {
      const zone = ctZone((action as Action<CtArgs>).args);
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
