// The lint rules: one line per rule, in the order `--help` and the docs list them.
import type { LintRule } from '../types.js';
import { shadowed } from './shadowed.js';
import { duplicate } from './duplicate.js';
import { ctStateWithoutTrk } from './ct-state-without-trk.js';
import { ctStateImpossible } from './ct-state-impossible.js';
import { ctStateBeforeCt } from './ct-state-before-ct.js';
import { gotoMissingTable } from './goto-missing-table.js';
import { resubmitToEmptyTable } from './resubmit-to-empty-table.js';
import { ctTableEmpty } from './ct-table-empty.js';
import { freezeWithActionSet } from './freeze-with-action-set.js';
import { unreachableTable } from './unreachable-table.js';
import { commitZoneMismatch } from './commit-zone-mismatch.js';
import { conjunctionIncomplete } from './conjunction-incomplete.js';
import { registerReadNeverWritten } from './register-read-never-written.js';

export const RULES: readonly LintRule[] = [
  shadowed,
  duplicate,
  ctStateWithoutTrk,
  ctStateImpossible,
  ctStateBeforeCt,
  gotoMissingTable,
  resubmitToEmptyTable,
  ctTableEmpty,
  freezeWithActionSet,
  unreachableTable,
  commitZoneMismatch,
  conjunctionIncomplete,
  registerReadNeverWritten,
];
