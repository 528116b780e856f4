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
import type { PreparedList } from './prepared.js';
import { DL_TYPE, makePlan, matchAt, MD, NW_PROTO, type Plan } from './classifier-plan.js';
import { bigToWords, N_CORE, slotInfo, wordOf, zeros, type SlotStore, type Words } from '../packet/slots.js';

export interface Conjunction { id: number; clause: number; nClauses: number }

export interface Entry {
  flow: Flow;
  seq: number;                 // insertion order, for deterministic ties
  conj: Conjunction[] | null;  // non-null for a conjunctive ("soft") flow
  /** The flow's actions as the translation runs them, prepared the first time it does. */
  prep: PreparedList | null;
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
export interface Group { vals: Int32Array; list: Entry[]; next: Group | null }

export interface Subtable {
  idx: Int32Array;
  mask: Int32Array;
  maxPriority: number;
  /** Hash of the masked words → the groups with that hash (verified word by word). */
  buckets: Map<number, Group>;
  size: number;
  /** It looks at a rare slot (packet/slots.ts), which may lie past the end of a packet's array. */
  rare: boolean;
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

/** Plans kept per table; past it they are rebuilt. */
const MAX_PLANS = 4096;

/** The set of subtables of one kind (hard or soft) of one table. */
class Subtables {
  private bySig = new Map<string, Subtable>();
  /** Subtables sorted by maxPriority desc; rebuilt lazily after a change. */
  private order: Subtable[] = [];
  private dirty = false;
  /** Per metadata value (high word 0), then per dl_type << 8 | nw_proto, the plan; cleared on any change. */
  private plans = new Map<number, Map<number, Plan>>();
  private nPlans = 0;
  /** The plan for a metadata value with a high word: every subtable. */
  private anyPlan: Plan | null = null;

  /** The last plan used and its key: a packet stays in one datapath for several lookups. */
  private lastMd = 0;
  private lastTp = 0;
  private lastPlan: Plan | null = null;

  private planFor(w: Words): Plan {
    if (this.dirty) this.sorted();
    if (w[MD + 1] !== 0) return (this.anyPlan ??= makePlan(this.sorted(), null, 0, 0));
    const lo = w[MD], type = w[DL_TYPE], proto = w[NW_PROTO];
    const tp = (type << 8) | (proto & 0xff);
    if (this.lastPlan !== null && lo === this.lastMd && tp === this.lastTp) return this.lastPlan;
    let byTp = this.plans.get(lo);
    if (byTp === undefined) {
      if (this.nPlans >= MAX_PLANS) { this.plans.clear(); this.nPlans = 0; }
      byTp = new Map();
      this.plans.set(lo, byTp);
    }
    let plan = byTp.get(tp);
    if (plan === undefined) {
      plan = makePlan(this.sorted(), lo, type, proto);
      byTp.set(tp, plan);
      this.nPlans++;
    }
    this.lastMd = lo;
    this.lastTp = tp;
    this.lastPlan = plan;
    return plan;
  }

  insert(e: Entry): Entry | null {
    const m = compileMatch(e.flow.match);
    const sig = m.idx.map((i, k) => `${i}/${m.mask[k]}`).join(',');
    let st = this.bySig.get(sig);
    if (!st) {
      st = { idx: Int32Array.from(m.idx), mask: Int32Array.from(m.mask), maxPriority: -1, buckets: new Map(), size: 0, rare: m.idx.some((i) => i >= N_CORE) };
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
      this.plans.clear();
      this.nPlans = 0;
      this.anyPlan = null;
      this.lastPlan = null;
    }
    return this.order;
  }

  /** Best entry matching the packet words `w` (hard lookups). */
  best(w: Words): Entry | null {
    const { n, flat, prio, seq, at, code, ents, sts } = this.planFor(w);
    if (flat) {
      // Candidates only: their words follow one another in `code`, read straight through.
      for (let k = 0, o = 0; k < n; k++) {
        const end = o + 1 + 3 * code[o];
        let p = o + 1;
        while (p < end && (w[code[p]] & code[p + 1]) === code[p + 2]) p += 3;
        if (p === end) return ents[k];
        o = end;
      }
      return null;
    }
    // The best so far and its priority and seq (-1: none yet; priorities are ≥ 0).
    let best: Entry | null = null, bp = -1, bs = 0;
    for (let k = 0; k < n; k++) {
      const pk = prio[k];
      if (pk < bp) break;
      const o = at[k];
      if (o >= 0) {
        if (pk === bp && seq[k] > bs) continue; // not better than the best so far
        if (matchAt(w, code, o)) { best = ents[k]; bp = pk; bs = seq[k]; }
      } else {
        const st = sts[k]!;
        const g = findGroup(st.buckets.get(hashOf(w, st)), st.idx.length);
        if (g === null) continue;
        const e = g.list[0];
        if (best === null || better(e, best)) { best = e; bp = e.flow.priority; bs = e.seq; }
      }
    }
    return best;
  }

  /** Every entry matching `w` with priority above `floor` (soft lookups). */
  all(w: Words, floor: number, out: Entry[]): void {
    const { n, prio, at, code, groups, sts } = this.planFor(w);
    for (let k = 0; k < n && prio[k] > floor; k++) {
      const o = at[k];
      const g = o >= 0 ? (matchAt(w, code, o) ? groups[k] : null) : findGroup(sts[k]!.buckets.get(hashOf(w, sts[k]!)), sts[k]!.idx.length);
      if (g) for (const e of g.list) if (e.flow.priority > floor) out.push(e);
    }
  }

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
  /** A conjunctive flow was added: kept here so that a lookup without one reads nothing of `soft`. */
  private hasSoft = false;
  private nextSeq = 0;
  count = 0;

  constructor(readonly id: number, private readonly conjOf: ConjunctionReader) {}

  add(flow: Flow): void {
    const conj = this.conjOf(flow);
    const e: Entry = { flow, seq: this.nextSeq++, conj, prep: null };
    if (conj) this.hasSoft = true;
    const replaced = (conj ? this.soft : this.hard).insert(e);
    if (!replaced) this.count++;
  }

  /**
   * The flow a packet matches, or null (table miss). `slots` is the packet; conj_id is
   * read from it and, during a conjunction re-lookup, set in it (then restored).
   */
  lookup(slots: SlotStore): Entry | null {
    const w = slots.w;
    const hard = this.hard.best(w);
    if (!this.hasSoft) return hard;
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
        const r = this.hard.best(w);
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
