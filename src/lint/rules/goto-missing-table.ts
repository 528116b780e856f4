// goto-missing-table: goto_table:N where table N has no flows.
import { jumpsOf } from '../actions.js';
import { emptyTargets, tableMiss } from '../empty-table.js';
import type { LintRule } from '../types.js';

export const gotoMissingTable: LintRule = {
  id: 'goto-missing-table',
  summary: 'goto_table to a table that has no flows',
  check: (input, ctx) => emptyTargets('goto-missing-table', input, ctx,
    jumpsOf('goto_table'), tableMiss('goto_table goes to')),
};
