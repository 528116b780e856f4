// Runs every action's semantic check against the flow's match, the way ovs-ofctl does
// after parsing (ofpacts_check): an action may be fine alone but inconsistent with the
// match (ct() on a non-IP flow, learn reading tcp_src without `tcp`).
import type { Span } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import type { Match } from '../match.js';
import { actionByName } from './index.js';
import type { Action, CheckCtx } from './types.js';

export function checkActions(actions: Action[], match: Match, table: number): void {
  const run = (list: Action[]): void => {
    for (const a of list) {
      const spec = actionByName(a.name);
      if (!spec?.check) continue;
      const ctx: CheckCtx = {
        match, table, checkActions: run,
        fail: (message: string, span?: Span) => fail(message, span ?? a.span),
      };
      spec.check(a.args, ctx);
    }
  };
  run(actions);
}
