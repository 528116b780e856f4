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

export interface Conjunction { id: number; clause: number; nClauses: number }

export interface Entry {
  flow: Flow;
  seq: number;                 // insertion order, for deterministic ties
  conj: Conjunction[] | null;  // non-null for a conjunctive ("soft") flow
}

interface Group { vals: bigint[]; list: Entry[] } // one match value; its flows, best first

interface Subtable {
  slots: string[];
  masks: bigint[];
  maxPriority: number;
  /** Hash of the masked values → the groups with that hash (verified value by value). */
  buckets: Map<number, Group[]>;
  size: number;
  /** Per slot, the masked values its flows have; `pick` is the slot with the most (checked first). */
  seen: Set<bigint>[];
  pick: number;
}

const better = (a: Entry, b: Entry): boolean =>
  a.flow.priority > b.flow.priority || (a.flow.priority === b.flow.priority && a.seq < b.seq);

// The masked values of the last hashOf() call: a lookup compares them with a group's
// values instead of building a key string per probe (no allocation on the hot path).
let scratch: bigint[] = new Array(16).fill(0n);
const TWO32 = 4294967296;

/** A number hash of the masked values of a subtable's slots; fills `scratch`. */
function hashOf(slots: ReadonlyMap<string, bigint>, st: Subtable): number {
  const n = st.slots.length;
  if (scratch.length < n) scratch = new Array(n).fill(0n);
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) {
    const v = (slots.get(st.slots[i]) ?? 0n) & st.masks[i];
    scratch[i] = v;
    let x = Number(v);
    if (x >= TWO32) x = (x % TWO32) ^ ((x / TWO32) | 0);
    h = Math.imul(h ^ x, 0x01000193) ^ (h >>> 15);
  }
  return h | 0;
}

/** A cheap first test: the most varied slot's value must be one some flow of the subtable has. */
function quickMatch(slots: ReadonlyMap<string, bigint>, st: Subtable): boolean {
  const i = st.pick;
  return st.slots.length === 0 || st.seen[i].has((slots.get(st.slots[i]) ?? 0n) & st.masks[i]);
}

function findGroup(groups: Group[] | undefined, n: number): Group | null {
  if (!groups) return null;
  for (let g = 0; g < groups.length; g++) {
    const vals = groups[g].vals;
    let same = true;
    for (let i = 0; i < n; i++) if (vals[i] !== scratch[i]) { same = false; break; }
    if (same) return groups[g];
  }
  return null;
}

/** The set of subtables of one kind (hard or soft) of one table. */
class Subtables {
  private bySig = new Map<string, Subtable>();
  /** Subtables sorted by maxPriority desc; rebuilt lazily after a change. */
  private order: Subtable[] = [];
  private dirty = false;

  insert(e: Entry): Entry | null {
    const m = e.flow.match;
    const slots = [...m.masks.keys()].filter((s) => m.masks.get(s) !== 0n).sort();
    const sig = slots.map((s) => `${s}/${m.masks.get(s)!.toString(36)}`).join(',');
    let st = this.bySig.get(sig);
    if (!st) {
      st = { slots, masks: slots.map((s) => m.masks.get(s)!), maxPriority: -1, buckets: new Map(), size: 0, seen: slots.map(() => new Set()), pick: 0 };
      this.bySig.set(sig, st);
    }
    const h = hashOf(e.flow.match.values, st);
    let groups = st.buckets.get(h);
    if (!groups) { groups = []; st.buckets.set(h, groups); }
    let g = findGroup(groups, st.slots.length);
    if (!g) { g = { vals: scratch.slice(0, st.slots.length), list: [] }; groups.push(g); }
    const list = g.list;
    g.vals.forEach((v, i) => st!.seen[i].add(v));
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
    if (e.flow.priority > st.maxPriority) { st.maxPriority = e.flow.priority; this.dirty = true; }
    if (!this.order.includes(st)) this.dirty = true;
    return replaced;
  }

  private sorted(): Subtable[] {
    if (this.dirty) {
      this.order = [...this.bySig.values()].filter((s) => s.size > 0).sort((a, b) => b.maxPriority - a.maxPriority);
      for (const st of this.order) st.pick = st.seen.reduce((best, set, i) => (set.size > st.seen[best].size ? i : best), 0);
      this.dirty = false;
    }
    return this.order;
  }

  /** Best entry matching `slots` with priority above `floor` (hard lookups). */
  best(slots: ReadonlyMap<string, bigint>, floor: number): Entry | null {
    let best: Entry | null = null;
    for (const st of this.sorted()) {
      if (st.maxPriority < floor || (best && st.maxPriority < best.flow.priority)) break;
      if (!quickMatch(slots, st)) continue;
      const g = findGroup(st.buckets.get(hashOf(slots, st)), st.slots.length);
      if (g && g.list.length && (!best || better(g.list[0], best))) best = g.list[0];
    }
    return best;
  }

  /** Every entry matching `slots` with priority above `floor` (soft lookups). */
  all(slots: ReadonlyMap<string, bigint>, floor: number, out: Entry[]): void {
    for (const st of this.sorted()) {
      if (st.maxPriority <= floor) break;
      if (!quickMatch(slots, st)) continue;
      const g = findGroup(st.buckets.get(hashOf(slots, st)), st.slots.length);
      if (g) for (const e of g.list) if (e.flow.priority > floor) out.push(e);
    }
  }

  *entries(): Iterable<Entry> {
    for (const st of this.bySig.values()) for (const gs of st.buckets.values()) for (const g of gs) yield* g.list;
  }
}

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
    const e: Entry = { flow, seq: this.nextSeq++, conj };
    const replaced = (conj ? this.soft : this.hard).insert(e);
    if (!replaced) this.count++;
  }

  /**
   * The flow a packet matches, or null (table miss). `slots` is the packet; conj_id is
   * read from it and, during a conjunction re-lookup, set in it (then restored).
   */
  lookup(slots: Map<string, bigint>): Entry | null {
    const hard = this.hard.best(slots, 0);
    const floor = hard ? hard.flow.priority : -1;
    const soft: Entry[] = [];
    this.soft.all(slots, floor, soft);
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
        const old = slots.get('conj_id');
        slots.set('conj_id', BigInt(id));
        const r = this.hard.best(slots, 0);
        if (old === undefined) slots.delete('conj_id'); else slots.set('conj_id', old);
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
  constructor(private readonly conjOf: ConjunctionReader) {}

  add(flow: Flow): void { this.table(flow.table).add(flow); }

  table(id: number): OfTable {
    let t = this.tables.get(id);
    if (!t) { t = new OfTable(id, this.conjOf); this.tables.set(id, t); }
    return t;
  }

  lookup(table: number, slots: Map<string, bigint>): Entry | null {
    const t = this.tables.get(table);
    return t ? t.lookup(slots) : null;
  }

  *entries(): Iterable<Entry> { for (const t of this.tables.values()) yield* t.flows(); }

  get size(): number { let n = 0; for (const t of this.tables.values()) n += t.count; return n; }
}
