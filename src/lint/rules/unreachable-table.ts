// unreachable-table: a table with flows that no path from table 0 leads to (resubmit,
// goto_table, ct(table=), group buckets; see reach.ts). When some group was used but not
// given (--groups), its buckets may lead there: the finding is then only a note.
import { atFlow, byTable, finding } from '../finding.js';
import type { LintRule } from '../types.js';

export const unreachableTable: LintRule = {
  id: 'unreachable-table',
  summary: 'a table with flows that nothing reachable from table 0 sends packets to',
  check(input, ctx) {
    const out = [];
    const unknown = [...ctx.reach.unknownGroups].sort((a, b) => a - b);
    for (const [table, flows] of byTable(ctx.effective)) {
      if (ctx.reach.tables.has(table)) continue;
      const n = flows.length;
      if (unknown.length) {
        out.push(finding('unreachable-table', 'note', flows[0], atFlow,
          `table ${table} (${n} flow${n > 1 ? 's' : ''}) is reached by no path from table 0 through the flows, unless through group ${unknown.join(', ')}`,
          'pass the groups (--groups FILE) to follow their buckets'));
      } else {
        out.push(finding('unreachable-table', 'warning', flows[0], atFlow,
          `table ${table} (${n} flow${n > 1 ? 's' : ''}) is reached by no path from table 0: no resubmit, goto_table or ct(table=) leads here`,
          `send packets here from a table that is reached, or remove table ${table}'s flows`));
      }
    }
    return out;
  },
};
