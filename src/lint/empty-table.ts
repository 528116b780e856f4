// Actions that send packets to a table without flows. What a miss does depends on the
// action (ofproto-dpif.c, rule_dpif_lookup_from_table): goto_table and the lookup after a
// ct(table=N) recirculation apply the table-miss behaviour (drop, unless a controller
// asked for misses); a resubmit's miss runs no actions and processing goes on after it.
// The action set still runs after a goto_table miss (test/oracle/lint-actset/goto-miss-runs-set).
// Tables a learn action fills are not empty at run time. Group buckets are looked into
// (each bucket action once, at the first flow using the group); a final action written
// to the action set that never runs (on every path reach.ts follows, a clear_actions
// after it empties the set or a final action of a higher class outranks it) is not reported.
import type { Action } from '../model/actions/types.js';
import type { Flow } from '../model/flow.js';
import { bucketActions, groupOf, nestedActions } from './actions.js';
import { atAction, finding, lineOf } from './finding.js';
import type { Finding, LintCtx, LintInput, Severity } from './types.js';

/** One action going to an empty table. */
export interface EmptySite {
  table: number;
  /** Nothing follows the action in its list. */
  last: boolean;
  /** The group bucket the action is in (the finding points at the flow's group action). */
  bucket: { group: number; id: number } | null;
  /** goto_table: flows whose write_actions put a final action in the set arriving here. */
  setBy: readonly Flow[];
}

/** What to say about one action going to an empty table. */
export type Describe = (site: EmptySite) => { severity: Severity; message: string; hint: string };

/** Findings of `rule` for each table `targets` maps an action to (given the flow's table) that has no flows. */
export function emptyTargets(rule: string, input: LintInput, ctx: LintCtx,
  targets: (a: Action, table: number) => readonly number[], describe: Describe): Finding[] {
  const filled = new Set(input.flows.map((f) => f.table));
  for (const t of ctx.reach.learned) filled.add(t);
  const { setWritten, setRuns, gotoWithSet } = ctx.reach;
  const out: Finding[] = [];
  const done = new Set<Action>(); // bucket actions reported (a group serves many flows)
  const walk = (f: Flow, list: readonly Action[], at: Action | null, bucket: EmptySite['bucket'], groups: number[]) => list.forEach((a, i) => {
    if (setWritten.has(a) && !setRuns.has(a)) return;
    for (const t of targets(a, f.table)) {
      if (filled.has(t) || (bucket && done.has(a))) continue;
      if (bucket) done.add(a);
      const d = describe({ table: t, last: i === list.length - 1, bucket, setBy: [...gotoWithSet.get(a) ?? []] });
      out.push(finding(rule, d.severity, f, atAction(at ?? a), d.message, d.hint));
    }
    const inner = nestedActions(a);
    if (inner) walk(f, inner, at, bucket, groups);
    const g = groupOf(a);
    const desc = g === null || groups.includes(g) ? undefined : input.groups?.get(g);
    desc?.buckets.forEach((b, k) => walk(f, bucketActions(b.actions), at ?? a, { group: g!, id: b.id ?? k }, [...groups, g!]));
  });
  for (const f of ctx.effective) walk(f, f.actions, null, null, []);
  return out;
}

/** `group 1 bucket 0: ` before a message about a bucket's action. */
export const inBucket = (s: EmptySite): string => (s.bucket ? `group ${s.bucket.group} bucket ${s.bucket.id}: ` : '');

/** The table-miss wording goto_table and ct(table=) share. */
export const tableMiss = (what: string): Describe => (s) => ({
  severity: 'warning',
  message: `${inBucket(s)}${what} table ${s.table}, which has no flows: ${s.setBy.length
    ? `the lookup misses and the pipeline ends; OVS then runs the action set (written by ${s.setBy.map(lineOf).join(', ')}), and drops the packet if that sends it nowhere`
    : 'the lookup there misses and OVS drops the packet'} (unless a controller asked for table misses)`,
  hint: `add flows to table ${s.table} (at least a priority=0 flow saying what happens), or send the packet to another table`,
});
