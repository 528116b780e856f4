// resubmit-to-empty-table: resubmit(,N) where table N has no flows. The lookup misses and
// runs no actions. As the last action of a flow the packet's processing ends there (a
// warning); followed by more actions it is a lookup that finds nothing, which OVN does on
// purpose for tables ovn-controller fills at run time (MAC bindings, FDB): a note. In a
// group bucket the resubmit is the bucket's final action: that copy of the packet goes no
// further (test/oracle/lint-actset/bucket-resubmit-to-empty), a warning.
import { jumpsOf } from '../actions.js';
import { emptyTargets, inBucket } from '../empty-table.js';
import type { LintRule } from '../types.js';

export const resubmitToEmptyTable: LintRule = {
  id: 'resubmit-to-empty-table',
  summary: 'resubmit to a table that has no flows',
  check: (input, ctx) => emptyTargets('resubmit-to-empty-table', input, ctx,
    jumpsOf('resubmit'),
    (s) => (s.bucket
      ? { severity: 'warning', message: `${inBucket(s)}resubmit goes to table ${s.table}, which has no flows: the lookup misses and this bucket's copy of the packet goes no further`,
        hint: `add flows to table ${s.table}, or resubmit to the table meant` }
      : s.last
        ? { severity: 'warning', message: `resubmit goes to table ${s.table}, which has no flows, as the last action: no actions run after it, so processing ends here`,
          hint: `add flows to table ${s.table}, or resubmit to the table meant` }
        : { severity: 'note', message: `resubmit goes to table ${s.table}, which has no flows: the lookup misses, runs no actions, and the next action follows`,
          hint: `intended when table ${s.table} is filled at run time (a controller, learn)` })),
};
