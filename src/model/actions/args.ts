// Helpers the action specs share to read their arguments from syntax items.
import type { Atom, Item, Slot, Value, Span } from '../../../grammar/syntax.js';
import { fail } from '../errors.js';
import { subfieldByName, subfieldNames, type FieldSpec } from '../fields.js';
import { itemText, parseSubscript, valueText } from '../match.js';
import { parseInt_, ValueError } from '../values.js';
import { didYouMean } from '../../util/suggest.js';

/** A field or a bit range of one: `NXM_NX_REG0[0..15]`, `reg0[]`, `reg0`. */
export interface Subfield { field: FieldSpec; ofs: number; bits: number }

export function subfieldFromRef(name: string, sub: string | null, span: Span): Subfield {
  const f = subfieldByName(name);
  if (!f) fail(`${name}${sub !== null ? `[${sub}]` : ''}: unknown field \`${name}'${didYouMean(name, subfieldNames())}`, span);
  // A field OVS holds a subfield of in fewer bits (vlan_vid: the VID) is read in those.
  const width = f.subfieldBits;
  if (width < f.bits && !sub) return { field: f, ofs: 0, bits: width };
  const r = parseSubscript(sub ?? '', f, span);
  const end = r.ofs + r.bits - 1;
  if (end >= width) {
    fail(`${f.name}[${sub}]: ${r.ofs >= width ? `starting bit ${r.ofs}` : `ending bit ${end}`} is not valid because field is only ${width} bits wide`, span);
  }
  return { field: f, ofs: r.ofs, bits: r.bits };
}

/** The bits of vlan_vid a subfield can name: the VID (OVS holds OFPVID_PRESENT apart). */
export const VID_BITS = 12;

export function subfieldFromAtoms(atoms: Atom[], span: Span): Subfield {
  const a = atoms[0];
  if (atoms.length !== 1 || a.kind !== 'ref') fail('expected a field, e.g. NXM_NX_REG0[0..15]', span);
  return subfieldFromRef(a.text, a.subscript, a.span);
}

/** OVS's spelling of a subfield in load/move/push/pop: NXM name when there is one. */
export function formatSubfield(s: Subfield): string {
  const name = s.field.nxm ?? s.field.xoxm ?? s.field.name;
  if (s.ofs === 0 && (s.bits === s.field.bits || s.bits === s.field.subfieldBits)) return `${name}[]`;
  if (s.bits === 1) return `${name}[${s.ofs}]`;
  return `${name}[${s.ofs}..${s.ofs + s.bits - 1}]`;
}

/** The args of `name(args)` with the empty slots kept (resubmit(,8) has an empty first). */
export function slots(item: Item): Slot[] {
  if (!item.args) fail(`${item.key.text}: expected '(' after the action name`, item.key.span);
  return item.args;
}

/** Non-empty args; `name()` gives []. */
export function args(item: Item): Item[] {
  return (item.args ?? []).filter((s): s is Item => s.kind === 'item');
}

/** An integer argument with a name for the error message. */
export function intArg(text: string, bits: number, what: string, span: Span): number {
  try {
    return Number(parseInt_(text, bits, what));
  } catch (e) {
    if (e instanceof ValueError) fail(e.message, span);
    throw e;
  }
}

export function bigArg(text: string, bits: number, what: string, span: Span): bigint {
  try {
    return parseInt_(text, bits, what);
  } catch (e) {
    if (e instanceof ValueError) fail(e.message, span);
    throw e;
  }
}

/** The value text of `name:value` (or `name=value`). */
export function colonText(item: Item): string {
  const v: Value | null = item.colon ?? item.eq;
  if (!v) fail(`${item.key.text}: expected '${item.key.text}:value'`, item.key.span);
  return valueText(v);
}

/** Plain text of an argument item (key and its value as written), for simple args. */
export { itemText };

/** Reads `k=v` / bare-flag arguments into a Map, refusing unknown keys with a suggestion. */
export function keyValues(items: Item[], allowed: readonly string[], what: string): Map<string, Item> {
  const out = new Map<string, Item>();
  for (const it of items) {
    const k = it.key.text;
    if (!allowed.includes(k)) fail(`${what}: unknown argument '${k}'${didYouMean(k, allowed)}`, it.key.span);
    if (out.has(k)) fail(`${what}: '${k}' given twice`, it.key.span);
    out.set(k, it);
  }
  return out;
}

export function hexBig(v: bigint): string { return '0x' + v.toString(16); }
