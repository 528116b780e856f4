// A match: value and mask per slot, normalised as OVS normalises it (value &= mask).
import type { Item, Value, Atom } from '../../grammar/syntax.js';
import { ones, readSegs, writeSegs } from './bits.js';
import { fail } from './errors.js';
import { fieldByName, SLOTS, type FieldSpec } from './fields.js';
import { IdsTable, idsHashStep } from '../util/ids-table.js';
import { parseFieldValue, parseNumber, ValueError, type Masked, type ValueCtx } from './values.js';

export interface Match {
  values: Map<string, bigint>; masks: Map<string, bigint>;
  /** The match as printed for one key (priority and dialect), kept by print-flow.ts (a match
   *  is not changed once built); the texts for other keys in `printedMore`. In the match
   *  itself, not an object beside it: a dump prints ~60,000 matches about once each. */
  printed?: string | null; printedKey?: number; printedMore?: Map<number, string> | null;
}

export const newMatch = (): Match => ({ values: new Map(), masks: new Map(), printed: null, printedKey: 0, printedMore: null });

export function cloneMatch(m: Match): Match {
  if (m.values instanceof NotingMap && m.masks instanceof NotingMap) return { values: m.values.fork(), masks: m.masks.fork() };
  // forEach, not new Map(m.values): the iterator makes an entry array per slot.
  const c = newMatch();
  m.values.forEach((v, k) => c.values.set(k, v));
  m.masks.forEach((v, k) => c.masks.set(k, v));
  return c;
}

/** The value and mask a match has for field `f`. */
export function getField(m: Match, f: FieldSpec): Masked {
  return { value: readSegs(m.values, f.segs), mask: readSegs(m.masks, f.segs) };
}

/** Sets field `f`: the whole field is redefined by the new value/mask. Bits beyond the
 *  field's width are dropped, as OVS drops them (dl_vlan=4096 is VLAN 0). */
export function setField(m: Match, f: FieldSpec, value: bigint, mask: bigint): void {
  const full = ones(f.bits);
  let v = value & full, k = mask & full;
  let area = full;
  // Custom setters (VLAN) touch only the bits they return, so dl_vlan and dl_vlan_pcp combine.
  if (f.set) { ({ value: v, mask: k } = f.set({ value: v, mask: k }, value)); area = k; }
  writeSegs(m.values, f.segs, v & k, area);
  writeSegs(m.masks, f.segs, k, area);
  for (const s of f.segs) {
    if (m.masks.get(s.slot) === 0n) { m.masks.delete(s.slot); m.values.delete(s.slot); }
  }
}

/** Sets `bits` bits of `f` starting at `ofs` (a `reg0[0..3]=5` subfield match). */
export function setSubfield(m: Match, f: FieldSpec, ofs: number, bits: number, value: bigint): void {
  const cur = getField(m, f);
  const area = ones(bits) << BigInt(ofs);
  const v = (cur.value & ~area) | ((value << BigInt(ofs)) & area);
  writeSegs(m.values, f.segs, v, ones(f.bits));
  writeSegs(m.masks, f.segs, cur.mask | area, ones(f.bits));
}

/** Protocol shorthands: dl_type and, for some, nw_proto. */
export const PROTOCOLS = new Map<string, [number, number | null]>([
  ['ip', [0x0800, null]], ['ipv4', [0x0800, null]], ['ip4', [0x0800, null]], ['arp', [0x0806, null]],
  ['icmp', [0x0800, 1]], ['tcp', [0x0800, 6]], ['udp', [0x0800, 17]], ['sctp', [0x0800, 132]],
  ['ipv6', [0x86dd, null]], ['ip6', [0x86dd, null]], ['icmp6', [0x86dd, 58]], ['tcp6', [0x86dd, 6]],
  ['udp6', [0x86dd, 17]], ['sctp6', [0x86dd, 132]], ['rarp', [0x8035, null]], ['mpls', [0x8847, null]],
  ['mplsm', [0x8848, null]],
]);

export function setProtocol(m: Match, name: string): boolean {
  const p = PROTOCOLS.get(name);
  if (!p) return false;
  m.values.set('dl_type', BigInt(p[0])); m.masks.set('dl_type', 0xffffn);
  if (p[1] !== null) { m.values.set('nw_proto', BigInt(p[1])); m.masks.set('nw_proto', 0xffn); }
  return true;
}

/** Text of a value exactly as written (atoms joined back with `:`), for field parsers. */
export function valueText(v: Value): string {
  // The usual value is one word (`priority=100`): its text, without building a list.
  if (v.dst === null && v.chain.length === 1) {
    const a = v.chain[0];
    if (a.kind === 'ref' && a.subscript === null) return a.text;
  }
  const atom = (a: Atom): string => (a.kind === 'ref'
    ? a.text + (a.subscript !== null ? `[${a.subscript}]` : '')
    : `${a.bracket ? '[' : '('}${a.args.map((x) => (x.kind === 'item' ? itemText(x) : '')).join(',')}${a.bracket ? ']' : ')'}`);
  const chain = v.chain.map(atom).join(':');
  return v.dst ? `${chain}->${v.dst.map(atom).join(':')}` : chain;
}

/** An item as written (`key`, `key=value`, `key:value`, `key(args)`), for plain-text args. */
export function itemText(it: Item): string {
  let s = it.key.text + (it.key.subscript !== null ? `[${it.key.subscript}]` : '');
  if (it.args) s += `(${it.args.map((x) => (x.kind === 'item' ? itemText(x) : '')).join(',')})`;
  if (it.eq) s += '=' + valueText(it.eq);
  if (it.colon) s += ':' + valueText(it.colon);
  if (it.arrow) s += '->' + valueText(it.arrow);
  return s;
}

/** Parses `[lo..hi]`, `[n]` or `[]` against a field of `bits` bits. */
export function parseSubscript(sub: string, f: FieldSpec, span: { start: number; end: number }): { ofs: number; bits: number } {
  if (sub === '') return { ofs: 0, bits: f.bits };
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(sub);
  if (!m) fail(`${f.name}[${sub}]: expected [bit], [start..end] or []`, span);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo >= f.bits) fail(`${f.name}[${sub}]: starting bit ${lo} is not valid because field is only ${f.bits} bits wide`, span);
  if (hi < lo) fail(`${f.name}[${sub}]: starting bit ${lo} is after ending bit ${hi}`, span);
  if (hi >= f.bits) fail(`${f.name}[${sub}]: ending bit ${hi} is not valid because field is only ${f.bits} bits wide`, span);
  return { ofs: lo, bits: hi - lo + 1 };
}

/** Applies one `field=value` (or `field[..]=value`) item to a match. */
export function applyMatchItem(m: Match, f: FieldSpec, it: Item, ctx: ValueCtx): void {
  const text = it.eq ? valueText(it.eq) : '';
  const span = it.eq ? it.eq.span : it.key.span;
  try {
    if (it.key.subscript !== null) {
      const sf = parseSubscript(it.key.subscript, f, it.key.span);
      const name = `${it.key.text}[${it.key.subscript}]`;
      const v = parseNumber(text);
      if (v === null) fail(`${name}: cannot parse integer value: ${text}`, span);
      if (v > ones(sf.bits)) fail(`${name}: value 0x${v.toString(16)} does not fit into ${sf.bits} bits`, span);
      setSubfield(m, f, sf.ofs, sf.bits, v);
      return;
    }
    if (f.kind === 'packet_type') {
      const g = it.eq?.chain[0];
      if (!g || g.kind !== 'group' || g.args.length !== 2) fail('packet_type: expected (ns,type)', span);
      const [ns, ty] = g.args.map((a) => parseNumber(a.kind === 'item' ? itemText(a) : ''));
      if (ns === null || ty === null || ns > 0xffffn || ty > 0xffffn) fail(`${text}: bad syntax for packet type`, span);
      const v = (ns << 16n) | ty;
      setField(m, f, v, ones(32));
      return;
    }
    // An empty value matches on the field's presence only (OVS reads it as 0/0).
    const v = text === '' ? { value: 0n, mask: 0n } : parseFieldValue(f, text, ctx);
    setField(m, f, v.value, v.mask);
  } catch (e) {
    if (e instanceof ValueError) {
      fail(e.message, e.len ? { start: span.start + e.at, end: span.start + e.at + e.len } : span);
    }
    throw e;
  }
}

/**
 * What one match item does to a match, per slot: clear `area` bits, then set `value` and
 * `mask` bits. A dump repeats items (`metadata=0x1`) thousands of times and the reader
 * shares their syntax objects, so the effect is worked out once per item object.
 */
export interface SlotWrite { slot: string; area: bigint; value: bigint; mask: bigint }
const EFFECTS = new WeakMap<Item, SlotWrite[]>();

function effectOf(f: FieldSpec, it: Item, ctx: ValueCtx): SlotWrite[] {
  const empty = newMatch();
  applyMatchItem(empty, f, it, ctx);
  // Applied over all-ones, the item leaves ~area | mask in each mask: that gives the area.
  const full = newMatch();
  for (const s of f.segs) { full.values.set(s.slot, ones(SLOT_BITS(s.slot))); full.masks.set(s.slot, ones(SLOT_BITS(s.slot))); }
  applyMatchItem(full, f, it, ctx);
  const writes: SlotWrite[] = [];
  for (const slot of new Set(f.segs.map((s) => s.slot))) {
    const bits = ones(SLOT_BITS(slot));
    const k0 = empty.masks.get(slot) ?? 0n, k1 = full.masks.get(slot) ?? 0n;
    writes.push({ slot, area: ((~k1 & bits) | k0), value: empty.values.get(slot) ?? 0n, mask: k0 });
  }
  return writes;
}

/** What a `field=value` item does to a match (worked out once per item object). */
export function matchItemWrites(f: FieldSpec, it: Item, ctx: ValueCtx): readonly SlotWrite[] {
  let writes = EFFECTS.get(it);
  if (!writes) { writes = effectOf(f, it, ctx); EFFECTS.set(it, writes); }
  return writes;
}

/** Applies an item's writes (matchItemWrites) to a match. */
export function applyWrites(m: Match, writes: readonly SlotWrite[]): void {
  for (const w of writes) {
    const oldMask = m.masks.get(w.slot), oldValue = m.values.get(w.slot);
    if (oldMask === undefined && oldValue === undefined && w.mask !== 0n) {
      // A slot no earlier item wrote (the usual case): the effect's own value and mask,
      // shared by every match the item builds (w.value has no bits outside w.mask).
      m.masks.set(w.slot, w.mask);
      m.values.set(w.slot, w.value);
      continue;
    }
    const mask = ((oldMask ?? 0n) & ~w.area) | w.mask;
    if (mask === 0n) { m.masks.delete(w.slot); m.values.delete(w.slot); continue; }
    m.masks.set(w.slot, mask);
    m.values.set(w.slot, (((oldValue ?? 0n) & ~w.area) | w.value) & mask);
  }
}

/** applyMatchItem, with the effect of each item object computed once. */
export function applyMatchItemCached(m: Match, f: FieldSpec, it: Item, ctx: ValueCtx): void {
  applyWrites(m, matchItemWrites(f, it, ctx));
}

/**
 * The masks maps MaskTable shares between matches (never changed once shared), with what
 * a printer keeps about each (print-match.ts: how matches with those masks print).
 */
export const SHARED_MASKS = new WeakMap<ReadonlyMap<string, bigint>, object | null>();

/**
 * Masks maps, one per distinct content and order, to share between the matches of a file:
 * a dump's matches differ in values far more than in masks (matches are never changed
 * once built, so sharing is safe).
 */
export class MaskTable {
  /** By the number `ids` gives a match's (slot, mask) pairs: the masks map they make and
   *  the slots' places in it (for PackedValues). */
  private readonly maps: Array<Map<string, bigint>> = [];
  private readonly layouts: SlotLayout[] = [];
  private readonly ids = new IdsTable();
  private readonly maskIds = new Map<bigint, number>();

  private readonly pairs: number[] = [];
  private readonly work = new Map<string, bigint>();
  private readonly workValues = new Map<string, bigint>();
  private n = 0;
  private hash = 0;

  /** Empty maps to build a match in, given back by share() (most matches of a dump find
   *  their masks already there, so no map is made for them). */
  scratch(): Match {
    this.work.clear();
    this.workValues.clear();
    return { values: this.workValues, masks: this.work, printed: null, printedKey: 0, printedMore: null };
  }

  /** m, with its masks map replaced by an equal one seen before (same order too), and its
   *  values packed in the order of those masks. */
  share(m: Match): void {
    this.n = 0;
    this.hash = 0;
    m.masks.forEach(this.addPair, this);
    const k = this.ids.intern(this.pairs, this.n, this.hash);
    let layout = this.layouts[k];
    if (layout) m.masks = this.maps[k];
    else {
      if (m.masks === this.work) m.masks = copyMap(this.work);
      this.maps[k] = m.masks;
      SHARED_MASKS.set(m.masks, null);
      layout = this.layouts[k] = slotLayout(m.masks);
    }
    m.values = packValues(m.values, layout);
  }

  private addPair(mask: bigint, slot: string): void {
    let id = this.maskIds.get(mask);
    if (id === undefined) { id = this.maskIds.size; this.maskIds.set(mask, id); }
    const s = slotId(slot);
    this.pairs[this.n++] = s;
    this.pairs[this.n++] = id;
    this.hash = idsHashStep(idsHashStep(this.hash, s), id);
  }
}

/** The slots of a shared masks map, in its order, and each one's place. */
interface SlotLayout { slots: string[]; index: Map<string, number> }
function slotLayout(masks: Map<string, bigint>): SlotLayout {
  const slots = [...masks.keys()];
  return { slots, index: new Map(slots.map((s, i) => [s, i])) };
}

/** values as PackedValues over `layout`; a copy in a Map in the rare case a value has no mask. */
function packValues(values: Map<string, bigint>, layout: SlotLayout): Map<string, bigint> {
  const vals = new Array<bigint | undefined>(layout.slots.length);
  let n = 0;
  for (let i = 0; i < vals.length; i++) if ((vals[i] = values.get(layout.slots[i])) !== undefined) n++;
  if (n !== values.size) return copyMap(values);
  // Read as a Map everywhere; a shared match is never changed (PackedValues refuses writes).
  return new PackedValues(layout, vals, n) as unknown as Map<string, bigint>;
}

/**
 * The values of a match whose masks map is shared (MaskTable): in an array in the order of
 * the masks, read through the Map interface. A Map per match was the largest part of what
 * a dump's matches kept; a shared match is never changed, so writes are refused loudly.
 */
export class PackedValues implements ReadonlyMap<string, bigint> {
  constructor(private readonly layout: SlotLayout, private readonly vals: Array<bigint | undefined>, readonly size: number) {}

  get(slot: string): bigint | undefined {
    const i = this.layout.index.get(slot);
    return i === undefined ? undefined : this.vals[i];
  }
  has(slot: string): boolean { return this.get(slot) !== undefined; }
  forEach(cb: (v: bigint, k: string, m: ReadonlyMap<string, bigint>) => void, thisArg?: unknown): void {
    const { vals, layout } = this;
    for (let i = 0; i < vals.length; i++) { const v = vals[i]; if (v !== undefined) cb.call(thisArg, v, layout.slots[i], this); }
  }
  *entries(): MapIterator<[string, bigint]> {
    for (let i = 0; i < this.vals.length; i++) { const v = this.vals[i]; if (v !== undefined) yield [this.layout.slots[i], v]; }
  }
  *keys(): MapIterator<string> { for (const [k] of this.entries()) yield k; }
  *values(): MapIterator<bigint> { for (const [, v] of this.entries()) yield v; }
  [Symbol.iterator](): MapIterator<[string, bigint]> { return this.entries(); }
  set(): never { return refuse(); }
  delete(): never { return refuse(); }
  clear(): never { return refuse(); }
}
const refuse = (): never => { throw new Error('internal: the values of a match shared by flows are never changed (clone it first)'); };

function copyMap(from: Map<string, bigint>): Map<string, bigint> {
  const to = new Map<string, bigint>();
  from.forEach((v, k) => to.set(k, v));
  return to;
}

const SLOT_IDS = new Map<string, number>();
function slotId(slot: string): number {
  let id = SLOT_IDS.get(slot);
  if (id === undefined) { id = SLOT_IDS.size; SLOT_IDS.set(slot, id); }
  return id;
}

const SLOT_BITS = (slot: string): number => SLOTS.get(slot) ?? 128;

export { fieldByName };

/** Which slots were read through NotingMaps (`all`: the whole map was, in bulk). */
export class ReadNotes { readonly slots = new Set<string>(); all = false; }

/**
 * A view of a match's map that notes every slot read from it, and keeps writes to itself
 * (the map under it is never changed). checkOnce (flow.ts) runs an action list's checks
 * over such views to learn which slots the checks depend on. Every Map method is covered:
 * a bulk read (size, iteration) notes the whole map.
 */
export class NotingMap extends Map<string, bigint> {
  /** Slots written through this view (null: deleted). */
  private own: Map<string, bigint | null> | null = null;

  constructor(private readonly base: ReadonlyMap<string, bigint>, private readonly notes: ReadNotes) { super(); }

  /** A copy whose reads of slots it has not written go through this view. */
  fork(): NotingMap { return new NotingMap(this, this.notes); }

  override get(k: string): bigint | undefined {
    const o = this.own?.get(k);
    if (o !== undefined) return o ?? undefined;
    this.notes.slots.add(k);
    return this.base.get(k);
  }
  override has(k: string): boolean {
    const o = this.own?.get(k);
    if (o !== undefined) return o !== null;
    this.notes.slots.add(k);
    return this.base.has(k);
  }
  override set(k: string, v: bigint): this { (this.own ??= new Map()).set(k, v); return this; }
  override delete(k: string): boolean {
    const had = this.has(k);
    (this.own ??= new Map()).set(k, null);
    return had;
  }
  override clear(): void { for (const k of this.merged().keys()) (this.own ??= new Map()).set(k, null); }
  override get size(): number { return this.merged().size; }
  override forEach(cb: (v: bigint, k: string, m: Map<string, bigint>) => void, thisArg?: unknown): void {
    this.merged().forEach((v, k) => cb.call(thisArg, v, k, this));
  }
  override keys(): MapIterator<string> { return this.merged().keys(); }
  override values(): MapIterator<bigint> { return this.merged().values(); }
  override entries(): MapIterator<[string, bigint]> { return this.merged().entries(); }
  override [Symbol.iterator](): MapIterator<[string, bigint]> { return this.merged().entries(); }

  /** The map as this view sees it, read in bulk. */
  private merged(): Map<string, bigint> {
    this.notes.all = true;
    const m = new Map<string, bigint>();
    this.base.forEach((v, k) => m.set(k, v));
    this.own?.forEach((v, k) => { if (v === null) m.delete(k); else m.set(k, v); });
    return m;
  }
}
