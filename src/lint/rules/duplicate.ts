// duplicate: two flows with the same table, priority and match. OVS keeps one flow per
// (table, priority, match): adding the second replaces the first, actions and all.
import { atFlow, finding, lineOf } from '../finding.js';
import { keptFlows } from '../match-index.js';
import type { LintRule } from '../types.js';

export const duplicate: LintRule = {
  id: 'duplicate',
  summary: 'same table, priority and match as another flow: OVS keeps only the later one',
  check(input) {
    return keptFlows(input.flows).replaced.map(({ old, by }) => finding('duplicate', 'warning', old, atFlow,
      `same table, priority and match as ${lineOf(by)}: adding that flow replaces this one`,
      'merge the two flows\' actions, or give one of them another priority',
      [{ flow: by, at: atFlow, message: 'the flow that replaces it' }]));
  },
};
