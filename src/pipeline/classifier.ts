// The OpenFlow classifier: tuple space search, as OVS's lib/classifier.c does it.
//
// Per table, flows are grouped by their match mask (a *subtable*: same slots, same masks).
// Each subtable is one Map from the masked packet values to the flows with those values,
// best first. A lookup visits subtables in order of the best priority they hold and
// stops as soon as no remaining subtable can beat the match found: no linear scan.
//
// Ties (two matching flows with the same priority): OpenFlow leaves the choice open and
// OVS picks whichever its subtable order yields. ctflow is deterministic: the flow added
// first wins (lowest `seq`).
//
// Conjunctive flows (actions `conjunction(id,k/n)`) are kept in a second, "soft"
// classifier. As in OVS, when soft flows with a priority above the best hard match match
// the packet and together cover every clause 1..n of some id (at one priority), the
// packet gets conj_id=id and the table is looked up again, where a `conj_id=id` flow can
// match. A table with only soft matches of incomplete conjunctions falls back to the
// hard result.
import type { Flow } from '../model/flow.js';
import type { Match } from '../model/match.js';
import type { ActionSpec } from '../model/actions/types.js';
import { bigToWords, N_CORE, slotInfo, wordOf, zeros, type SlotStore, type Words } from '../packet/slots.js';

export interface Conjunction { id: number; clause: number; nClauses: number }

export interface Entry {
  flow: Flow;
  seq: number;                 // insertion order, for deterministic ties
  conj: Conjunction[] | null;  // non-null for a conjunctive ("soft") flow
  /** The spec of each of the flow's actions, resolved by the translation the first time it runs them. */
  specs: Array<ActionSpec | null> | null;
}

/**
 * A match in the packet's word layout (packet/slots.ts), made once per flow: the words it
 * looks at, the mask of each, and the value the masked word must have. The Match itself
 * stays what the parser and printers share; this is only the classifier's view of it.
 */
interface WordMatch { idx: number[]; mask: number[]; val: number[] }

const tmp: number[] = [0, 0, 0, 0];
function compileMatch(m: Match): WordMatch {
  const words: Array<[number, number, number]> = [];
  for (const [slot, mask] of m.masks) {
    if (mask === 0n) continue;
    const info = slotInfo(slot);
    bigToWords(tmp, 0, info.words, mask);
    const mw = tmp.slice(0, info.words);
    bigToWords(tmp, 0, info.words, (m.values.get(slot) ?? 0n) & mask);
    for (let k = 0; k < info.words; k++) if (mw[k] !== 0) words.push([info.word + k, mw[k], tmp[k]]);
  }
  words.sort((a, b) => a[0] - b[0]);
  return { idx: words.map((x) => x[0]), mask: words.map((x) => x[1]), val: words.map((x) => x[2]) };
}

/** One match value of a subtable and its flows, best first; `next` chains equal hashes. */
interface Group { vals: Int32Array; list: Entry[]; next: Group | null }

interface Subtable {
  idx: Int32Array;
  mask: Int32Array;
  maxPriority: number;
  /** Hash of the masked words → the groups with that hash (verified word by word). */
  buckets: Map<number, Group>;
  size: number;
  /** It looks at a rare slot (packet/slots.ts), which may lie past the end of a packet's array. */
  rare: boolean;
  /**
   * Every group, when there are at most FEW of them (most subtables of OVN's tables hold one
   * or two flows): comparing word by word stops at the first word that differs, where a
   * hash reads them all.
   */
  few: Group[] | null;
}

const FEW = 4;

/** The group of `few` whose values the packet's masked words equal. */
function findFew(w: Words, idx: Int32Array, mask: Int32Array, few: Group[]): Group | null {
  const n = idx.length;
  for (let k = 0; k < few.length; k++) {
    const vals = few[k].vals;
    let i = 0;
    while (i < n && (w[idx[i]] & mask[i]) === vals[i]) i++;
    if (i === n) return few[k];
  }
  return null;
}

const better = (a: Entry, b: Entry): boolean =>
  a.flow.priority > b.flow.priority || (a.flow.priority === b.flow.priority && a.seq < b.seq);

// The masked words of the last hash: a probe compares them with a group's values, so a
// lookup allocates nothing.
let scratch = new Int32Array(64);

/** A number hash of the masked words of a subtable (a small integer: a fast Map key); fills `scratch`. */
function hashWords(w: Words, idx: Int32Array, mask: Int32Array): number {
  const n = idx.length;
  let h = n;
  for (let i = 0; i < n; i++) {
    const v = w[idx[i]] & mask[i];
    scratch[i] = v;
    h = Math.imul(h ^ v, 0x9e3779b1);
    h ^= h >>> 16;
  }
  return h & 0x3fffffff;
}

/** hashWords for subtables with rare words; kept apart so the common one never reads past an array's end. */
function hashRare(w: Words, idx: Int32Array, mask: Int32Array): number {
  const n = idx.length;
  let h = n;
  for (let i = 0; i < n; i++) {
    const v = (idx[i] < w.length ? w[idx[i]] : 0) & mask[i];
    scratch[i] = v;
    h = Math.imul(h ^ v, 0x9e3779b1);
    h ^= h >>> 16;
  }
  return h & 0x3fffffff;
}

const hashOf = (w: Words, st: Subtable): number => (st.rare ? hashRare(w, st.idx, st.mask) : hashWords(w, st.idx, st.mask));

function findGroup(g: Group | undefined, n: number): Group | null {
  for (; g; g = g.next!) {
    const vals = g.vals;
    let i = 0;
    while (i < n && vals[i] === scratch[i]) i++;
    if (i === n) return g;
  }
  return null;
}

/**
 * A subtable as seen by packets of one `metadata` value: OVN splits every logical table
 * by datapath (metadata), so most subtables hold flows of one or two datapaths only. Like
 * OVS's metadata partitions, a lookup visits only the subtables holding flows for its
 * packet's metadata (or not matching metadata exactly), ordered by the best priority
 * among *those* flows, so the early stop comes sooner; `few` is the subtable's groups
 * for that metadata when there are at most FEW.
 */
interface Part { st: Subtable; maxPriority: number; idx: Int32Array; mask: Int32Array; few: Group[] | null }

const MD = slotInfo('metadata').word;
const whole = (st: Subtable): Part => ({ st, maxPriority: st.maxPriority, idx: st.idx, mask: st.mask, few: st.few });
/** Distinct metadata values whose subtable lists are kept; past it the lists are rebuilt. */
const MAX_PARTS = 4096;

/** Where a subtable's match holds both metadata words exactly (-1 when it does not). */
function mdPos(st: Subtable): number {
  const i = st.idx.indexOf(MD);
  return i >= 0 && i + 1 < st.idx.length && st.idx[i + 1] === MD + 1 && st.mask[i] === -1 && st.mask[i + 1] === -1 ? i : -1;
}

/** The set of subtables of one kind (hard or soft) of one table. */
class Subtables {
  private bySig = new Map<string, Subtable>();
  /** Subtables sorted by maxPriority desc; rebuilt lazily after a change. */
  private order: Subtable[] = [];
  private dirty = false;
  /** Per metadata value (high word 0), the parts to visit; cleared on any change. */
  private parts = new Map<number, Part[]>();
  /** Every subtable as a part: for a metadata value with a high word. */
  private allParts: Part[] | null = null;

  /** The last metadata value looked up and its parts: a packet stays in one datapath for several lookups. */
  private lastMd = 0;
  private lastParts: Part[] | null = null;

  private partsFor(w: Words): Part[] {
    if (this.dirty) this.sorted();
    if (w[MD + 1] !== 0) return (this.allParts ??= this.sorted().map(whole));
    const lo = w[MD];
    if (this.lastParts !== null && lo === this.lastMd) return this.lastParts;
    let ps = this.parts.get(lo);
    if (ps === undefined) {
      if (this.parts.size >= MAX_PARTS) this.parts.clear();
      ps = this.partition(lo);
      this.parts.set(lo, ps);
    }
    this.lastMd = lo;
    this.lastParts = ps;
    return ps;
  }

  private partition(lo: number): Part[] {
    const out: Part[] = [];
    for (const st of this.sorted()) {
      const at = mdPos(st);
      if (at < 0) { out.push(whole(st)); continue; }
      const groups: Group[] = [];
      let maxPriority = -1;
      for (let g of st.buckets.values()) {
        for (; g; g = g.next!) {
          if (g.vals[at] !== lo || g.vals[at + 1] !== 0 || !g.list.length) continue;
          groups.push(g);
          if (g.list[0].flow.priority > maxPriority) maxPriority = g.list[0].flow.priority;
        }
      }
      if (!groups.length) continue;
      if (st.rare || groups.length > FEW) { out.push({ st, maxPriority, idx: st.idx, mask: st.mask, few: null }); continue; }
      // Within the partition the metadata words always match: compare only the others.
      const keep = [...st.idx.keys()].filter((k) => k !== at && k !== at + 1);
      const pick = (a: Int32Array) => Int32Array.from(keep, (k) => a[k]);
      out.push({ st, maxPriority, idx: pick(st.idx), mask: pick(st.mask), few: groups.map((g) => ({ vals: pick(g.vals), list: g.list, next: null })) });
    }
    // Stable: equal priorities keep the subtable order.
    return out.sort((a, b) => b.maxPriority - a.maxPriority);
  }

  insert(e: Entry): Entry | null {
    const m = compileMatch(e.flow.match);
    const sig = m.idx.map((i, k) => `${i}/${m.mask[k]}`).join(',');
    let st = this.bySig.get(sig);
    if (!st) {
      st = { idx: Int32Array.from(m.idx), mask: Int32Array.from(m.mask), maxPriority: -1, buckets: new Map(), size: 0, rare: m.idx.some((i) => i >= N_CORE), few: [] };
      this.bySig.set(sig, st);
    }
    const n = st.idx.length;
    if (scratch.length < n) scratch = new Int32Array(n);
    const h = hashRare(compileWords(m), st.idx, st.mask);
    const first = st.buckets.get(h);
    let g = findGroup(first, n);
    if (!g) {
      g = { vals: scratch.slice(0, n), list: [], next: first ?? null };
      st.buckets.set(h, g);
      if (st.few) st.few = st.rare || st.few.length >= FEW ? null : [...st.few, g];
    }
    const list = g.list;
    this.dirty = true;
    // OVS replaces a flow with the same match and priority (add-flow, learn).
    const same = list.findIndex((x) => x.flow.priority === e.flow.priority);
    let replaced: Entry | null = null;
    if (same >= 0) { replaced = list[same]; e.seq = replaced.seq; list[same] = e; } else {
      let i = 0;
      while (i < list.length && better(list[i], e)) i++;
      list.splice(i, 0, e);
      st.size++;
    }
    if (e.flow.priority > st.maxPriority) st.maxPriority = e.flow.priority;
    return replaced;
  }

  private sorted(): Subtable[] {
    if (this.dirty) {
      this.order = [...this.bySig.values()].filter((s) => s.size > 0).sort((a, b) => b.maxPriority - a.maxPriority);
      this.dirty = false;
      this.parts.clear();
      this.allParts = null;
      this.lastParts = null;
    }
    return this.order;
  }

  /** Best entry matching the packet words `w` with priority above `floor` (hard lookups). */
  best(w: Words, floor: number): Entry | null {
    let best: Entry | null = null;
    const parts = this.partsFor(w);
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k];
      if (p.maxPriority < floor || (best && p.maxPriority < best.flow.priority)) break;
      const st = p.st;
      const g = p.few !== null ? findFew(w, p.idx, p.mask, p.few) : findGroup(st.buckets.get(hashOf(w, st)), st.idx.length);
      if (g && g.list.length && (!best || better(g.list[0], best))) best = g.list[0];
    }
    return best;
  }

  /** Every entry matching `w` with priority above `floor` (soft lookups). */
  all(w: Words, floor: number, out: Entry[]): void {
    const parts = this.partsFor(w);
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k];
      if (p.maxPriority <= floor) break;
      const st = p.st;
      const g = p.few !== null ? findFew(w, p.idx, p.mask, p.few) : findGroup(st.buckets.get(hashOf(w, st)), st.idx.length);
      if (g) for (const e of g.list) if (e.flow.priority > floor) out.push(e);
    }
  }

  get empty(): boolean { return this.bySig.size === 0; }

  *entries(): Iterable<Entry> {
    for (const st of this.bySig.values()) for (let g of st.buckets.values()) for (; g; g = g.next!) yield* g.list;
  }
}

/** A packet-sized word array holding a compiled match's values (what insert hashes). */
function compileWords(m: WordMatch): Words {
  const w = zeros(m.idx.length ? m.idx[m.idx.length - 1] + 1 : 0);
  m.idx.forEach((i, k) => { w[i] = m.val[k]; });
  return w;
}

const CONJ_ID = wordOf('conj_id');

/** Reads `conjunction(id,k/n)` actions of a flow; null when it has none. */
export type ConjunctionReader = (flow: Flow) => Conjunction[] | null;

export class OfTable {
  private hard = new Subtables();
  private soft = new Subtables();
  private nextSeq = 0;
  count = 0;

  constructor(readonly id: number, private readonly conjOf: ConjunctionReader) {}

  add(flow: Flow): void {
    const conj = this.conjOf(flow);
    const e: Entry = { flow, seq: this.nextSeq++, conj, specs: null };
    const replaced = (conj ? this.soft : this.hard).insert(e);
    if (!replaced) this.count++;
  }

  /**
   * The flow a packet matches, or null (table miss). `slots` is the packet; conj_id is
   * read from it and, during a conjunction re-lookup, set in it (then restored).
   */
  lookup(slots: SlotStore): Entry | null {
    const w = slots.w;
    const hard = this.hard.best(w, 0);
    if (this.soft.empty) return hard;
    const floor = hard ? hard.flow.priority : -1;
    const soft: Entry[] = [];
    this.soft.all(w, floor, soft);
    if (!soft.length) return hard;
    // Group the matching clauses by priority and conjunction id; highest priority first.
    soft.sort((a, b) => b.flow.priority - a.flow.priority);
    let i = 0;
    while (i < soft.length) {
      const prio = soft[i].flow.priority;
      const seen = new Map<number, { n: number; clauses: Set<number> }>();
      for (; i < soft.length && soft[i].flow.priority === prio; i++) {
        for (const c of soft[i].conj!) {
          let s = seen.get(c.id);
          if (!s) { s = { n: c.nClauses, clauses: new Set() }; seen.set(c.id, s); }
          s.clauses.add(c.clause);
        }
      }
      const complete = [...seen].filter(([, s]) => s.clauses.size === s.n).map(([id]) => id).sort((a, b) => a - b);
      for (const id of complete) {
        const old = w[CONJ_ID];
        w[CONJ_ID] = id;
        const r = this.hard.best(w, 0);
        w[CONJ_ID] = old;
        if (r && (r.flow.match.masks.get('conj_id') ?? 0n) !== 0n) return r;
      }
    }
    return hard;
  }

  *flows(): Iterable<Entry> { yield* this.hard.entries(); yield* this.soft.entries(); }
}

/** All tables of a bridge, created on first use. */
export class Classifier {
  private tables = new Map<number, OfTable>();
  /** The same tables by id (OpenFlow tables are 0..254): a lookup per resubmit indexes an array. */
  private byId: Array<OfTable | undefined> = [];
  constructor(private readonly conjOf: ConjunctionReader) {}

  add(flow: Flow): void { this.table(flow.table).add(flow); }

  table(id: number): OfTable {
    let t = this.tables.get(id);
    if (!t) {
      t = new OfTable(id, this.conjOf);
      this.tables.set(id, t);
      while (this.byId.length <= id) this.byId.push(undefined);
      this.byId[id] = t;
    }
    return t;
  }

  lookup(table: number, slots: SlotStore): Entry | null {
    const t = this.byId[table];
    return t !== undefined ? t.lookup(slots) : null;
  }

  *entries(): Iterable<Entry> { for (const t of this.tables.values()) yield* t.flows(); }

  get size(): number { let n = 0; for (const t of this.tables.values()) n += t.count; return n; }
}
