// clone(ACTIONS): runs ACTIONS on a copy of the packet; changes made inside do not leak out.
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { args } from './args.js';
import type { Action, ActionSpec, ParseCtx } from './types.js';

export interface CloneArgs { actions: Action[] }

export const clone: ActionSpec<CloneArgs> = {
  name: 'clone',
  heldBytes: () => 8,
  nested: (a) => a.actions,
  nestedOnCopy: true,
  parse(item: Item, ctx: ParseCtx) {
    if (!item.args) fail('clone: expected clone(ACTIONS)', item.span);
    return { actions: ctx.parseActions(args(item)).filter((a) => a.name !== 'drop') };
  },
  check: (a, ctx) => ctx.checkActions(a.actions),
  format: (a, ctx) => `clone(${ctx.formatActions(a.actions)})`,
  execute: (a, x) => x.clone(a.actions),
};
