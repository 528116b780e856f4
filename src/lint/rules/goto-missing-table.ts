// goto-missing-table: goto_table:N where table N has no flows.
import { jumpTarget } from '../actions.js';
import { emptyTargets, tableMiss } from '../empty-table.js';
import type { LintRule } from '../types.js';

export const gotoMissingTable: LintRule = {
  id: 'goto-missing-table',
  summary: 'goto_table to a table that has no flows',
  check: (input, ctx) => emptyTargets('goto-missing-table', input, ctx,
    (a, f) => { const j = jumpTarget(a, f.table); return j?.kind === 'goto_table' ? j.table : null; }, tableMiss('goto_table goes to')),
};
