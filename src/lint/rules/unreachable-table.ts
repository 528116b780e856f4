// unreachable-table: a table with flows that no path from table 0 leads to (resubmit,
// goto_table, ct(table=), group buckets, the action set; see reach.ts). When some group
// was used but not given (--groups), its buckets may lead there: the finding is then only
// a note. A final action written to the action set that would lead there but never runs
// (replaced on every path) is named, so the reader sees what lint assumed.
import { jumps } from '../actions.js';
import { atAction, atFlow, byTable, finding, lineOf } from '../finding.js';
import type { LintRule, Related } from '../types.js';

export const unreachableTable: LintRule = {
  id: 'unreachable-table',
  summary: 'a table with flows that nothing reachable from table 0 sends packets to',
  check(input, ctx) {
    const out = [];
    const unknown = [...ctx.reach.unknownGroups].sort((a, b) => a - b);
    const lost = [...ctx.reach.setWritten].filter(([a]) => !ctx.reach.setRuns.has(a));
    for (const [table, flows] of byTable(ctx.effective)) {
      if (ctx.reach.tables.has(table)) continue;
      const n = flows.length;
      const replaced: Related[] = lost.filter(([a, f]) => jumps(a, f.table).some((j) => j.table === table))
        .map(([a, f]) => ({ flow: f, at: atAction(a), message: 'written to the action set, but cleared or outranked before the set runs' }));
      const why = replaced.length
        ? `the write_actions of ${replaced.map((r) => lineOf(r.flow)).join(', ')} would lead here, but on every path a clear_actions after it empties the set, or the set holds a final action that outranks it (group > output > resubmit > ct_clear > ct) when it runs`
        : null;
      if (unknown.length) {
        out.push(finding('unreachable-table', 'note', flows[0], atFlow,
          `table ${table} (${n} flow${n > 1 ? 's' : ''}) is reached by no path from table 0 through the flows, unless through group ${unknown.join(', ')}${why ? `; ${why}` : ''}`,
          'pass the groups (--groups FILE) to follow their buckets', replaced));
      } else {
        out.push(finding('unreachable-table', 'warning', flows[0], atFlow,
          `table ${table} (${n} flow${n > 1 ? 's' : ''}) is reached by no path from table 0: ${why ?? 'no resubmit, goto_table or ct(table=) leads here'}`,
          `send packets here from a table that is reached, or remove table ${table}'s flows`, replaced));
      }
    }
    return out;
  },
};
