// ct-state-before-ct: a flow whose ct_state needs a tracked packet, in a table every path
// from table 0 reaches untracked (no ct(table=...) recirculated into it, and OVS clears
// the conntrack fields after each ct(), so a resubmit after ct(commit) arrives untracked).
// The flow never matches. Tables no path reaches are unreachable-table's business.
import { atField, finding } from '../finding.js';
import { ctStateOf, flagText, matchesUntracked } from '../ct-state.js';
import type { LintRule } from '../types.js';

export const ctStateBeforeCt: LintRule = {
  id: 'ct-state-before-ct',
  summary: 'ct_state needs a tracked packet, but no path reaches the table after ct()',
  check(_input, ctx) {
    const out = [];
    for (const f of ctx.effective) {
      const cs = ctStateOf(f.match);
      if (!cs.mask || matchesUntracked(cs)) continue;
      const states = ctx.reach.tables.get(f.table);
      if (!states || [...states.values()].some((s) => s !== null)) continue;
      out.push(finding('ct-state-before-ct', 'warning', f, atField('ct_state'),
        `ct_state=${flagText(cs)} never matches: every path from table 0 reaches table ${f.table} untracked (no ct() recirculates into it)`,
        `send the packet through ct(table=${f.table},zone=...) first; actions after a ct() in the same flow see an untracked packet`));
    }
    return out;
  },
};
