// resubmit:PORT, resubmit([port],[table][,ct]).
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { valueText } from '../match.js';
import { ctTupleAllowed } from '../normalize.js';
import { formatPort } from '../values.js';
import { intArg, itemText, slots } from './args.js';
import { ACTION_SET_RANK } from './facets.js';
import { tryPort } from './output.js';
import type { ActionSpec, ParseCtx } from './types.js';

export interface ResubmitArgs { inPort: number | null; table: number | null; ct: boolean }

function parse(item: Item, ctx: ParseCtx): ResubmitArgs {
  const portOf = (text: string, span: Item['span']) => {
    const p = tryPort(text, ctx);
    if (p === null) fail(`${text}: resubmit to unknown port`, span);
    return p;
  };
  if (!item.args) {
    const v = item.colon ?? item.eq;
    if (!v) fail('resubmit: expected resubmit:PORT or resubmit(PORT,TABLE)', item.span);
    return { inPort: portOf(valueText(v), v.span), table: null, ct: false };
  }
  const s = slots(item);
  if (s.length > 3) fail('resubmit: at most (port,table,ct)', item.span);
  const text = (i: number) => (s[i] && s[i].kind === 'item' ? itemText(s[i] as Item) : '');
  // IN_PORT is what resubmit uses when no port is given: OVS prints it as nothing.
  const given = text(0) ? portOf(text(0), s[0].span) : null;
  const inPort = given === 0xfff8 ? null : given;
  const table = text(1) ? intArg(text(1), 8, 'resubmit table', s[1].span) : null;
  if (table === 255) fail('resubmit: table 255 is not a valid table', s[1].span);
  if (text(2) && text(2) !== 'ct') fail(`${text(2)}: unknown parameter`, s[2].span);
  if (inPort === null && table === null) fail('at least one "in_port" or "table" must be specified on resubmit', item.span);
  return { inPort, table, ct: text(2) === 'ct' };
}

export const resubmit: ActionSpec<ResubmitArgs> = {
  name: 'resubmit',
  heldBytes: () => 16,
  actionSetRank: ACTION_SET_RANK.resubmit,
  parse,
  jumps: (a, table) => [{ table: a.table ?? table, kind: 'resubmit' }],
  // resubmit(,T,ct) looks up with the connection's original tuple: only a flow whose
  // ct_state implies a valid connection may use it (OVS: OFPBAC_MATCH_INCONSISTENT).
  check(a, ctx) {
    if (a.ct && !ctTupleAllowed(ctx.match)) {
      ctx.fail('resubmit(...,ct) needs a match on ct_state implying a connection (+new, +est, +rel, +rpl, +snat, +dnat or +trk-inv) (OFPBAC_MATCH_INCONSISTENT)');
    }
  },
  execute: (a, x) => x.resubmit(a.inPort, a.table, a.ct),
  jump: (a) => a,
  // Without a table it looks up the table it runs in.
  reportsTable: (a) => a.table === null,
  fromTable: (table) => ({ inPort: null, table, ct: false }),
  format(a, ctx) {
    const port = a.inPort === null ? '' : formatPort(BigInt(a.inPort), ctx.portNames);
    if (a.table === null && !a.ct) return `resubmit:${port}`;
    return `resubmit(${port},${a.table ?? ''}${a.ct ? ',ct' : ''})`;
  },
};
