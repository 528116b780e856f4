// Runs every action's semantic check against the flow's match, the way ovs-ofctl does
// after parsing (ofpacts_check): an action may be fine alone but inconsistent with the
// match (ct() on a non-IP flow, learn reading tcp_src without `tcp`).
import type { Span } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { cloneMatch, type Match } from '../match.js';
import { actionByName } from './index.js';
import { verifyInstructions } from './instructions.js';
import type { Action, CheckCtx } from './types.js';

/** `dump`: the flows are a switch's dump, already accepted (no protocol to refuse them over). */
export function checkActions(actions: Action[], flowMatch: Match, table: number, ofVersion = 10, dump = false): void {
  // Checks may update the match as OVS's do (push_vlan marks a tag present): they get a
  // copy, made only when the first action with a check is met (most lists have none).
  let match: Match | null = null;
  const run = (list: Action[], outer: string | null): void => {
    for (const a of list) {
      const spec = actionByName(a.name);
      if (!spec?.check) continue;
      match ??= cloneMatch(flowMatch);
      const ctx: CheckCtx = {
        match, table, outer, checkActions: (xs) => run(xs, a.name),
        fail: (message: string, span?: Span) => fail(message, span ?? a.span),
        inconsistent: (what: string) => {
          if (ofVersion >= 11 && !dump) {
            fail(`${what}: only OpenFlow 1.0 can carry that, not the OpenFlow 1.${ofVersion - 10} the flows are added with `
              + '(ovs-ofctl: none of the usable flow formats is among the allowed flow formats)', a.span);
          }
        },
      };
      spec.check(a.args, ctx);
    }
  };
  run(actions, null);
  verifyInstructions(actions, ofVersion);
}
