// ct-state-impossible: a ct_state combination the tracker never produces (ovs-fields(7):
// no flag without trk, only trk with inv, new excludes est and rpl). The flow never matches.
import { atField, finding } from '../finding.js';
import { ctStateOf, flagText, impossible } from '../ct-state.js';
import type { LintRule } from '../types.js';

export const ctStateImpossible: LintRule = {
  id: 'ct-state-impossible',
  summary: 'a ct_state no packet has: the flow never matches',
  check(_input, ctx) {
    const out = [];
    for (const f of ctx.effective) {
      const cs = ctStateOf(f.match);
      const why = impossible(cs);
      if (why) out.push(finding('ct-state-impossible', 'error', f, atField('ct_state'),
        `ct_state=${flagText(cs)} never matches: ${why}`, 'see the ct_state flag rules in ovs-fields(7)'));
    }
    return out;
  },
};
