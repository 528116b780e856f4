// set_field:VALUE[/MASK]->FIELD and load:VALUE->FIELD[..]: one action in OVS (a masked write
// of a field). OpenFlow 1.0 dumps print it as `load:` (one per 64-bit segment), OpenFlow
// 1.5 dumps as `set_field:`.
import type { Item } from '../../../grammar/syntax.js';
import { ones } from '../bits.js';
import { fail } from '../errors.js';
import { fieldByName, fieldNames, type FieldSpec } from '../fields.js';
import { valueText } from '../match.js';
import { parseFieldValue, ValueError, formatIpv4, formatIpv6, formatMac } from '../values.js';
import { didYouMean } from '../../util/suggest.js';
import { bigArg, formatSubfield, subfieldFromAtoms } from './args.js';
import type { ActionSpec, ParseCtx } from './types.js';

export interface SetFieldArgs { field: FieldSpec; value: bigint; mask: bigint; load: boolean }

function parseSetField(item: Item, ctx: ParseCtx): SetFieldArgs {
  const v = item.colon;
  if (!v || !v.dst) fail('set_field: expected set_field:VALUE->FIELD', item.span);
  const name = v.dst.length === 1 && v.dst[0].kind === 'ref' ? v.dst[0].text : '';
  const f = fieldByName(name);
  if (!f) fail(`${name} is not a valid OXM field name${didYouMean(name, fieldNames())}`, v.dst[0].span);
  if (!f.writable) fail(`${name} is read-only`, v.dst[0].span);
  const text = valueText({ ...v, dst: null });
  try {
    const m = parseFieldValue(f, text, { ports: ctx.ports });
    return { field: f, value: m.value & m.mask, mask: m.mask, load: false };
  } catch (e) {
    if (e instanceof ValueError) fail(e.message, v.span);
    throw e;
  }
}

function parseLoad(item: Item): SetFieldArgs {
  const v = item.colon;
  if (!v || !v.dst) fail('load: expected load:VALUE->FIELD[start..end]', item.span);
  const dst = subfieldFromAtoms(v.dst, v.span);
  if (!dst.field.writable) fail(`${dst.field.name} is read-only`, v.dst[0].span);
  const value = bigArg(valueText({ ...v, dst: null }), dst.field.bits, 'load', v.chain[0].span);
  if (value > ones(dst.bits)) fail(`load: value 0x${value.toString(16)} does not fit into ${dst.bits} bits`, v.chain[0].span);
  const sh = BigInt(dst.ofs);
  return { field: dst.field, value: value << sh, mask: ones(dst.bits) << sh, load: true };
}

/** The value as set_field prints it (mf_format): by the field's kind. */
function formatValue(f: FieldSpec, v: bigint): string {
  switch (f.kind) {
    case 'ipv4': return formatIpv4(v);
    case 'ipv6': return formatIpv6(v);
    case 'mac': return formatMac(v);
    default: return f.hex ? '0x' + v.toString(16) : String(v);
  }
}

/** OVS splits a load into runs of contiguous mask bits, at most 64 bits each. */
function loadSegments(a: SetFieldArgs): string[] {
  const out: string[] = [];
  let ofs = 0;
  while (ofs < a.field.bits) {
    if (!((a.mask >> BigInt(ofs)) & 1n)) { ofs++; continue; }
    let n = 0;
    while (ofs + n < a.field.bits && n < 64 && (a.mask >> BigInt(ofs + n)) & 1n) n++;
    const v = (a.value >> BigInt(ofs)) & ones(n);
    out.push(`load:0x${v.toString(16)}->${formatSubfield({ field: a.field, ofs, bits: n })}`);
    ofs += n;
  }
  return out;
}

export const set_field: ActionSpec<SetFieldArgs> = {
  name: 'set_field',
  parse: parseSetField,
  format(a, ctx) {
    if (!ctx.of15 && a.field.nxm) return loadSegments(a).join(',');
    const full = a.mask === ones(a.field.bits);
    return `set_field:${formatValue(a.field, a.value)}${full ? '' : '/' + formatValue(a.field, a.mask)}->${a.field.name}`;
  },
};

export const load: ActionSpec<SetFieldArgs> = { ...set_field, name: 'load', parse: parseLoad };
