// group:G: processes the packet through group G's buckets.
import { fail } from '../errors.js';
import { colonText, intArg } from './args.js';
import type { ActionSpec } from './types.js';
import { ACTION_SET_RANK } from './facets.js';

export interface GroupArgs { group: number }

export const group: ActionSpec<GroupArgs> = {
  name: 'group',
  runsUnparsed: () => true,
  heldBytes: () => 8,
  groupId: (a) => a.group,
  actionSetRank: ACTION_SET_RANK.group,
  reportsTable: () => true,
  fromGroupId: (group) => ({ group }),
  parse(item) {
    const span = (item.colon ?? item.eq)?.span ?? item.span;
    const g = intArg(colonText(item), 32, 'group', span);
    if (g > 0xffffff00) fail(`invalid group id ${g}`, span);
    return { group: g };
  },
  format: (a) => `group:${a.group}`,
  execute: (a, x) => x.group(a.group),
};
