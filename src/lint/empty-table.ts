// Actions that send packets to a table without flows. What a miss does depends on the
// action (ofproto-dpif.c, rule_dpif_lookup_from_table): goto_table and the lookup after a
// ct(table=N) recirculation apply the table-miss behaviour (drop, unless a controller
// asked for misses); a resubmit's miss runs no actions and processing goes on after it.
// Tables a learn action fills are not empty at run time.
import type { Action } from '../model/actions/types.js';
import type { Flow } from '../model/flow.js';
import { nestedActions } from './actions.js';
import { atAction, finding } from './finding.js';
import type { Finding, LintCtx, LintInput, Severity } from './types.js';

/** What to say about one action going to the empty table `table`; `last`: nothing follows it in its list. */
export type Describe = (table: number, last: boolean) => { severity: Severity; message: string; hint: string };

/** Findings of `rule` for each table `targets` maps an action to (given the flow's table) that has no flows. */
export function emptyTargets(rule: string, input: LintInput, ctx: LintCtx,
  targets: (a: Action, table: number) => readonly number[], describe: Describe): Finding[] {
  const filled = new Set(input.flows.map((f) => f.table));
  for (const t of ctx.reach.learned) filled.add(t);
  const out: Finding[] = [];
  const walk = (f: Flow, list: readonly Action[]) => list.forEach((a, i) => {
    for (const t of targets(a, f.table)) {
      if (filled.has(t)) continue;
      const d = describe(t, i === list.length - 1);
      out.push(finding(rule, d.severity, f, atAction(a), d.message, d.hint));
    }
    const inner = nestedActions(a);
    if (inner) walk(f, inner);
  });
  for (const f of ctx.effective) walk(f, f.actions);
  return out;
}

/** The table-miss wording goto_table and ct(table=) share. */
export const tableMiss = (what: string): Describe => (table) => ({
  severity: 'warning',
  message: `${what} table ${table}, which has no flows: the lookup there misses and OVS drops the packet (unless a controller asked for table misses)`,
  hint: `add flows to table ${table} (at least a priority=0 flow saying what happens), or send the packet to another table`,
});
