// set_field:VALUE[/MASK]->FIELD and load:VALUE->FIELD[..]: one action in OVS (a masked write
// of a field). What a dump prints depends on how OVS carried it through an OpenFlow 1.0
// add-flow and back out of the switch:
// - load, and set_field on a field without an OpenFlow 1.0 action, travel as NXAST_REG_LOAD,
//   one per run of mask bits of at most 64 bits: OF1.0 dumps print one `load:` per run, OF1.5
//   dumps one masked `set_field:` per run (so a 128-bit write shows up as two);
// - fields that NXAST_REG_LOAD cannot name (tun_metadata, experimenter fields) travel as
//   NXAST_REG_LOAD2 and print as a single `set_field:` in both dialects;
// - set_field on a field OpenFlow 1.0 has an action for (eth_src, ip_dst, tcp_dst, vlan_vid...)
//   becomes that action (mod_dl_src, mod_nw_dst, ...), as do the mod_* spellings themselves;
//   OpenFlow 1.2+ dumps print those actions as set_field again (and strip_vlan as pop_vlan);
// - OpenFlow 1.2-1.4 dumps keep a write that arrived as a load a load, print any other write
//   of a whole field as one set_field, and a partial one as loads (their set_field has no mask).
import type { Atom, Item, Span } from '../../../grammar/syntax.js';
import { ones } from '../bits.js';
import { fail } from '../errors.js';
import { fieldByName, fieldNames, type FieldSpec } from '../fields.js';
import { valueText } from '../match.js';
import { formatIpv4, formatMac, parseFieldValue, ValueError } from '../values.js';
import { didYouMean } from '../../util/suggest.js';
import { bigArg, formatSubfield, subfieldFromAtoms } from './args.js';
import { VID_BITS } from './vlan-vid.js';
import { hexish, mfFormat } from './mf-format.js';
import { prereqMet, writesBelowL3 } from './field-prereq.js';
import { hasVlan, setVlanTci } from './vlan-state.js';
import type { ActionSpec, CheckCtx, FormatCtx, ParseCtx } from './types.js';
import { ACTION_SET_RANK, align8 } from './facets.js';

export interface SetFieldArgs {
  field: FieldSpec;
  value: bigint;           // as written: OVS keeps the bits outside the mask too
  mask: bigint;
  /** Reaches the switch as NXAST_REG_LOAD (see arrivesAsLoad): dumps before OF1.5 print it
   *  as load. In a dump line: written as `load:`. */
  load: boolean;
  /** Written as an OpenFlow 1.0 action (mod_dl_src, mod_nw_ttl, ...): OVS checks no prerequisite. */
  legacy?: boolean;
  /** Read from a switch's dump: the switch accepted it, and its OF1.2+ dumps print OF1.0 actions
   *  (mod_nw_src, set_mpls_label...) as set_field even where the match lacks the prerequisite. */
  dumped?: boolean;
  /** Added over OpenFlow 1.2+ (or read from a dump) as a set_field: the switch holds the
   *  set_field itself, which its 1.2+ dumps print as written (set_field:0x1003->vlan_tci),
   *  not as the OpenFlow 1.0 actions OF1.0 dumps show (mod_vlan_vid, mod_vlan_pcp). */
  setField?: boolean;
  /** Set by check: whether the packet had a VLAN tag here (OF1.5 dumps add push_vlan if not). */
  flowHasVlan?: boolean;
  /** Made by the switch, never encoded (a frozen write_metadata): printed as the action itself, set_field with its mask. */
  internal?: boolean;
  /** vlan_vid's mask as written over OpenFlow 1.5 (or read from its dump), in OVS's 16 bits,
   *  when not all ones there: `/0x1fff` covers ctflow's 13 bits yet is a partial write to OVS,
   *  which prints it (and `/0x3fff`) as written. `mask` holds the bits ctflow writes. */
  vidMask?: bigint;
}

/** Whether the switch holds the write as a set_field (OFPACT_SET_FIELD: every load and
 *  set_field, and a 1.0 action added over 1.2+), which OVS's translation applies only to a
 *  packet that has the field. Writes built elsewhere (set_tunnel, MPLS) carry no `load`. */
export const heldAsSetField = (a: { load?: boolean; legacy?: boolean; setField?: boolean }): boolean =>
  a.load !== undefined && (!a.legacy || a.setField === true);

/** Fields OVS holds in a container wider than the field, so a whole-field write still prints a mask. */
const PARTIAL = new Set(['nw_ecn', 'ip_dscp', 'mpls_label', 'mpls_tc', 'ipv6_label', 'vlan_vid', 'vlan_pcp',
  'tun_erspan_idx', 'tun_erspan_ver', 'tun_erspan_dir', 'tun_erspan_hwid']);

function sfText(f: FieldSpec, value: bigint, mask: bigint, ctx: FormatCtx): string {
  const full = !PARTIAL.has(f.name) && (mask & ones(f.bits)) === ones(f.bits);
  return `set_field:${mfFormat(f, value, full ? ones(f.bytes * 8 > f.bits ? f.bytes * 8 : f.bits) : mask, ctx.portNames)}->${f.name}`;
}

/** NXAST_REG_LOAD needs an NXM/OXM header and a fixed width (tun_metadata is variable). */
const regLoadable = (f: FieldSpec) => f.nxm !== null && !f.name.startsWith('tun_metadata');

/** OVS splits a write into runs of contiguous mask bits, at most 64 bits each. */
function segments(a: SetFieldArgs): { ofs: number; bits: number; value: bigint }[] {
  const out: { ofs: number; bits: number; value: bigint }[] = [];
  let ofs = 0;
  // A load of vlan_vid writes the 12-bit VID only (vlan-vid.ts): OFPVID_PRESENT is no bit of it.
  const [bits, mask] = a.field.name === 'vlan_vid' ? [VID_BITS, a.mask & ones(VID_BITS)] : [a.field.bits, a.mask];
  while (ofs < bits) {
    if (!((mask >> BigInt(ofs)) & 1n)) { ofs++; continue; }
    let n = 0;
    while (ofs + n < bits && n < 64 && (mask >> BigInt(ofs + n)) & 1n) n++;
    out.push({ ofs, bits: n, value: (a.value >> BigInt(ofs)) & ones(n) });
    ofs += n;
  }
  return out;
}

/** Printed with set_field (`sf` is true: OpenFlow 1.2+) or as the OpenFlow 1.0 action. */
type Native = (v: bigint, sf: boolean, a: SetFieldArgs, of11: boolean) => string;
/** OpenFlow 1.1's own VLAN actions print as set_vlan_vid/set_vlan_pcp (1.0's as mod_vlan_*). */
const vlanSet = (what: 'vid' | 'pcp', of11: boolean, v: bigint) => `${of11 ? 'set' : 'mod'}_vlan_${what}:${v}`;
const sf = (name: string, text: string) => `set_field:${text}->${name}`;
const pushIfNeeded = (a: SetFieldArgs) => (a.flowHasVlan === false ? 'push_vlan:0x8100,' : '');
const tp = (dir: 'src' | 'dst'): Native => (v, of12, a) => (of12 ? sf(a.field.name, String(v)) : `mod_tp_${dir}:${v}`);

/** The OpenFlow 1.0 action OVS turns a set_field on these fields into, and its OF1.2+ form. */
const NATIVE = new Map<string, Native>([
  ['eth_src', (v, of12) => (of12 ? sf('eth_src', formatMac(v)) : `mod_dl_src:${formatMac(v)}`)],
  ['eth_dst', (v, of12) => (of12 ? sf('eth_dst', formatMac(v)) : `mod_dl_dst:${formatMac(v)}`)],
  ['ip_src', (v, of12) => (of12 ? sf('ip_src', formatIpv4(v)) : `mod_nw_src:${formatIpv4(v)}`)],
  ['ip_dst', (v, of12) => (of12 ? sf('ip_dst', formatIpv4(v)) : `mod_nw_dst:${formatIpv4(v)}`)],
  ['nw_tos', (v, of12) => (of12 ? sf('ip_dscp', String((v & 0xfcn) >> 2n)) : `mod_nw_tos:${v & 0xfcn}`)],
  ['ip_dscp', (v, of12) => (of12 ? sf('ip_dscp', String(v & 0x3fn)) : `mod_nw_tos:${(v & 0x3fn) << 2n}`)],
  ['tcp_src', tp('src')], ['udp_src', tp('src')], ['tcp_dst', tp('dst')], ['udp_dst', tp('dst')],
  ['vlan_vid', (v, of12, a, of11) => (of12 ? pushIfNeeded(a) + sf('vlan_vid', String((v & 0xfffn) | 0x1000n)) : vlanSet('vid', of11, v & 0xfffn))],
  ['vlan_pcp', (v, of12, a, of11) => (of12 ? pushIfNeeded(a) + sf('vlan_pcp', String(v & 7n)) : vlanSet('pcp', of11, v & 7n))],
  // CFI set: modify VID and PCP (pushing a tag if needed); CFI clear: strip the tag.
  ['vlan_tci', (v, of12, a, of11) => {
    const vid = v & 0xfffn, pcp = (v >> 13n) & 7n;
    if (of12 && a.setField) return sf('vlan_tci', hexish(v));
    if (!(v & 0x1000n)) return of12 ? 'pop_vlan' : 'strip_vlan';
    return of12 ? `${pushIfNeeded(a)}${sf('vlan_vid', String(vid | 0x1000n))},${sf('vlan_pcp', String(pcp))}`
      : `${vlanSet('vid', of11, vid)},${vlanSet('pcp', of11, pcp)}`;
  }],
]);

/** OpenFlow 1.1 actions for fields OpenFlow 1.0 writes with a load (mod_nw_ttl from 1.1 on,
 *  mod_nw_ecn in 1.1 only: 1.2 has set_field for it). Only for writes spelled that way. */
const OF11 = new Map<string, (v: bigint, version: number) => string | null>([
  ['nw_ttl', (v, version) => (version >= 11 ? `mod_nw_ttl:${v}` : null)],
  ['nw_ecn', (v, version) => (version === 11 ? `mod_nw_ecn:${v}` : null)],
]);

/** Every bit of the field written: an OpenFlow 1.2-1.4 set_field (which has no mask) can say it. */
const whole = (a: SetFieldArgs) => a.vidMask === undefined && (a.mask & ones(a.field.bits)) === ones(a.field.bits);
/** A set_field without a mask (OVS fills in all ones). */
const sfWhole = (a: SetFieldArgs, ctx: FormatCtx) => sf(a.field.name, mfFormat(a.field, a.value, ones(a.field.bytes * 8), ctx.portNames));

export function formatSetField(a: SetFieldArgs, ctx: FormatCtx): string {
  const version = ctx.ofVersion;
  if (a.internal) return sfText(a.field, a.value & a.mask, a.mask, ctx);
  const native = a.load ? undefined : NATIVE.get(a.field.name);
  // A masked set_field the switch holds (added over OF1.5, or from a 1.5 dump): 1.5 dumps
  // print it masked, 1.2-1.4 dumps as the loads of its runs, 1.0 dumps as the OpenFlow 1.0
  // action with the mask gone (recorded on OVS 3.1: test/oracle/trace set-field-masked-*).
  if (native && !a.legacy && !whole(a) && version >= 12) {
    return ctx.of15 ? sfText(a.field, a.value & a.mask, a.vidMask ?? a.mask, ctx) : loads(a, ctx);
  }
  if (native) return native(a.value, version >= 12, a, version === 11);
  const of11 = a.legacy && !a.load ? OF11.get(a.field.name)?.(a.value, version) : null;
  if (of11) return of11;
  if (!regLoadable(a.field)) return sfText(a.field, a.value & a.mask, a.mask, ctx);
  // An OpenFlow 1.1 action (mod_nw_ecn) comes back from 1.2 on as a set_field without a mask.
  if (version >= 12 && a.legacy && !a.load) return sfWhole(a, ctx);
  // A set_field stays one action in an OpenFlow 1.5 dump (OVN writes xxreg1 whole that way);
  // only loads, or the OpenFlow 1.0 encoding, split into 64-bit runs.
  if (ctx.of15 && !a.load) return sfText(a.field, a.value & a.mask, a.mask, ctx);
  if (version >= 12 && !a.load && whole(a)) return sfWhole(a, ctx);
  return loads(a, ctx);
}

/** The write as NXAST_REG_LOAD's runs: `load:` each, or in an OF1.5 dump a masked set_field each. */
function loads(a: SetFieldArgs, ctx: FormatCtx): string {
  return segments(a).map((s) => {
    const sh = BigInt(s.ofs);
    if (ctx.of15) return sfText(a.field, s.value << sh, ones(s.bits) << sh, ctx);
    return `load:${hexish(s.value)}->${formatSubfield({ field: a.field, ofs: s.ofs, bits: s.bits })}`;
  }).join(',');
}

/** The value and destination of `name:VALUE->DST` or `name(VALUE->DST)` (as ct exec writes it). */
function valueAndDst(item: Item, usage: string): { text: string; span: Span; dst: Atom[]; all: Span } {
  const v = item.colon;
  if (v) {
    if (!v.dst) fail(`${valueText(v)}: missing '->'`, v.span);
    return { text: valueText({ ...v, dst: null }), span: v.chain[0].span, dst: v.dst, all: v.span };
  }
  const a = item.args?.length === 1 && item.args[0].kind === 'item' ? item.args[0] : null;
  if (!a || !a.arrow || a.eq || a.colon || a.args) fail(`${item.key.text}: expected ${usage}`, item.span);
  return { text: a.key.text, span: a.key.span, dst: a.arrow.chain, all: a.span };
}

function parseSetField(item: Item, ctx: ParseCtx): SetFieldArgs {
  const { text, span, dst } = valueAndDst(item, 'set_field:VALUE->FIELD');
  const d = dst[0];
  const name = d.kind === 'ref' ? d.text + (d.subscript !== null ? `[${d.subscript}]` : '') : '';
  const f = dst.length === 1 && d.kind === 'ref' && d.subscript === null ? fieldByName(d.text) : undefined;
  if (!f) fail(`${name} is not a valid OXM field name${didYouMean(name, fieldNames())}`, d.span);
  if (!f.writable) fail(`${name} is read-only`, d.span);
  try {
    const m = parseFieldValue(f, text, { ports: ctx.ports });
    // Without `/MASK` the whole field is written (flag fields parse to the named bits only).
    // Added over OpenFlow 1.0, a set_field with a native 1.0 action (mod_nw_src, ...) loses
    // its mask on the way to the switch: the whole field gets the value as written.
    const of10 = (ctx.ofVersion ?? 10) < 12 && !ctx.dump && NATIVE.has(f.name);
    let mask = text.includes('/') && !of10 ? m.mask : ones(f.bits);
    // OVS holds vlan_vid in 16 bits: a mask short of 0xffff is partial there.
    const vidMask = f.name === 'vlan_vid' && text.includes('/') && !of10 ? vidMask16(text, span) : undefined;
    mask &= ones(f.bits);
    if (ctx.dump) return { field: f, value: m.value, mask, load: false, dumped: true, setField: true, ...(vidMask !== undefined && { vidMask }) };
    // Over 1.2-1.4 such a mask makes it a load of the 12-bit VID (`set_field:0x1005/0x1fff` is
    // `load:0x5->OXM_OF_VLAN_VID[]`, which keeps the tag); over 1.5 the switch keeps the mask.
    const vidLoad = vidMask !== undefined && (ctx.ofVersion ?? 10) < 15;
    if (vidLoad) mask &= ones(VID_BITS);
    else if (vidMask !== undefined) return checkedVidMask(f, m.value, mask, vidMask, ctx, span);
    const load = vidLoad || arrivesAsLoad(f, mask, false, ctx);
    if (!load) checkOxmSetField(f, m.value, mask, ctx.ofVersion ?? 10, span);
    return !load && (ctx.ofVersion ?? 10) >= 12 ? { field: f, value: m.value, mask, load, setField: true } : { field: f, value: m.value, mask, load };
  } catch (e) {
    if (e instanceof ValueError) fail(e.message, span);
    throw e;
  }
}

/** The 16-bit mask of `VALUE/MASK` for vlan_vid, or undefined when it is all ones (a whole write). */
function vidMask16(text: string, span: Span): bigint | undefined {
  const t = text.slice(text.indexOf('/') + 1);
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) fail(`vlan_vid mask '${t}': expected a number`, span);
  const m = BigInt(t);
  if (m > 0xffffn) fail(`vlan_vid mask ${t} does not fit in 16 bits`, span);
  return m === 0xffffn ? undefined : m;
}

/** An OpenFlow 1.5 set_field on vlan_vid with a partial mask: checked, kept as a set_field. */
function checkedVidMask(f: FieldSpec, value: bigint, mask: bigint, vidMask: bigint, ctx: ParseCtx, span: Span): SetFieldArgs {
  checkOxmSetField(f, value, vidMask, ctx.ofVersion ?? 10, span);
  return { field: f, value, mask, load: false, setField: true, vidMask };
}

/**
 * What the switch checks in an OpenFlow 1.2+ set_field (OVS 3.1, recorded in
 * test/oracle/trace-mpls-prereq/cases/set-field-oxm-*): over OpenFlow 1.5, which sends the
 * mask, no 1-bit of the value may lie outside it; a vlan_vid value (and a 1.5 mask) must
 * carry OFPVID_PRESENT (0x1000), which OpenFlow 1.0's mod_vlan_vid does not have.
 */
function checkOxmSetField(f: FieldSpec, value: bigint, mask: bigint, version: number, span: Span): void {
  if (version < 12) return; // mod_vlan_vid, mod_nw_src...: no set_field on the wire
  const of = `OpenFlow1${version - 10}`;
  if (version >= 15 && value & ~mask & ones(f.bits)) {
    fail(`set_field ${f.name}: over ${of} the value has 1-bits outside the mask: the switch refuses the flow `
      + '(1-bits in value for bits wildcarded by the mask, OFPBMC_BAD_WILDCARDS)', span);
  }
  if (f.name === 'vlan_vid' && (!(value & 0x1000n) || (version >= 15 && !(mask & 0x1000n)))) refuseVlanVid(value, of, span);
}

function refuseVlanVid(value: bigint, of: string, span: Span): never {
  fail(`set_field vlan_vid: over ${of} the value must carry OFPVID_PRESENT (0x1000, e.g. ${value | 0x1000n} for VLAN ${value & 0xfffn}): `
    + `the switch refuses the flow (Invalid value for set field vlan_vid: ${value}, OFPBAC_BAD_SET_ARGUMENT)`, span);
}

/**
 * Whether a write added with `ovs-ofctl -O <ctx.ofVersion> add-flow` reaches the switch as
 * NXAST_REG_LOAD, which is what later dumps before OF1.5 show (`load:`), rather than as a
 * set_field or an OpenFlow 1.0/1.1 action. A dump line keeps the spelling the switch printed.
 */
export function arrivesAsLoad(f: FieldSpec, mask: bigint, spelledLoad: boolean, ctx: ParseCtx): boolean {
  if (ctx.dump) return spelledLoad;
  const version = ctx.ofVersion ?? 10;
  if (version >= 15) return false;                    // OpenFlow 1.5 has set_field only
  if (spelledLoad) return true;
  if (version < 12) return !NATIVE.has(f.name);        // no set_field before 1.2
  return (mask & ones(f.bits)) !== ones(f.bits);       // a 1.2-1.4 set_field has no mask
}

function parseLoad(item: Item, ctx: ParseCtx): SetFieldArgs {
  const { text, span, dst: d, all } = valueAndDst(item, 'load:VALUE->FIELD[start..end]');
  const dst = subfieldFromAtoms(d, all);
  if (!dst.field.writable) fail(`${dst.field.name} is read-only`, d[0].span);
  const value = bigArg(text, dst.field.bits, 'load', span);
  if (value > ones(dst.bits)) fail(`load: value 0x${value.toString(16)} does not fit into ${dst.bits} bits`, span);
  const sh = BigInt(dst.ofs);
  const mask = ones(dst.bits) << sh;
  // OpenFlow 1.5 sends a load as a masked set_field; OVS's vlan_vid is 12 bits, so no load
  // can write its OFPVID_PRESENT bit.
  if (!ctx.dump && (ctx.ofVersion ?? 10) >= 15 && dst.field.name === 'vlan_vid') refuseVlanVid(value << sh, 'OpenFlow15', span);
  return { field: dst.field, value: value << sh, mask, load: arrivesAsLoad(dst.field, mask, true, ctx) };
}

const ETH_ADDR = new Set(['eth_src', 'eth_dst']);

/** OVS's check of a field write against the match, and the VLAN state it leaves behind. */
export function checkSetField(a: SetFieldArgs, ctx: CheckCtx): void {
  const f = a.field;
  if (!a.legacy && !a.dumped) {
    if ((f.name === 'ct_mark' || f.name === 'ct_label') && ctx.outer !== 'ct') ctx.fail('cannot set CT fields outside of ct action');
    if (!prereqMet(ctx.match, f.prereq) || (f.name === 'vlan_vid' && !hasVlan(ctx.match))) {
      ctx.fail(`set_field ${f.name} lacks correct prerequisites: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)`);
    }
  } else if (a.legacy && !prereqMet(ctx.match, f.prereq)) {
    // OVS checks mod_dl_src/mod_dl_dst against nothing, but added over OpenFlow 1.2+ they
    // reach the switch as set_field, which it checks (and refuses the flow mod).
    if (!ETH_ADDR.has(f.name)) ctx.inconsistent(`a write of ${f.name} on a flow that does not match its prerequisites`);
    else if (a.setField && !a.dumped) {
      ctx.fail(`set_field ${f.name} lacks correct prerequisites: the switch refuses ${f.name === 'eth_src' ? 'mod_dl_src' : 'mod_dl_dst'}, `
        + 'which OpenFlow 1.2+ carries as set_field (OFPBAC_MATCH_INCONSISTENT)');
    }
  }
  a.flowHasVlan = hasVlan(ctx.match);
  if (f.name === 'vlan_tci') setVlanTci(ctx.match, a.value & a.mask);
  else if (a.legacy && (f.name === 'vlan_vid' || f.name === 'vlan_pcp')) setVlanTci(ctx.match, 'tagged');
}

/** Bytes OVS 3.1 holds a field write in: a set_field its value and mask, each padded to 8;
 *  an OpenFlow 1.0 write kept as itself its own struct (ofpact_mac 16, the others 8). */
export function writeHeldBytes(a: SetFieldArgs): number {
  if (heldAsSetField(a)) return 16 + 2 * align8(Math.ceil(a.field.bits / 8));
  return a.field.bits === 48 ? 16 : 8;
}

export const set_field: ActionSpec<SetFieldArgs> = {
  name: 'set_field',
  heldBytes: writeHeldBytes,
  runsUnparsed: writesBelowL3,
  parse: parseSetField,
  check: checkSetField,
  format: formatSetField,
  execute: (a, x) => x.setField(a),
  writes: (a) => [{ field: a.field, mask: a.mask }],
  fieldWrite: (a) => a,
  actionSetRank: ACTION_SET_RANK.write,
};

export const load: ActionSpec<SetFieldArgs> = {
  ...set_field, name: 'load', parse: parseLoad,
  fromWrite: (w) => ({ field: w.field, value: w.value, mask: w.mask, load: true }),
};
