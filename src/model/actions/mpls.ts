// MPLS actions: push_mpls:ETHERTYPE, pop_mpls:ETHERTYPE, set_mpls_label/tc/ttl(N) (also
// written name:N), dec_mpls_ttl. OF1.5 dumps print set_mpls_label/tc as set_field.
// push/pop change the packet's ethertype, which later set_field prerequisites see.
//
// pop_mpls of the last label (as OVS 3.1 translates it, recorded in
// test/oracle/trace-mod-mpls/): the packet takes the given ethertype, its L3/L4 fields stay
// zero (an MPLS packet has none parsed), and the datapath must parse it again before any
// action that reads or writes past L2 (waitsForParsedPacket): the translation freezes and
// recirculates there. ofproto/trace does not follow that recirculation, nor does ctflow.
import type { Item } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { valueText } from '../match.js';
import { parseNumber } from '../values.js';
import { args, itemText } from './args.js';
import type { Action, ActionSpec, CheckCtx } from './types.js';
import { ACTION_SET_RANK, wholeField } from './facets.js';
import { mustField } from '../fields.js';
import { ones } from '../bits.js';
import { formatSetField } from './set_field.js';
import { ethernet } from './field-prereq.js';

const setDlType = (ctx: CheckCtx, t: number) => {
  ctx.match.values.set('dl_type', BigInt(t));
  ctx.match.masks.set('dl_type', 0xffffn);
};

function ethertype(item: Item, name: string): number {
  const v = item.colon ?? item.eq;
  const text = v ? valueText(v) : '';
  const n = parseNumber(text);
  if (n === null || n > 0xffffn) fail(`invalid ${name} "${text}"`, v?.span ?? item.span);
  return Number(n);
}

export const push_mpls: ActionSpec<{ ethertype: number }> = {
  name: 'push_mpls',
  heldBytes: () => 8,
  inert: true,
  actionSetRank: ACTION_SET_RANK.pushMpls,
  parse(item) {
    const t = ethertype(item, 'push_mpls');
    // ovs-ofctl takes any value; the switch refuses a non-MPLS one (OFPBAC_BAD_ARGUMENT).
    if (t !== 0x8847 && t !== 0x8848) fail(`push_mpls: 0x${t.toString(16).padStart(4, '0')} is not an MPLS ethertype (0x8847 or 0x8848); the switch answers OFPBAC_BAD_ARGUMENT`, item.colon?.span ?? item.span);
    return { ethertype: t };
  },
  check(a, ctx) {
    // OVS pushes MPLS only on an Ethernet packet (not after encap(nsh)); no protocol that can
    // also carry the rest of such a flow is left, so the switch refuses it.
    if (!ethernet(ctx.match)) ctx.fail('actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)');
    setDlType(ctx, a.ethertype);
  },
  execute: (a, x) => x.pushMpls(a.ethertype),
  format: (a) => `push_mpls:0x${a.ethertype.toString(16).padStart(4, '0')}`,
};


export const pop_mpls: ActionSpec<{ ethertype: number }> = {
  name: 'pop_mpls',
  heldBytes: () => 8,
  inert: true,
  actionSetRank: ACTION_SET_RANK.popMpls,
  parse: (item) => ({ ethertype: ethertype(item, 'pop_mpls') }),
  check(a, ctx) { setDlType(ctx, a.ethertype); },
  // The entries under the popped one move up (pushed by push_mpls on an MPLS packet).
  execute: (a, x) => x.popMpls(a.ethertype),
  format: (a) => `pop_mpls:0x${a.ethertype.toString(16).padStart(4, '0')}`,
};

/** `name(N)` or `name:N`. */
function number(item: Item, max: number, what: string): number {
  const one = args(item);
  const v = item.colon ?? item.eq;
  const text = item.args ? (one.length === 1 ? itemText(one[0]) : '') : v ? valueText(v) : '';
  const n = parseNumber(text);
  if (n === null || n > BigInt(max)) fail(`${item.key.text}: invalid ${what} "${text}"`, item.span);
  return Number(n);
}

/**
 * set_mpls_label / set_mpls_tc added over OpenFlow 1.2+ reach the switch as a set_field
 * (`setField`), which OF1.0 dumps print as a load; over 1.0/1.1 they stay themselves.
 */
function mplsSet(name: string, max: number, shift: number, what: string, field: string, hasSetField: boolean): ActionSpec<{ value: number; setField?: boolean }> {
  return {
    name,
    heldBytes: (a) => (a.setField ? 32 : 8), // a set_field on the MPLS field, else struct ofpact_mpls_*
    writes: () => [wholeField(mustField(field))],
    actionSetRank: ACTION_SET_RANK.write,
    parse: (item, ctx) => (hasSetField && !ctx.dump && (ctx.ofVersion ?? 10) >= 12
      ? { value: number(item, max, what), setField: true } : { value: number(item, max, what) }),
    // The field is `max` wide, at bit `shift` of the outer label stack entry.
    execute: (a, x) => x.setMplsLse(name, shift, max, a.value),
    format: (a, ctx) => (ctx.ofVersion >= 12 && hasSetField ? `set_field:${a.value}->${field}`
      : a.setField ? formatSetField({ field: mustField(field), value: BigInt(a.value), mask: ones(mustField(field).bits), load: false }, ctx)
        : `${name}(${a.value})`),
  };
}

export const set_mpls_label = mplsSet('set_mpls_label', 0xfffff, 12, 'MPLS label', 'mpls_label', true);
export const set_mpls_tc = mplsSet('set_mpls_tc', 7, 9, 'MPLS TC', 'mpls_tc', true);
export const set_mpls_ttl = mplsSet('set_mpls_ttl', 255, 0, 'MPLS TTL', 'mpls_ttl', false);

export const dec_mpls_ttl: ActionSpec<null> = {
  name: 'dec_mpls_ttl',
  heldBytes: () => 8,
  inert: true,
  actionSetRank: ACTION_SET_RANK.decMplsTtl,
  reportsTable: () => true,
  parse(item) {
    if (item.eq || item.colon || item.args) fail('dec_mpls_ttl takes no argument', item.span);
    return null;
  },
  execute: (_a, x) => x.decMplsTtl(),
  format: () => 'dec_mpls_ttl',
};

// What OVS 3.1 still runs on a packet whose last label was popped, before the datapath has
// parsed what was under it (recirc_for_mpls): outputs, writes of L2 headers, the tunnel and
// queue, and group (a select group freezes when it picks, a bucket's own actions are asked
// one by one). Every other action waits for the recirculated, parsed packet.
/** Whether `a` makes OVS recirculate first, after pop_mpls took the packet's last label. */
export function waitsForParsedPacket(a: Action, spec: ActionSpec | null): boolean {
  if (spec?.runsUnparsed?.(a.args)) return false;
  if (spec?.outputPort?.(a.args) != null) return false; // controller without options: an output
  return true;
}
