// shadowed: a flow no packet can reach because a flow of higher priority in its table
// matches every packet it matches (same or wider masks, equal values where both look).
// Only plain flows shadow: a conjunctive clause never decides a lookup on its own, and a
// flow whose ct_state no packet has matches nothing. ct_state is compared with what the
// tracker guarantees (+est implies +trk), so ct_state=+est shadows +trk+est and back.
// One covering flow is needed: flows covered only by several together are not reported.
import { atFlow, finding, lineOf } from '../finding.js';
import { ctStateOf, impossible } from '../ct-state.js';
import { CoverIndex, isSoft } from '../match-index.js';
import type { LintRule } from '../types.js';

export const shadowed: LintRule = {
  id: 'shadowed',
  summary: 'a flow that never matches: a higher-priority flow in its table matches all its packets',
  check(_input, ctx) {
    const index = new CoverIndex(ctx.effective);
    const out = [];
    for (const f of ctx.effective) {
      if (impossible(ctStateOf(f.match))) continue; // ct-state-impossible says it never matches
      const by = index.coverOf(f);
      if (!by) continue;
      const what = isSoft(f) ? 'conjunction clause never counts' : 'flow never matches';
      out.push(finding('shadowed', 'warning', f, atFlow,
        `${what}: ${lineOf(by)} (priority ${by.priority}) matches every packet it matches`,
        'raise its priority above the other flow, or narrow the other flow\'s match',
        [{ flow: by, at: atFlow, message: `the flow that matches first (priority ${by.priority})` }]));
    }
    return out;
  },
};
