// ct-table-empty: ct(table=N) recirculates into table N, which has no flows.
import { jumpsOf } from '../actions.js';
import { emptyTargets, tableMiss } from '../empty-table.js';
import type { LintRule } from '../types.js';

export const ctTableEmpty: LintRule = {
  id: 'ct-table-empty',
  summary: 'ct(table=N) recirculates to a table that has no flows',
  check: (input, ctx) => emptyTargets('ct-table-empty', input, ctx,
    jumpsOf('ct'), tableMiss('ct() recirculates to')),
};
