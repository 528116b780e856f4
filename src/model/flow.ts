// The Flow IR: one OpenFlow flow, built from the syntax tree through FIELDS and ACTIONS.
import type { FlowSyntax, Item, Span } from '../../grammar/syntax.js';
import { actionByName, actionNames, type Action } from './actions/index.js';
import { output } from './actions/output.js';
import { hasVlan, ipProto } from './actions/vlan-state.js';
import type { ParseCtx } from './actions/types.js';
import { fail, FlowError } from './errors.js';
import { fieldByName, fieldNames, type FieldSpec } from './fields.js';
import { applyWrites, matchItemWrites, newMatch, PROTOCOLS, setProtocol, valueText, type Match } from './match.js';
import { checkOnce, copyCounters, matchMemo, type FileMemo, type ItemFacts, type MatchMemo } from './flow-memo.js';
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
  const memo = ctx.memo && syn.matchKey !== undefined ? matchMemo(ctx.memo, syn.matchKey, items, syn.matchIds) : null;
  if (memo?.match) {
    // The same items, in the same order, were built and checked before: only the flow
    // keys among them (priority, …) are applied again.
    for (const i of memo.keys) {
      try { applyFlowItem(flow, items[i], ctx); } catch (e) { throw shifted(e, syn.matchBases?.[i] ?? 0); }
    }
    flow.match = memo.match;
  } else {
    flow.match = memo ? ctx.memo!.masks.scratch() : newMatch();
    // A field item the file applied before is applied by its writes, found by the item's
    // number (no name lookups); the others, and every item the first time, the long way.
    const facts = memo ? ctx.memo!.facts : null, ids = syn.matchIds;
    for (let i = 0; i < items.length; i++) {
      const known = facts && ids ? facts[ids[i]] : undefined;
      if (known !== undefined) { applyWrites(flow.match, known.writes); continue; }
      try {
        const learnt = applyFlowItem(flow, items[i], ctx);
        if (learnt && facts && ids) facts[ids[i]] = learnt;
      } catch (e) { throw shifted(e, syn.matchBases?.[i] ?? 0); }
    }
    for (let i = 0; i < items.length; i++) {
      const f = (facts && ids ? facts[ids[i]]?.field : undefined) ?? fieldByName(items[i].key.text);
      try { if (f) checkMatchable(flow, f, items[i]); } catch (e) { throw shifted(e, syn.matchBases?.[i] ?? 0); }
    }
    normalizeMatch(flow.match);
    if (memo) { ctx.memo!.masks.share(flow.match); memo.match = flow.match; }
  }
  if (countersRead) flow.stats = ctx.memo ? ctx.memo.stats.get(COUNTERS) : copyCounters(COUNTERS);
  if (!ctx.dump && flow.stats === null && (ctx.ofVersion ?? 10) <= 11) heldAfterOf10Add(flow);
  if (syn.actions === null) fail('must specify an action (actions=...)', null);
  try {
    flow.actions = sharedActions(syn.actions, flow, ctx, memo);
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
      if (form === LEAD_DECIMAL || form === LEAD_FRACTION) { setCounter(k, n); return; }
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

/** One counter by name: a store per name, not a keyed store whose names vary line by line. */
function setCounter(k: string, n: number): void {
  switch (k) {
    case 'duration': COUNTERS.duration = n; break;
    case 'n_packets': COUNTERS.n_packets = n; break;
    case 'n_bytes': COUNTERS.n_bytes = n; break;
    case 'idle_age': COUNTERS.idle_age = n; break;
    default: COUNTERS.hard_age = n; break;
  }
  countersRead = true;
}

function resetCounters(): void {
  COUNTERS.duration = COUNTERS.n_packets = COUNTERS.n_bytes = COUNTERS.idle_age = COUNTERS.hard_age = undefined;
  countersRead = false;
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

// A dump repeats the same action list thousands of times and the reader hands out one
// syntax array per distinct text: the built actions are shared too. Checks record a little
// state in the args (the VLAN tag and IP protocol the list starts from, used when printing),
// so flows share only when that starting state is the same.
const BUILT = new WeakMap<Item[], Map<number, Action[]>>();

function sharedActions(items: Item[], flow: Flow, ctx: BuildCtx, memo: MatchMemo | null): Action[] {
  const dump = ctx.dump || flow.stats !== null;
  // The starting state as one number: dump flag, VLAN tag, IP protocol (0..255, or none);
  // the match's part is worked out once per shared match.
  let state = memo ? memo.actionsState : -1;
  if (state < 0) {
    state = (hasVlan(flow.match) ? 2 : 0) | (((ipProto(flow.match) ?? 256) + 1) << 2);
    if (memo) memo.actionsState = state;
  }
  const key = (dump ? 1 : 0) | state;
  let byState = BUILT.get(items);
  if (!byState) { byState = new Map(); BUILT.set(items, byState); }
  let built = byState.get(key);
  if (!built) { built = buildActions(items, { ...ctx, dump }); byState.set(key, built); }
  return built;
}

/** Applies one item; for a field item, returns what it does (for the file's facts). */
function applyFlowItem(flow: Flow, it: Item, ctx: BuildCtx): ItemFacts | null {
  const k = it.key.text;
  // ovs-ofctl keeps a key's quotes: `"in_port"` names no field, protocol or flow key.
  if (it.key.quoted) fail(it.eq ? `unknown keyword "${k}"` : `field "${k}" missing value`, it.key.span);
  if (it.key.subscript === null && !it.eq && !it.args && !it.colon) {
    if (setProtocol(flow.match, k)) return null;
    if (FLOW_FLAGS.includes(k)) { addFlag(flow, k); return null; }
    if (IGNORED.includes(k)) return null;
  }
  if (it.colon || it.args) fail(`${k}: expected ${k}=value in a match`, it.span);
  const f = fieldByName(k);
  if (f) {
    let writes;
    try { writes = matchItemWrites(f, it, ctx); } catch (e) {
      if (e instanceof ValueError) fail(e.message, it.eq?.span ?? it.span);
      throw e;
    }
    applyWrites(flow.match, writes);
    return { field: f, writes };
  }
  if (!STATS_KEYS.includes(k) && (!it.eq || valueText(it.eq) === '')) {
    if (FLOW_KEYS.includes(k)) fail(`field ${k} missing value`, it.span);
    unknown(k, it.key.span);
  }
  applyFlowKey(flow, k, it.eq ? valueText(it.eq) : '', it, ctx);
  return null;
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
    setCounter(k, n);
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
function checkMatchable(flow: Flow, f: FieldSpec, it: Item): void {
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

const MAX_ACTION_DEPTH = 100;

/** Builds an action list; used for flows, nested lists (clone, write_actions) and groups. */
export function buildActions(items: Item[], ctx: BuildCtx, depth = 0): Action[] {
  // ovs-ofctl parses at most 100 levels of action lists (the flow's own is level 0).
  if (depth >= MAX_ACTION_DEPTH) fail('Action nested too deeply', items[0]?.span ?? null);
  const pctx: ParseCtx = { ports: ctx.ports, dump: ctx.dump, ofVersion: ctx.ofVersion, parseActions: (xs) => buildActions(xs, ctx, depth + 1) };
  const out: Action[] = [];
  const drop = items.find((it) => it.key.text === 'drop');
  if (drop && items.length > 1) fail('"drop" must not be accompanied by any other action or instruction', drop.key.span);
  for (const it of items) {
    // A quoted key is never an action name (ovs-ofctl keeps the quotes); it may be a port name.
    const spec = it.key.quoted ? undefined : actionByName(it.key.text);
    const span = it.span;
    if (spec) { out.push({ name: spec.name, args: spec.parse(it, pctx), span }); continue; }
    if (!it.eq && !it.colon && !it.args && isPort(it.key.text, ctx)) {
      out.push({ name: 'output', args: output.parse(it, pctx), span });
      continue;
    }
    if (it.key.quoted) fail(`unknown action "${it.key.text}"`, it.key.span);
    fail(`unknown action ${it.key.text}${didYouMean(it.key.text, actionNames())}`, it.key.span);
  }
  return out;
}

function isPort(text: string, ctx: BuildCtx): boolean {
  try { parsePort(text, { ports: ctx.ports }); return true; } catch { return false; }
}

export { FlowError };
