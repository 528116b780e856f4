// goto_table:T: the instruction that continues the pipeline in a later table. OpenFlow 1.0
// has no instructions: ovs-ofctl carries it as resubmit(,T), which is what an OF1.0 dump shows.
import { fail } from '../errors.js';
import { colonText, intArg } from './args.js';
import type { ActionSpec } from './types.js';

export interface GotoTableArgs { table: number }

export const goto_table: ActionSpec<GotoTableArgs> = {
  name: 'goto_table',
  jumps: (a) => [{ table: a.table, kind: 'goto_table' }],
  instruction: true,
  parse(item) {
    const v = (item.colon ?? item.eq)!;
    const table = intArg(colonText(item), 8, 'goto_table', v.span);
    if (table === 255) fail('goto_table: table 255 is not a valid table', v.span);
    return { table };
  },
  check(a, ctx) {
    if (a.table <= ctx.table) ctx.fail(`goto_table:${a.table} must go to a later table than this flow's table ${ctx.table} (OFPBIC_BAD_TABLE_ID)`);
  },
  format: (a, ctx) => (ctx.ofVersion >= 11 ? `goto_table:${a.table}` : `resubmit(,${a.table})`),
  execute: (a, x) => x.gotoTable(a.table),
};
