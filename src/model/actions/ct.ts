// ct(commit, force, table=T, zone=N|zone=FIELD[..], nat(...), exec(...), alg=ftp|tftp):
// send the packet through connection tracking. OVS keeps nat and the exec() actions as one
// nested list (a leading nat is printed outside exec, everything else inside it).
import type { Item, Span } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { valueText } from '../match.js';
import { args, formatSubfield, intArg, subfieldFromAtoms, type Subfield } from './args.js';
import { formatNat, natIsBare, parseNat, type NatArgs } from './nat.js';
import { fieldUsable, prereqMet } from './field-prereq.js';
import type { Action, ActionSpec, ParseCtx } from './types.js';
import { ctRequest } from '../../pipeline/ct-args.js';
import { ACTION_SET_RANK, subfieldAccess } from './facets.js';

export interface CtArgs {
  commit: boolean;
  force: boolean;
  table: number | null;        // recirculation table; null = none (NX_CT_RECIRC_NONE)
  zone: number | Subfield;     // immediate zone, or the bits of a field holding it
  actions: Action[];           // nat and exec(...) contents, in the order written
  alg: number;                 // helper port: 0 none, 21 ftp, 69 tftp
}

const ALGS = new Map<string, number>([['ftp', 21], ['tftp', 69]]);
const ALG_NAMES = new Map<number, string>([[21, 'ftp'], [69, 'tftp']]);
/** The only fields an action nested in ct() may write: the connection's own. */
const CT_FIELDS = ['ct_mark', 'ct_label'];

function valueOf(it: Item): string {
  if (!it.eq) fail(`ct: ${it.key.text} needs a value (${it.key.text}=...)`, it.span);
  return valueText(it.eq);
}

/** OVS tries `zone` as a 16-bit number first (str_to_u16, base 0), then as a subfield. */
function parseZone(it: Item): number | Subfield {
  const text = valueOf(it);
  const n = /^(0x[0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(text) ? Number.parseInt(text, text.startsWith('0x') ? 16 : /^0\d/.test(text) ? 8 : 10) : NaN;
  if (n >= 0 && n <= 0xffff) return n;
  const sf = subfieldFromAtoms(it.eq!.chain, it.eq!.span);
  if (sf.bits !== 16) fail(`zone n_bits ${sf.bits} not within valid range [16..16]`, it.eq!.span);
  return sf;
}

/** The field an action writes, for the actions ct() may nest (set_field, load, move). */
function writtenField(a: Action): string | null {
  const x = a.args as { field?: { name: string }; dst?: { field?: { name: string } } } | null;
  return x?.field?.name ?? x?.dst?.field?.name ?? null;
}

function parseExec(it: Item, ctx: ParseCtx): Action[] {
  const list = ctx.parseActions(args(it)).filter((a) => a.name !== 'drop');
  for (const a of list) {
    if (a.name === 'nat') continue;
    const f = writtenField(a);
    if (f === null) fail(`ct action doesn't support nested action ${a.name}`, a.span);
    if (!CT_FIELDS.includes(f)) fail(`ct action doesn't support nested modification of ${f}`, a.span);
  }
  return list;
}

function parse(item: Item, ctx: ParseCtx): CtArgs {
  if (item.eq || item.colon) fail('ct: expected ct or ct(...)', item.span);
  const ct: CtArgs = { commit: false, force: false, table: null, zone: 0, actions: [], alg: 0 };
  for (const it of args(item)) {
    switch (it.key.text) {
      case 'commit': ct.commit = true; break;
      case 'force': ct.force = true; break;
      case 'table': {
        const t = valueOf(it);
        const n = /^\d+$/.test(t) ? Number(t) : NaN;
        if (!(n <= 255)) fail(`unknown table ${t}`, it.eq!.span);
        if (n === 255) fail('invalid table 0xff', it.eq!.span);
        ct.table = intArg(t, 8, 'table', it.eq!.span);
        break;
      }
      case 'zone': ct.zone = parseZone(it); break;
      case 'alg': {
        const a = ALGS.get(valueOf(it));
        if (a === undefined) fail(`invalid conntrack helper "${valueOf(it)}"`, it.eq!.span);
        ct.alg = a;
        break;
      }
      case 'nat': ct.actions.push({ name: 'nat', args: parseNat(it), span: it.span }); break;
      case 'exec': ct.actions.push(...parseExec(it, ctx)); break;
      default: fail(`invalid argument to "ct" action: \`${it.key.text}'`, it.key.span);
    }
  }
  if (ct.force && !ct.commit) fail('"force" flag requires "commit" flag.', item.span);
  // The switch refuses (OFPBAC_BAD_ARGUMENT) an uncommitted ct with anything but a bare nat.
  if (!ct.commit && ct.actions.some((a) => a.name !== 'nat' || !natIsBare(a.args as NatArgs))) {
    fail('CT action requires commit flag if actions other than NAT without arguments are specified.', item.span);
  }
  return ct;
}

const inconsistent = (why: string) => `${why} (actions are invalid with specified match: OFPBAC_MATCH_INCONSISTENT)`;

export const ct: ActionSpec<CtArgs> = {
  name: 'ct',
  heldBytes: () => 32,
  actionSetRank: ACTION_SET_RANK.ct,
  parse,
  nested: (a) => a.actions,
  jumps: (a) => (a.table === null ? [] : [{ table: a.table, kind: 'ct' }]),
  conntrack: (a) => ({ kind: 'track', zone: a.zone, commit: a.commit }),
  reads: (a) => (typeof a.zone === 'number' ? [] : [subfieldAccess(a.zone)]),
  check(a, ctx) {
    const m = ctx.match;
    // The ethertype as OVS's get_dl_type reads it: an L3 packet_type=(1,0x800) is IP too.
    if (!prereqMet(m, 'ip')) ctx.fail(inconsistent('ct needs a flow that matches ip or ipv6'));
    const st = m.values.get('ct_state') ?? 0n, stMask = m.masks.get('ct_state') ?? 0n;
    if (a.commit && st & stMask & 0x10n) ctx.fail(inconsistent('ct(commit) cannot commit a flow matching ct_state=+inv'));
    if (a.alg === 21 && !prereqMet(m, 'tcp')) ctx.fail(inconsistent('ct(alg=ftp) needs a flow that matches tcp'));
    if (a.alg === 69 && !prereqMet(m, 'udp')) ctx.fail(inconsistent('ct(alg=tftp) needs a flow that matches udp'));
    if (typeof a.zone !== 'number' && !fieldUsable(m, a.zone.field)) {
      ctx.fail(inconsistent(`ct zone source field ${a.zone.field.name} lacks correct prerequisites`));
    }
    for (const n of a.actions) {
      if (n.name !== 'nat') continue;
      const af = (n.args as NatArgs).af;
      if ((af === 4 && !prereqMet(m, 'ipv4')) || (af === 6 && !prereqMet(m, 'ipv6'))) {
        ctx.fail(inconsistent(`nat to an IPv${af} address needs a flow that matches ${af === 4 ? 'ip' : 'ipv6'}`), n.span as Span);
      }
    }
    ctx.checkActions(a.actions.filter((n) => n.name !== 'nat'));
  },
  execute: (a, x) => x.conntrack(ctRequest(a)),
  format(a, ctx) {
    const parts: string[] = [];
    if (a.commit) parts.push('commit');
    if (a.force) parts.push('force');
    if (a.table !== null) parts.push(`table=${a.table}`);
    if (typeof a.zone !== 'number') parts.push(`zone=${formatSubfield(a.zone)}`);
    else if (a.zone) parts.push(`zone=${a.zone}`);
    let rest = a.actions;
    if (rest.length && rest[0].name === 'nat') {
      parts.push(formatNat(rest[0].args as NatArgs));
      rest = rest.slice(1);
    }
    if (rest.length) parts.push(`exec(${ctx.formatActions(rest)})`);
    if (a.alg) parts.push(`alg=${ALG_NAMES.get(a.alg) ?? a.alg}`);
    return `ct(${parts.join(',')})`;
  },
};

export const ct_clear: ActionSpec<null> = {
  name: 'ct_clear',
  heldBytes: () => 8,
  actionSetRank: ACTION_SET_RANK.ctClear,
  conntrack: () => ({ kind: 'clear' }),
  // ovs-ofctl ignores whatever is written after ct_clear (ct_clear(1) is ct_clear).
  parse: () => null,
  format: () => 'ct_clear',
  execute: (_a, x) => x.ctClear(),
};
