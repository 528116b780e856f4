// write_actions(ACTIONS): the OpenFlow 1.1+ instruction that adds ACTIONS to the action set,
// run when the pipeline ends. OpenFlow 1.0 has no such thing: an OF1.0 dump leaves it out.
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { args } from './args.js';
import { actionSetRankOf } from './facets.js';
import { actionByName } from './index.js';
import type { Action, ActionSpec, ParseCtx } from './types.js';

export interface WriteActionsArgs { actions: Action[] }

export const write_actions: ActionSpec<WriteActionsArgs> = {
  name: 'write_actions',
  heldBytes: () => 8,
  nested: (a) => a.actions,
  instruction: true,
  parse(item: Item, ctx: ParseCtx) {
    if (!item.args) fail('write_actions: expected write_actions(ACTIONS)', item.span);
    return { actions: ctx.parseActions(args(item)).filter((a) => a.name !== 'drop') };
  },
  check(a, ctx) {
    // What has no place in the action set the switch refuses (OVS: OFPBAC_BAD_TYPE).
    for (const n of a.actions) {
      if (actionSetRankOf(actionByName(n.name), n) === undefined) ctx.fail(`${n.name}: disallowed action in action set (OFPBAC_BAD_TYPE)`, n.span);
    }
    ctx.checkActions(a.actions);
  },
  execute: (a, x) => x.writeActions(a.actions),
  format: (a, ctx) => (ctx.ofVersion >= 11 ? `write_actions(${ctx.formatActions(a.actions)})` : ''),
};
