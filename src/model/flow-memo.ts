// What the flows of one file share while a reader builds them: matches by their items,
// action checks already passed, counters and masks maps. A dump repeats these thousands
// of times; each is worked out once per file (a global cache would keep them all alive).
import type { Item } from '../../grammar/syntax.js';
import type { Action } from './actions/index.js';
import { checkActions } from './actions/check.js';
import { fieldByName, type FieldSpec } from './fields.js';
import { MaskTable, NotingMap, PROTOCOLS, ReadNotes, type Match, type SlotWrite } from './match.js';
import type { FlowStats } from './flow.js';

export const copyCounters = (c: FlowStats): FlowStats => Object.freeze({
  duration: c.duration, n_packets: c.n_packets, n_bytes: c.n_bytes, idle_age: c.idle_age, hard_age: c.hard_age,
});

const mix = (h: number, x: number | undefined): number => (Math.imul(h, 31) + (x === undefined ? -1 : (x * 1000) | 0)) & 0x3fffffff;
const sameStats = (a: FlowStats, b: FlowStats): boolean => a.duration === b.duration && a.n_packets === b.n_packets
  && a.n_bytes === b.n_bytes && a.idle_age === b.idle_age && a.hard_age === b.hard_age;

/** Frozen FlowStats, one per distinct set of counters. */
export class StatsTable {
  private readonly byHash = new Map<number, FlowStats[]>();

  get(c: FlowStats): FlowStats {
    const h = mix(mix(mix(mix(mix(0, c.duration), c.n_packets), c.n_bytes), c.idle_age), c.hard_age);
    const bucket = this.byHash.get(h) ?? [];
    for (const s of bucket) if (sameStats(s, c)) return s;
    if (bucket.length === 0) this.byHash.set(h, bucket);
    bucket.push(copyCounters(c));
    return bucket[bucket.length - 1];
  }
}


/** What the reader's item number `id` is, once a flow applied it: a field item's field
 *  and writes (null for any other item: protocol shorthands and flow keys go the long way). */
export interface ItemFacts { field: FieldSpec; writes: readonly SlotWrite[] }

/**
 * What a file reader's flows share. `matches`: by the reader's key for a line's match items
 * (FlowSyntax.matchKey), what those items built: flows with the same items share one Match
 * object (matches are never changed once built). `stats`: the counters of the file's
 * flows, one object per distinct set. `masks`: the masks maps of the file's matches, one
 * per distinct content.
 */
export interface FileMemo {
  matches: MatchMemo[];
  /** By the reader's item number: what a field item does (ItemFacts). */
  facts: Array<ItemFacts | undefined>;
  /** Per action list, the slots its checks read for the matches they passed (checkOnce). */
  passed: Map<Action[], Passed[]>;
  masks: MaskTable;
  stats: StatsTable;
}
/** `keys`: which of the items are flow keys (priority, …), applied to every flow.
 *  `checkedActions`/`checkedKey`, then `moreChecked` side by side: the (action list,
 *  table * 256 + version) pairs that passed checkActions with
 *  this match, side by side (a match meets few action lists). */
export interface MatchMemo {
  match: Match | null; keys: readonly number[];
  checkedActions: Action[] | null; checkedKey: number; moreChecked: Array<Action[] | number> | null;
  /** The VLAN tag and IP protocol the match gives an action list to start from (sharedActions), once known; -1 before. */
  actionsState: number;
}

export const newFileMemo = (): FileMemo => ({ matches: [], facts: [], passed: new Map(), masks: new MaskTable(), stats: new StatsTable() });

// Most flows have their priority first and no other flow key among their items: the
// commonest lists of flow-key positions are shared (fewer objects for the collector).
const KEYS_NONE: readonly number[] = Object.freeze([]), KEYS_FIRST: readonly number[] = Object.freeze([0]);

export function matchMemo(memo: FileMemo, key: number, items: Item[], ids?: number[]): MatchMemo {
  let m = memo.matches[key];
  if (!m) {
    let keys: readonly number[] = KEYS_NONE;
    for (let i = 0; i < items.length; i++) {
      if ((ids && memo.facts[ids[i]]) || isMatchItem(items[i])) continue;
      // The usual flow key is a leading priority: a shared list; others get their own.
      keys = keys.length === 0 && i === 0 ? KEYS_FIRST : [...keys, i];
    }
    m = { match: null, keys, checkedActions: null, checkedKey: 0, moreChecked: null, actionsState: -1 };
    memo.matches[key] = m;
  }
  return m;
}

/** An item that only changes the match (a field or a protocol shorthand). */
function isMatchItem(it: Item): boolean {
  const k = it.key.text;
  if (it.colon || it.args) return false;
  if (it.key.subscript === null && !it.eq && PROTOCOLS.has(k)) return true;
  return fieldByName(k) !== undefined;
}

// Flows share matches and action lists: a (match, action list, table, version) that passed
// checkActions once passes again (checks depend on nothing else), so a file reader's memo
// remembers it (per file: a global cache would keep an entry per match alive). Checks
// read a few slots (dl_type, nw_proto, the VLAN tag, ct_state…): run over NotingMaps, they
// say which, and a match with the same values and masks in those slots passes too without
// running them again (what checks write into the args is fixed per shared action list:
// sharedActions keys lists by the VLAN tag and IP protocol).
export function checkOnce(actions: Action[], match: Match, table: number, ofVersion: number, dump: boolean, memo: MatchMemo | null, file?: FileMemo): void {
  if (!memo || !file) { checkActions(actions, match, table, ofVersion, dump); return; }
  const key = (table * 256 + ofVersion) * 2 + (dump ? 1 : 0);
  if (memo.checkedActions === actions && memo.checkedKey === key) return;
  const more = memo.moreChecked;
  if (more) for (let i = 0; i < more.length; i += 2) if (more[i] === actions && more[i + 1] === key) return;
  if (!passedBefore(file, actions, key, match)) {
    const notes = new ReadNotes();
    checkActions(actions, { values: new NotingMap(match.values, notes), masks: new NotingMap(match.masks, notes) }, table, ofVersion, dump);
    remember(file, actions, key, match, notes);
  }
  if (memo.checkedActions === null) { memo.checkedActions = actions; memo.checkedKey = key; } else (memo.moreChecked ??= []).push(actions, key);
}

/** The slots an action list's checks read and what they held when the checks passed. */
interface Passed { key: number; slots: string[]; values: Array<bigint | undefined>; masks: Array<bigint | undefined> }
const PASSED_MAX = 32; // per action list: past that, checks simply run

function passedBefore(file: FileMemo, actions: Action[], key: number, m: Match): boolean {
  const list = file.passed.get(actions);
  if (!list) return false;
  // Plain loops: this runs for each new match of a dump, and callbacks would be made per call.
  for (const p of list) {
    if (p.key !== key) continue;
    let same = true;
    for (let i = 0; i < p.slots.length && same; i++) {
      const slot = p.slots[i];
      same = m.values.get(slot) === p.values[i] && m.masks.get(slot) === p.masks[i];
    }
    if (same) return true;
  }
  return false;
}

function remember(file: FileMemo, actions: Action[], key: number, m: Match, notes: ReadNotes): void {
  let list = file.passed.get(actions);
  if (!list) file.passed.set(actions, (list = []));
  if (notes.all || list.length >= PASSED_MAX) return;
  const slots = [...notes.slots];
  list.push({ key, slots, values: slots.map((k) => m.values.get(k)), masks: slots.map((k) => m.masks.get(k)) });
}
