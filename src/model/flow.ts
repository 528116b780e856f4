// The Flow IR: one OpenFlow flow, built from the syntax tree through FIELDS and ACTIONS.
import type { FlowSyntax, Item, Span } from '../../grammar/syntax.js';
import { actionByName, actionNames, type Action } from './actions/index.js';
import { output } from './actions/output.js';
import { checkActions } from './actions/check.js';
import { hasVlan, ipProto } from './actions/vlan-state.js';
import type { ParseCtx } from './actions/types.js';
import { fail, FlowError } from './errors.js';
import { fieldByName, fieldNames } from './fields.js';
import { applyMatchItemCached, MaskTable, newMatch, NotingMap, PROTOCOLS, ReadNotes, setProtocol, valueText, type Match } from './match.js';
import { parsePort, ValueError } from './values.js';
import { ctTupleAllowed, normalizeMatch } from './normalize.js';
import { didYouMean } from '../util/suggest.js';

export interface Flow {
  table: number;
  priority: number;
  cookie: bigint;
  idleTimeout: number;
  hardTimeout: number;
  importance: number;
  flags: string[];           // send_flow_rem, check_overlap, reset_counts, no_packet_counts, no_byte_counts
  match: Match;
  actions: Action[];
  stats: FlowStats | null;   // as pasted from a dump (not printed by fmt)
  line: number;              // 1-based source line; 0 when built in memory
  /** Where the action text starts in the line: add it to action spans (shared lists). */
  actionsBase?: number;
  col?: number;              // 1-based column where the flow's text starts (dumps indent by one)
}

/** The counters of a dump-flows line: numbers only, so a big dump keeps no line text alive. */
export interface FlowStats { duration?: number; n_packets?: number; n_bytes?: number; idle_age?: number; hard_age?: number }

export const FLOW_FLAGS = ['send_flow_rem', 'check_overlap', 'reset_counts', 'no_packet_counts', 'no_byte_counts'];
const STATS_KEYS = ['duration', 'n_packets', 'n_bytes', 'idle_age', 'hard_age'];
const FLOW_KEYS = ['table', 'priority', 'cookie', 'idle_timeout', 'hard_timeout', 'importance'];
const IGNORED = ['no_readonly_table', 'allow_hidden_fields'];

/**
 * Flow keys the reader read without the grammar (a dump's leading `cookie=…, table=…,
 * n_packets=…,`): key, where its value is in `line` (v0 = -1 for a flag such as
 * send_flow_rem) and where the key starts. A value the reader could read plainly as a
 * number comes with it (`num`, and `form` says which form). The arrays are reused from
 * line to line: only the first `n` count.
 */
export interface LeadingKeys {
  n: number; line: string; key: string[]; v0: number[]; v1: number[]; at: number[];
  num: number[]; form: number[];
}
/** LeadingKeys forms: not a plain number, decimal digits, digits with a fraction and/or
 *  an `s` (`1.119s`), `0x` and hex digits. */
export const LEAD_OTHER = 0, LEAD_DECIMAL = 1, LEAD_FRACTION = 2, LEAD_HEX = 3;

export interface BuildCtx {
  ports: Map<string, number>; tables?: Map<string, number>; ofVersion?: number; dump?: boolean;
  /** Set by a file reader: what its flows share (see FileMemo). */
  memo?: FileMemo;
}

function u16(what: string, t: string, src: Item | number): number {
  // Up to four decimal digits (`priority=100`) are always in range: no regex for them.
  let n = t.length > 0 && t.length <= 4 ? 0 : -1;
  for (let i = 0; i < t.length && n >= 0; i++) { const c = t.charCodeAt(i) - 48; n = c >= 0 && c <= 9 ? n * 10 + c : -1; }
  if (n >= 0) return n;
  if (!/^(\d+|0x[0-9a-fA-F]+)$/.test(t) || Number(t) > 0xffff) fail(`${what}: '${t}' is not a number from 0 to 65535`, valueSpan(what, t, src));
  return Number(t);
}

/**
 * Builds a flow. `actionsBase` is where the text the action syntax was parsed from starts
 * in the line (the reader parses and caches action lists on their own): errors are shifted
 * by it, and the flow keeps it for the action spans.
 */
export function buildFlow(syn: FlowSyntax, ctx: BuildCtx, line = 0, actionsBase = 0, lead?: LeadingKeys, col = 1): Flow {
  const flow: Flow = {
    table: 0, priority: 32768, cookie: 0n, idleTimeout: 0, hardTimeout: 0, importance: 0,
    flags: NO_FLAGS, match: NO_MATCH, actions: NO_ACTIONS, stats: null, line, col,
    // The action list may be shared with other flows: its spans stay relative to its text.
    actionsBase: actionsBase || undefined,
  };
  resetCounters();
  if (lead) for (let i = 0; i < lead.n; i++) applyLeadKey(flow, lead, i, ctx);
  // Match items may come from a cache with spans relative to their own text (matchBases).
  const items = syn.match;
  const memo = ctx.memo && syn.matchKey !== undefined ? matchMemo(ctx.memo, syn.matchKey, items) : null;
  if (memo?.match) {
    // The same items, in the same order, were built and checked before: only the flow
    // keys among them (priority, …) are applied again.
    for (const i of memo.keys) {
      try { applyFlowItem(flow, items[i], ctx); } catch (e) { throw shifted(e, syn.matchBases?.[i] ?? 0); }
    }
    flow.match = memo.match;
  } else {
    flow.match = memo ? { values: new Map(), masks: ctx.memo!.masks.scratch() } : newMatch();
    for (let i = 0; i < items.length; i++) {
      try { applyFlowItem(flow, items[i], ctx); } catch (e) { throw shifted(e, syn.matchBases?.[i] ?? 0); }
    }
    for (let i = 0; i < items.length; i++) {
      try { checkMatchable(flow, items[i]); } catch (e) { throw shifted(e, syn.matchBases?.[i] ?? 0); }
    }
    normalizeMatch(flow.match);
    if (memo) { ctx.memo!.masks.share(flow.match); memo.match = flow.match; }
  }
  if (countersRead) flow.stats = ctx.memo ? ctx.memo.stats.get(COUNTERS) : copyCounters(COUNTERS);
  if (!ctx.dump && flow.stats === null && (ctx.ofVersion ?? 10) <= 11) heldAfterOf10Add(flow);
  if (syn.actions === null) fail('must specify an action (actions=...)', null);
  try {
    flow.actions = sharedActions(syn.actions, flow, ctx);
    checkOnce(flow.actions, flow.match, flow.table, ctx.ofVersion ?? 10, !!ctx.dump, memo, ctx.memo);
  } catch (e) { throw shifted(e, actionsBase); }
  return flow;
}

/**
 * A leading key: the number the reader read, when the key takes it as it is; else the
 * value's text goes the way of any flow key (which also words the errors).
 */
function applyLeadKey(flow: Flow, lead: LeadingKeys, i: number, ctx: BuildCtx): void {
  const k = lead.key[i], form = lead.form[i], n = lead.num[i];
  if (lead.v0[i] < 0) { addFlag(flow, k); return; }
  switch (k) {
    case 'duration': case 'n_packets': case 'n_bytes': case 'idle_age': case 'hard_age':
      if (form === LEAD_DECIMAL || form === LEAD_FRACTION) { COUNTERS[k] = n; countersRead = true; return; }
      break;
    case 'table':
      if (form === LEAD_DECIMAL && !ctx.tables && n < 254) { flow.table = n | 0; return; } // | 0: a small integer field, not a boxed double
      break;
    case 'cookie':
      if (form === LEAD_DECIMAL || form === LEAD_HEX) { flow.cookie = BigInt(n); return; }
      break;
    default: break;
  }
  applyFlowKey(flow, k, lead.line.slice(lead.v0[i], lead.v1[i]), lead.at[i], ctx);
}

// The counters of the flow being built; at the end they become a FlowStats shared by every
// flow of the file with the same counters (a dump repeats `n_packets=0, n_bytes=0`).
const COUNTERS: FlowStats = { duration: undefined, n_packets: undefined, n_bytes: undefined, idle_age: undefined, hard_age: undefined };
let countersRead = false;

function resetCounters(): void {
  COUNTERS.duration = COUNTERS.n_packets = COUNTERS.n_bytes = COUNTERS.idle_age = COUNTERS.hard_age = undefined;
  countersRead = false;
}

const copyCounters = (c: FlowStats): FlowStats => Object.freeze({
  duration: c.duration, n_packets: c.n_packets, n_bytes: c.n_bytes, idle_age: c.idle_age, hard_age: c.hard_age,
});

const mix = (h: number, x: number | undefined): number => (Math.imul(h, 31) + (x === undefined ? -1 : (x * 1000) | 0)) & 0x3fffffff;
const sameStats = (a: FlowStats, b: FlowStats): boolean => a.duration === b.duration && a.n_packets === b.n_packets
  && a.n_bytes === b.n_bytes && a.idle_age === b.idle_age && a.hard_age === b.hard_age;

/** Frozen FlowStats, one per distinct set of counters. */
class StatsTable {
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

// Most flows have no flags: they share one empty list (a flag makes the flow its own copy).
const NO_FLAGS: string[] = Object.freeze([]) as unknown as string[];
const NO_ACTIONS: Action[] = Object.freeze([]) as unknown as Action[];
// Placeholder until the flow's match is built or found (never read, never changed).
const NO_MATCH: Match = Object.freeze(newMatch());

const RESET_COUNTS_ONLY: string[] = Object.freeze(['reset_counts']) as unknown as string[];

/**
 * A hand-written flow is added the way `ovs-ofctl add-flows` adds it by default, over
 * OpenFlow 1.0/1.1: such a flow_mod always resets the counters and cannot carry an
 * importance, so the switch holds reset_counts and importance 0 (what its 1.3+ dumps show).
 */
function heldAfterOf10Add(flow: Flow): void {
  flow.flags = flow.flags.length === 0 ? RESET_COUNTS_ONLY : flow.flags.includes('reset_counts') ? flow.flags : [...flow.flags, 'reset_counts'];
  flow.importance = 0;
}

function addFlag(flow: Flow, k: string): void {
  if (!flow.flags.includes(k)) flow.flags = [...flow.flags, k];
}

/**
 * What a file reader's flows share. `matches`: by the reader's key for a line's match items
 * (FlowSyntax.matchKey), what those items built: flows with the same items share one Match
 * object (matches are never changed once built). `stats`: the counters of the file's
 * flows, one object per distinct set. `masks`: the masks maps of the file's matches, one
 * per distinct content.
 */
export interface FileMemo {
  matches: MatchMemo[];
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
}

export const newFileMemo = (): FileMemo => ({ matches: [], passed: new Map(), masks: new MaskTable(), stats: new StatsTable() });

// Most flows have their priority first and no other flow key among their items: the
// commonest lists of flow-key positions are shared (fewer objects for the collector).
const KEYS_NONE: readonly number[] = Object.freeze([]), KEYS_FIRST: readonly number[] = Object.freeze([0]);
const sharedKeys = (keys: number[]): readonly number[] =>
  keys.length === 0 ? KEYS_NONE : keys.length === 1 && keys[0] === 0 ? KEYS_FIRST : keys;

function matchMemo(memo: FileMemo, key: number, items: Item[]): MatchMemo {
  let m = memo.matches[key];
  if (!m) {
    const keys: number[] = [];
    for (let i = 0; i < items.length; i++) if (!isMatchItem(items[i])) keys.push(i);
    m = { match: null, keys: sharedKeys(keys), checkedActions: null, checkedKey: 0, moreChecked: null };
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

// A dump repeats the same action list thousands of times and the reader hands out one
// syntax array per distinct text: the built actions are shared too. Checks record a little
// state in the args (the VLAN tag and IP protocol the list starts from, used when printing),
// so flows share only when that starting state is the same.
const BUILT = new WeakMap<Item[], Map<number, Action[]>>();

function sharedActions(items: Item[], flow: Flow, ctx: BuildCtx): Action[] {
  const dump = ctx.dump || flow.stats !== null;
  // The starting state as one number: dump flag, VLAN tag, IP protocol (0..255, or none).
  const key = (dump ? 1 : 0) | (hasVlan(flow.match) ? 2 : 0) | (((ipProto(flow.match) ?? 256) + 1) << 2);
  let byState = BUILT.get(items);
  if (!byState) { byState = new Map(); BUILT.set(items, byState); }
  let built = byState.get(key);
  if (!built) { built = buildActions(items, { ...ctx, dump }); byState.set(key, built); }
  return built;
}

// Flows share matches and action lists: a (match, action list, table, version) that passed
// checkActions once passes again (checks depend on nothing else), so a file reader's memo
// remembers it (per file: a global cache would keep an entry per match alive). Checks
// read a few slots (dl_type, nw_proto, the VLAN tag, ct_state…): run over NotingMaps, they
// say which, and a match with the same values and masks in those slots passes too without
// running them again (what checks write into the args is fixed per shared action list:
// sharedActions keys lists by the VLAN tag and IP protocol).
function checkOnce(actions: Action[], match: Match, table: number, ofVersion: number, dump: boolean, memo: MatchMemo | null, file?: FileMemo): void {
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
  return file.passed.get(actions)?.some((p) => p.key === key
    && p.slots.every((slot, i) => m.values.get(slot) === p.values[i] && m.masks.get(slot) === p.masks[i])) ?? false;
}

function remember(file: FileMemo, actions: Action[], key: number, m: Match, notes: ReadNotes): void {
  let list = file.passed.get(actions);
  if (!list) file.passed.set(actions, (list = []));
  if (notes.all || list.length >= PASSED_MAX) return;
  const slots = [...notes.slots];
  list.push({ key, slots, values: slots.map((k) => m.values.get(k)), masks: slots.map((k) => m.masks.get(k)) });
}

function applyFlowItem(flow: Flow, it: Item, ctx: BuildCtx): void {
  const k = it.key.text;
  if (it.key.subscript === null && !it.eq && !it.args && !it.colon) {
    if (setProtocol(flow.match, k)) return;
    if (FLOW_FLAGS.includes(k)) { addFlag(flow, k); return; }
    if (IGNORED.includes(k)) return;
  }
  if (it.colon || it.args) fail(`${k}: expected ${k}=value in a match`, it.span);
  const f = fieldByName(k);
  if (f) {
    try { applyMatchItemCached(flow.match, f, it, ctx); } catch (e) {
      if (e instanceof ValueError) fail(e.message, it.eq?.span ?? it.span);
      throw e;
    }
    return;
  }
  if (!STATS_KEYS.includes(k) && (!it.eq || valueText(it.eq) === '')) {
    if (FLOW_KEYS.includes(k)) fail(`field ${k} missing value`, it.span);
    unknown(k, it.key.span);
  }
  applyFlowKey(flow, k, it.eq ? valueText(it.eq) : '', it, ctx);
}

/** Where errors about a flow key's value point: the item's value, or for a leading key
 *  read by the reader (`src` is its offset in the line) the text after `key=`. */
function valueSpan(k: string, text: string, src: Item | number): Span {
  if (typeof src !== 'number') return src.eq?.span ?? src.span;
  const start = src + k.length + 1;
  return { start, end: start + text.length };
}

const keySpan = (k: string, src: Item | number): Span => (typeof src === 'number' ? { start: src, end: src + k.length } : src.key.span);

/**
 * A flow key that is no match field (table, priority, cookie, timeouts, dump counters)
 * with its value text. `src` is its item, or where the key starts in the line when the
 * reader read it without the grammar (a dump's leading `cookie=…, table=…,` keys).
 */
function applyFlowKey(flow: Flow, k: string, text: string, src: Item | number, ctx: BuildCtx): void {
  if (STATS_KEYS.includes(k)) {
    const n = Number.parseFloat(text);
    if (!Number.isFinite(n)) fail(`${k}: expected a number`, valueSpan(k, text, src));
    COUNTERS[k as keyof FlowStats] = n;
    countersRead = true;
    return;
  }
  switch (k) {
    case 'table': {
      const t = ctx.tables?.get(text) ?? (/^\d+$/.test(text) ? Number(text) : NaN);
      if (!(t >= 0 && t <= 255)) fail(`unknown table "${text}"`, valueSpan(k, text, src));
      if (t === 254) fail('table 254 is reserved for the switch itself (OFPBRC_EPERM)', valueSpan(k, text, src));
      // 255 means "no table given" to ovs-ofctl: the flow goes to table 0.
      flow.table = t === 255 ? 0 : t; return;
    }
    case 'priority': flow.priority = u16(k, text, src); return;
    case 'idle_timeout': flow.idleTimeout = u16(k, text, src); return;
    case 'hard_timeout': flow.hardTimeout = u16(k, text, src); return;
    case 'importance': flow.importance = u16(k, text, src); return;
    case 'cookie': {
      if (text.includes('/')) fail('flow additions cannot use a cookie mask', valueSpan(k, text, src));
      if (!/^(\d+|0x[0-9a-fA-F]{1,16})$/.test(text)) fail(`cookie: '${text}' is not a 64-bit number`, valueSpan(k, text, src));
      flow.cookie = BigInt(text); return;
    }
    default: unknown(k, keySpan(k, src));
  }
}

/** An error raised by code that saw spans relative to `base`, moved to line offsets. */
function shifted(e: unknown, base: number): unknown {
  if (e instanceof FlowError && e.span && base) return new FlowError(e.message, { start: e.span.start + base, end: e.span.end + base });
  return e;
}

/** Fields OVS refuses in a table: datapath-only fields, ct tuple fields without a valid ct_state. */
function checkMatchable(flow: Flow, it: Item): void {
  const f = fieldByName(it.key.text);
  if (!f) return;
  // recirc_id=0 is what every OpenFlow table lookup has: OVS lets a flow say so.
  if (f.unmatchable && !(f.name === 'recirc_id' && !flow.match.values.get('recirc_id'))) {
    fail(`${f.name} ${f.unmatchable}`, it.key.span);
  }
  const ctTp = f.name === 'ct_tp_src' || f.name === 'ct_tp_dst';
  if (ctTp && !flow.match.masks.get('ct_nw_proto')) return; // dropped by normalisation
  if (f.prereq === 'ct' && !ctTupleAllowed(flow.match)) {
    fail(`${f.name} needs ct_state to match +new, +est, +rel, +rpl, +snat, +dnat or +trk-inv (the switch answers OFPBMC_BAD_PREREQ)`, it.key.span);
  }
}

function unknown(k: string, span: Span): never {
  const known = [...fieldNames(), ...PROTOCOLS.keys(), ...FLOW_FLAGS, ...FLOW_KEYS];
  return fail(`unknown keyword ${k}${didYouMean(k, known)}`, span);
}

/** Builds an action list; used for flows, nested lists (clone, write_actions) and groups. */
export function buildActions(items: Item[], ctx: BuildCtx): Action[] {
  const pctx: ParseCtx = { ports: ctx.ports, dump: ctx.dump, ofVersion: ctx.ofVersion, parseActions: (xs) => buildActions(xs, ctx) };
  const out: Action[] = [];
  const drop = items.find((it) => it.key.text === 'drop');
  if (drop && items.length > 1) fail('"drop" must not be accompanied by any other action or instruction', drop.key.span);
  for (const it of items) {
    const spec = actionByName(it.key.text);
    const span = it.span;
    if (spec) { out.push({ name: spec.name, args: spec.parse(it, pctx), span }); continue; }
    if (!it.eq && !it.colon && !it.args && isPort(it.key.text, ctx)) {
      out.push({ name: 'output', args: output.parse(it, pctx), span });
      continue;
    }
    fail(`unknown action ${it.key.text}${didYouMean(it.key.text, actionNames())}`, it.key.span);
  }
  return out;
}

function isPort(text: string, ctx: BuildCtx): boolean {
  try { parsePort(text, { ports: ctx.ports }); return true; } catch { return false; }
}

export { FlowError };
