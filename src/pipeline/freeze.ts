// Freezing a translation and thawing it in a later pass, as OVS 3.1 does for a select
// group with selection_method=dp_hash that meets a packet without a dp_hash: the group
// picks no bucket, the translation stops, the datapath is told to hash the packet and
// recirculate (`hash(l4(0)),recirc(0xN)`), and the recirculated packet (recirc_id=N,
// dp_hash set) resumes the translation AT the group, which now picks a bucket.
//
// What resumes is a list of "frozen actions": the group action, then what was still to
// run after it, the innermost action list first and then the rest of each list whose
// resubmit led there (each adds its rest as the translation unwinds, see unrollFrozen).
// Before an action that may send a packet-in (it reports the table and cookie), an
// `unroll_xlate` marker restores the table and flow it ran under. goto_table becomes a
// resubmit and write_metadata a set_field (instructions cannot be resumed). The action
// set and the stack go along.
//
// The freeze is finished (hash + recirc emitted) where OVS finishes it: at the end of
// the translation, of a group bucket or of a clone(): what follows those is not frozen.
//
// controller(pause) freezes too (freezeForPause): the rest waits for the controller to
// send the packet back; offline nothing resumes it.
//
// OVS 3.1 asserts at every freeze that the action set takes no more bytes than the frozen
// actions; the process aborts when it does (action-set.ts checkFrozenSetFits).
//
// pop_mpls freezes too (freezeForMpls): once the last label is gone, an action that needs
// the packet past L2 waits for the datapath to recirculate and parse it again. That freeze
// has no hash, and what resumes depends on the header under the label, which a packet given
// as `mpls,...` does not carry: a trace stops at `recirc(0xN)` as ofproto/trace does, a run
// with a tracker refuses it.
import { actionByName } from '../model/actions/index.js';
import type { Action } from '../model/actions/types.js';
import type { Flow } from '../model/flow.js';
import type { Packet } from '../packet/packet.js';
import { checkFrozenSetFits, copyActionSet, restoreActionSet, runActionSetAtEnd } from './action-set.js';
import { groupAction, resubmitAction } from './built.js';
import { sentFrame } from './ct-nat.js';
import { hash5Tuple, hashInt, hashSymmetricL3L4 } from './hash.js';
import { listBytes, UNROLL_XLATE_BYTES } from './ofpact-size.js';
import type { Xlate } from './xlate.js';

/** Where the actions after a marker ran: their table and flow (for the cookie). */
interface Unroll { table: number; flow: Flow | null }

type FrozenItem = { action: Action; unroll?: undefined } | { unroll: Unroll; action?: undefined };

export interface Frozen {
  /** The dp_hash to compute first; null: a plain recirculation (after pop_mpls); pause: controller(pause). */
  alg: 'l4' | 'sym_l4' | null | 'pause';
  basis: number;
  items: FrozenItem[];
  /** The last marker put (OVS puts one only where table or cookie changes). */
  last: Unroll | null;
  actionSet: Map<string, Action> | null;
  stack: Array<{ value: bigint; bits: number }>;
  /** Where the thawed pass resumes: the group, in the table whose flow ran it. */
  at: { table: number; group: number };
}

const FREEZING = new WeakMap<Xlate, Frozen>();
/** The index, in a datapath action list, of a recirc() after pop_mpls (a clone() stays inline around it). */
const MPLS_RECIRC = new WeakMap<readonly string[], number>();
export const isMplsRecirc = (odp: readonly string[], i: number): boolean => MPLS_RECIRC.get(odp) === i;

/**
 * `a` as OVS freezes it in `table`: null when nothing resumes it; `reports`: it reports
 * its table and cookie, so an `unroll_xlate` marker goes before it where they changed.
 * (lint sizes frozen lists with it too: src/lint/frozen-bytes.ts.)
 */
export function asFrozen(a: Action, table: number): { action: Action; reports: boolean } | null {
  const spec = actionByName(a.name);
  if (spec?.notRestored) return null; // nothing to resume
  // An instruction cannot be resumed: goto_table becomes a resubmit to its table.
  // For the same reason write_metadata becomes a set_field on metadata.
  const goto = spec?.jumps?.(a.args, table).find((j) => j.kind === 'goto_table');
  if (goto) return { action: { ...resubmitAction(goto.table), span: a.span }, reports: false };
  const as = spec?.frozenAs?.(a.args);
  if (as) return { action: { ...as, span: a.span }, reports: false };
  return { action: a, reports: spec?.reportsTable?.(a.args) ?? false };
}

function put(x: Xlate, f: Frozen, action: Action): void {
  const fa = asFrozen(action, x.table);
  if (!fa) return;
  if (fa.reports && (!f.last || f.last.table !== x.table || (f.last.flow?.cookie ?? 0n) !== (x.flow?.cookie ?? 0n))) {
    f.last = { table: x.table, flow: x.flow };
    f.items.push({ unroll: f.last });
  }
  f.items.push({ action: fa.action });
}

/** The group action stops the translation: it and what follows it are frozen. */
export function startFreezing(x: Xlate, alg: Frozen['alg'], basis: number, groupId: number): void {
  const f: Frozen = { alg, basis, items: [], last: null, actionSet: null, stack: [], at: { table: x.table, group: groupId } };
  const cur = x.curList[x.curIndex];
  const a = cur && actionByName(cur.name)?.groupId?.(cur.args) === groupId ? cur : groupAction(groupId);
  put(x, f, a);
  FREEZING.set(x, f);
  x.exited = true;
}

/** A freeze without a group: what the translation has not run yet is frozen (unrollFrozen). */
function freezeHere(x: Xlate, alg: null | 'pause'): void {
  FREEZING.set(x, { alg, basis: 0, items: [], last: null, actionSet: null, stack: [], at: { table: x.table, group: -1 } });
  x.exited = true;
}

/** After pop_mpls: the action about to run waits for the parsed packet; it and the rest are frozen. */
export const freezeForMpls = (x: Xlate): void => freezeHere(x, null);

/** controller(pause): what follows it (not the controller itself) is frozen for the controller. */
export const freezeForPause = (x: Xlate): void => freezeHere(x, 'pause');

/**
 * The end of a pass, of a clone() or of a check_pkt_larger branch, as OVS ends each: the
 * action set runs unless the translation froze; a freeze is finished (and the set frozen).
 */
export function finishPass(x: Xlate, depth: number): void {
  if (!FREEZING.has(x)) runActionSetAtEnd(x, depth);
  finishFreezing(x);
}

/** The bytes OVS holds the frozen actions in, and the names of those ctflow cannot size. */
function frozenBytes(f: Frozen): [number, string[]] {
  const markers = f.items.filter((it) => it.unroll).length;
  const { bytes, unsized } = listBytes(f.items.flatMap((it) => (it.action ? [it.action] : [])));
  return [bytes + markers * UNROLL_XLATE_BYTES, unsized.map((a) => a.name)];
}

const FROZEN_BY = new Map([['pause', 'controller(pause)'], ['l4', 'a dp_hash select group'], ['sym_l4', 'a dp_hash select group']]);

/** An action list stops at `from` because the translation exited: its rest is frozen too. */
export function unrollFrozen(x: Xlate, actions: readonly Action[], from: number): void {
  const f = FREEZING.get(x);
  if (f) for (let i = from; i < actions.length; i++) put(x, f, actions[i]);
}

/**
 * Emits `hash(alg(basis)),recirc(0xN)` after committing the packet's changes and, with a
 * tracker, queues the pass that resumes the frozen actions with the dp_hash the userspace
 * datapath computes. A trace without a tracker stops there, as ofproto/trace does.
 */
export function finishFreezing(x: Xlate): void {
  const f = FREEZING.get(x);
  if (!f) return;
  FREEZING.delete(x);
  const [bytes, unknown] = frozenBytes(f);
  checkFrozenSetFits(x, FROZEN_BY.get(f.alg ?? '') ?? 'the recirculation after pop_mpls', bytes, unknown);
  if (f.alg === 'pause') { x.actionSet.clear(); return; } // offline, nothing resumes it
  x.commit();
  if (f.alg === null) return recirculateAfterPop(x);
  x.odp.push(`hash(${f.alg}(${f.basis}))`);
  f.actionSet = x.actionSetEmpty ? null : copyActionSet(x.actionSet);
  f.stack = [...x.stack];
  if (!x.run.conntrack) {
    x.odp.push(`recirc(0x${x.run.newRecircId().toString(16)})`);
    x.note('the datapath computes dp_hash and recirculates; the bucket is chosen then (not followed, as in ofproto/trace)');
    return;
  }
  const p = sentFrame(x);
  const h = dpHash(x, f, p);
  p.slots.set('dp_hash', BigInt(h));
  x.note(`the datapath computes dp_hash=0x${h.toString(16)} (hash(${f.alg}(${f.basis}))) and recirculates; the next pass resumes at the group`);
  x.run.queueThaw(x, p, (y) => thaw(y, f), f.at);
}

function recirculateAfterPop(x: Xlate): void {
  if (x.run.conntrack) {
    x.unsupported('the recirculation after pop_mpls (OVS parses the packet again and goes on with the header that was under the label: bytes a packet given as mpls does not carry; `ctflow trace --ct-next ...` bypasses the tracker and stops there, as ofproto/trace does)');
  }
  x.odp.push(`recirc(0x${x.run.newRecircId().toString(16)})`);
  MPLS_RECIRC.set(x.odp, x.odp.length - 1);
  x.note('the datapath recirculates to parse the packet under the popped label (not followed, as in ofproto/trace)');
}

/**
 * The dp_hash of the userspace datapath's hash action. l4: the packet's RSS hash (a
 * 5-tuple hash taken when the packet was received, kept across recirculations) hashed
 * with the basis. sym_l4: a symmetric L3/L4 hash of the packet as it is now.
 */
function dpHash(x: Xlate, f: Frozen, p: Packet): number {
  if (f.alg !== 'sym_l4') return hashInt(hash5Tuple(x.run.received.slots, 0), f.basis);
  return hashSymmetricL3L4(p.slots, f.basis, false);
}

// OVS prints the restored cookie as the raw big-endian word (`cookie=0x1100000000000000`
// for cookie 0x11 on a little-endian host): the trace shows what real OVS shows.
function swap64(v: bigint): bigint {
  let r = 0n;
  for (let i = 0; i < 8; i++) { r = (r << 8n) | (v & 0xffn); v >>= 8n; }
  return r;
}

const unrollText = (u: Unroll): string => `unroll_xlate(table=${u.table}, cookie=${u.flow?.cookie ?? 0n})`;

/** The resumed pass: the frozen actions run from the top, then the action set. */
export function thaw(x: Xlate, f: Frozen): void {
  if (f.actionSet) restoreActionSet(x, f.actionSet);
  x.stack = [...f.stack];
  if (x.run.trace) {
    const texts = f.items.map((it) => (it.unroll ? unrollText(it.unroll) : x.actionText(it.action!)));
    x.ev({ kind: 'thaw', depth: 1, text: `Restoring actions: ${texts.join(',')}` });
  }
  let list: Action[] = [];
  const flush = () => { if (list.length) x.executeList(list, 0); list = []; };
  for (const it of f.items) {
    if (!it.unroll) { list.push(it.action); continue; }
    flush();
    if (x.exited) return;
    const u = it.unroll, cookie = swap64(u.flow?.cookie ?? 0n);
    x.ev({ kind: 'action', depth: 0, text: unrollText(u) });
    x.ev({ kind: 'action', depth: 0, text: `restored state: table=${u.table}, cookie=${cookie ? '0x' + cookie.toString(16) : '0'}` });
    x.table = u.table;
    x.flow = u.flow;
  }
  flush();
}
