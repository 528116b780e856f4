// The translation's less common actions: clone, VLAN push/pop, dec_ttl, controller,
// learn, queues, MPLS, decap, check_pkt_larger, meters (ct/ct_clear: xlate-ct.ts).
import { actionByName } from '../model/actions/index.js';
import type { Action } from '../model/actions/types.js';
import type { Flow } from '../model/flow.js';
import { ETH_IP, ETH_IPV6, VLAN_CFI, VLAN_TCI1, VLAN_TPID, VLAN_TPID1 } from '../packet/packet.js';
import { getDpNat, sentFrame, setDpNat } from './ct-nat.js';
import { copyActionSet } from './action-set.js';
import { finishPass, freezeForPause, isMplsRecirc } from './freeze.js';
import type { ControllerRequest, LearnLimits, SubfieldRef } from './exec.js';
import { XlateFailure, type Xlate } from './xlate.js';
import { countMplsLabels, LSE, popLse, pushLse } from './odp.js';
import type { Pipeline } from './pipeline.js';
import { subfieldIsNow } from '../trace/subfield.js';
import { learnedFlowText } from '../trace/learned.js';
import { hexish } from '../model/actions/mf-format.js';

/** Records the frame an output sends (PacketResult.sent); only runs with a tracker need
 *  it (a trace without one applies no NAT, and the copy is not free per output). */
export function noteSent(x: Xlate): void {
  if (x.run.conntrack) x.run.sent.push(sentFrame(x));
}

/**
 * Runs `actions` on a copy of the packet; the original continues unchanged afterwards.
 * The clone has its own copy of the action set, which runs when its actions end (recorded:
 * test/oracle/lint-actset/clone-runs-set, test/oracle/actset-freeze/clone-*).
 */
export function clone(x: Xlate, actions: Action[]): void {
  // OVS's "last action" is never last while the set holds actions (they run after it).
  const tail = x.tail && x.actionSetEmpty;
  // A clone whose own actions cannot be undone is a datapath clone(), after a commit of
  // what is pending (so it is not written twice, inside and after).
  const irreversible = !tail && actions.some((a) => actionByName(a.name)?.irreversible);
  if (irreversible) x.commit();
  const slots = x.slots.clone(), base = x.base.clone();
  // An empty set is not copied (most clones, OVN's among them, meet none): what the clone
  // writes there is dropped when it ends.
  const odp = x.odp, set = x.actionSetEmpty ? null : x.actionSet, stack = [...x.stack];
  const depth = x.depth, dpNat = getDpNat(x), wasMpls = x.wasMpls;
  x.odp = [];
  if (set) x.actionSet = copyActionSet(set);
  // The nesting depth goes on inside a clone, as in OVS: OVN's hop from one logical
  // datapath to the next, a clone(…resubmit(,8)), deepens it by one, its pipeline's
  // resubmits to later tables do not (xlate.ts enter()).
  x.executeList(actions, depth); // in OVS's trace a clone's actions are its siblings
  finishPass(x, depth); // the clone's set; a freeze inside a clone resumes the clone's actions only
  const inner = x.odp;
  x.odp = odp;
  // OVS inlines a clone whose datapath actions can be undone by later set()s; ct and
  // recirculation cannot be undone, so they stay inside a datapath clone(). A dp_hash
  // group's hash(),recirc() does not count: OVS counts the group action undoable; nor
  // does the recirc() after pop_mpls (pop_mpls is undoable too). Only a datapath clone()
  // takes back what pop_mpls left to do (OVS's was_mpls).
  const wrap = irreversible || (!tail && inner.some((a, i) => /^(ct\b|ct_clear)/.test(a) || (a.startsWith('recirc(') && !inner[i - 1]?.startsWith('hash(') && !isMplsRecirc(inner, i))));
  if (wrap) {
    if (inner.length) x.odp.push(`clone(${inner.join(',')})`); // OVS drops an empty one
    x.base.copyFrom(base);
    x.wasMpls = wasMpls;
  } else x.odp.push(...inner);
  x.slots.copyFrom(slots);
  if (set) x.actionSet = set; else if (!x.actionSetEmpty) x.actionSet.clear();
  x.stack = stack;
  x.depth = depth;
  setDpNat(x, dpNat); // a ct(nat) inside the clone translated only the clone's packet
}

// ---- VLAN ------------------------------------------------------------------------------------
export function pushVlan(x: Xlate, tpid: number): void {
  const s = x.slots;
  const outer = s.get('vlan_tci') ?? 0n;
  // The new outer header starts with VID 0, PCP 0 (what OVS 3.1 does; recorded).
  s.set(VLAN_TCI1, outer);
  // The TPIDs move with their headers as they are: 0 stays 0 (read as 0x8100 where a header
  // is written), so a push undone by a pop leaves the packet as it was (Final flow: unchanged).
  s.set(VLAN_TPID1, s.get(VLAN_TPID));
  s.set('vlan_tci', VLAN_CFI);
  s.set(VLAN_TPID, BigInt(tpid));
}

export function popVlan(x: Xlate): void {
  const s = x.slots;
  if (!((s.get('vlan_tci') ?? 0n) & VLAN_CFI)) return; // untagged: nothing to pop
  s.set('vlan_tci', s.get(VLAN_TCI1) ?? 0n);
  s.set(VLAN_TPID, s.get(VLAN_TPID1));
  s.set(VLAN_TCI1, 0n);
  s.delete(VLAN_TPID1);
  x.wc.set('vlan_tci', 0xffffn);
}

/** mod_vlan_vid / mod_vlan_pcp: set bits of the outer TCI, pushing a header when untagged. */
export function setVlan(x: Xlate, mask: bigint, bits: bigint, push: boolean): void {
  const tci = x.slots.get('vlan_tci') ?? 0n;
  if (!(tci & VLAN_CFI)) {
    if (!push) return;
    pushVlan(x, 0x8100);
  }
  const cur = x.slots.get('vlan_tci')!;
  x.slots.set('vlan_tci', (cur & ~mask) | bits | VLAN_CFI);
  x.wc.set('vlan_tci', (x.wc.get('vlan_tci') ?? 0n) | mask | VLAN_CFI);
}

// ---- TTL and controller ---------------------------------------------------------------------
export function decTtl(x: Xlate, ids: number[]): void {
  const type = x.slots.get('dl_type');
  if (type !== ETH_IP && type !== ETH_IPV6) return;
  const ttl = x.slots.get('nw_ttl') ?? 0n;
  x.wc.set('nw_ttl', 0xffn);
  if (ttl > 1n) { x.slots.set('nw_ttl', ttl - 1n); return; }
  x.warn(`${type === ETH_IP ? 'IPv4' : 'IPv6'} decrement TTL exception`);
  for (const id of ids.length ? ids : [0]) {
    controller(x, { reason: 'invalid_ttl', maxLen: 65535, controllerId: id, userdata: [], pause: false, meterId: null });
  }
  x.stopList = true;
}

const REASONS = new Map([['no_match', 0], ['action', 1], ['invalid_ttl', 2], ['action_set', 3], ['group', 4], ['packet_out', 5]]);

export function controller(x: Xlate, req: ControllerRequest): void {
  if (req.pause) {
    // pause freezes the translation for the controller to resume; with no controller
    // listening OVS sends nothing and the rest of the actions never run (recorded).
    x.note('pause: the translation is frozen for the controller to continue it'); // ofproto/trace says nothing
    if (x.run.pipeline.controllerConnected) pushController(x, req);
    freezeForPause(x);
    return;
  }
  pushController(x, req);
}

function pushController(x: Xlate, req: ControllerRequest): void {
  x.commit();
  const cookie = x.flow?.cookie ?? 0n;
  const id = x.run.controllerRecircId(x, req.userdata);
  // No controller is connected to an offline bridge: OVS marks the packet-in dont_send.
  const dontSend = x.run.pipeline.controllerConnected ? 0 : 1;
  x.odp.push(`userspace(pid=0,controller(reason=${REASONS.get(req.reason) ?? 1},dont_send=${dontSend},continuation=${req.pause ? 1 : 0},recirc_id=${id},rule_cookie=${cookie ? '0x' + cookie.toString(16) : '0'},controller_id=${req.controllerId},max_len=${req.maxLen}))`);
  x.run.controllerEvents.push(req);
}

// ---- learn ------------------------------------------------------------------------------------
/** Flows each learn action installed (for its limit=), per pipeline. */
const LEARNED = new WeakMap<Pipeline, WeakMap<object, Set<string>>>();

export function learn(x: Xlate, flow: Flow, limits?: LearnLimits): void {
  if (!x.run.learn) { x.warn('suppressing side effects, so learn action ignored'); return; } // ofproto/trace without -generate
  if (x.run.trace) x.detail(learnedFlowText(flow));
  if (limits?.limit) {
    // limit=N: the action installs at most N distinct flows; result_dst says whether it did.
    const key = learnedKey(x, limits.action);
    const id = `${flow.priority}|${[...flow.match.values].join(';')}|${[...flow.match.masks].join(';')}`;
    if (!key.has(id) && key.size >= limits.limit) {
      if (limits.resultDst) learnResult(x, limits.resultDst, 0n);
      x.detail('Limit exceeded, learn failed');
      return;
    }
    key.add(id);
  }
  x.run.pipeline.classifier.add(flow);
  if (limits?.resultDst) learnResult(x, limits.resultDst, 1n);
}

function learnResult(x: Xlate, dst: SubfieldRef, ok: bigint): void {
  x.writeSub(dst, ok);
  if (x.run.trace) x.detail(subfieldIsNow(dst, x.readField(dst.field)));
}

function learnedKey(x: Xlate, action: object): Set<string> {
  let perPipeline = LEARNED.get(x.run.pipeline);
  if (!perPipeline) { perPipeline = new WeakMap(); LEARNED.set(x.run.pipeline, perPipeline); }
  let s = perPipeline.get(action);
  if (!s) { s = new Set(); perPipeline.set(action, s); }
  return s;
}

// ---- queues, MPLS, decap -------------------------------------------------------------------------
/** set_queue: the userspace datapath maps queue N to skb_priority N. */
export function setQueue(x: Xlate, queue: number): void { x.slots.set('skb_priority', BigInt(queue)); }
/** pop_queue: back to the priority the packet had when the translation started. */
export function popQueue(x: Xlate, report: boolean): void {
  const changed = x.slots.get('skb_priority') !== x.origPriority;
  x.slots.set('skb_priority', x.origPriority);
  // OVS reports a queue pop_queue restores (enqueue restores its own silently).
  if (changed && report && x.run.trace) x.detail(`queue = ${hexish(x.origPriority)}`);
}

const L3_SLOTS = ['nw_src', 'nw_dst', 'ipv6_src', 'ipv6_dst', 'ipv6_label', 'nw_proto', 'nw_tos', 'nw_ttl', 'nw_frag',
  'tp_src', 'tp_dst', 'tcp_flags', 'arp_sha', 'arp_tha', 'nd_target'];

/**
 * push_mpls. On a packet without MPLS: label 0 (2 for IPv6), TC from DSCP, TTL from IP
 * (else 64), BOS. On an MPLS packet the entries move down one and the new outer one is a
 * copy of the old outer one without BOS (OVS keeps three: a fourth fails the translation).
 */
export function pushMpls(x: Xlate, ethertype: number): void {
  const s = x.slots;
  const type = s.get('dl_type') ?? 0n;
  const n = countMplsLabels(s, x.wc);
  if (n) {
    if (n >= LSE.length) throw new XlateFailure('Too many MPLS labels');
    for (let i = 0; i < n; i++) x.wc.set(LSE[i], 0xffffffffn);
    pushLse(s, n, s.get(LSE[0]) & ~0x100n); // a copy of the outer entry, not bottom of stack
    s.set('dl_type', BigInt(ethertype));
    return;
  }
  x.commit();
  const ip = type === ETH_IP || type === ETH_IPV6;
  const label = type === ETH_IPV6 ? 2n : 0n;
  const tc = ip ? (((s.get('nw_tos') ?? 0n) & 0xfcn) >> 2n) & 7n : 0n;
  const ttl = ip && (s.get('nw_ttl') ?? 0n) ? s.get('nw_ttl')! : 64n;
  s.set('mpls_lse0', (label << 12n) | (tc << 9n) | (1n << 8n) | ttl);
  for (const k of L3_SLOTS) s.delete(k);
  s.set('dl_type', BigInt(ethertype));
}

/**
 * pop_mpls, as OVS 3.1 pops: a packet without labels is left as it is; the entries under
 * the outer one move up one (all of them matter to the megaflow then). With all three
 * entries held and the innermost not bottom of stack, what would come up from below is
 * not known: the translation fails and the packet is dropped.
 */
export function popMpls(x: Xlate, ethertype: number): void {
  const s = x.slots;
  const n = countMplsLabels(s, x.wc);
  if (!n) return;
  if (n === LSE.length && !(s.get(LSE[n - 1]) & 0x100n)) throw new XlateFailure('Too many MPLS labels');
  for (let i = 1; i < n; i++) x.wc.set(LSE[i], 0xffffffffn);
  popLse(s, n);
  s.set('dl_type', BigInt(ethertype));
  if (ethertype !== 0x8847 && ethertype !== 0x8848) x.wasMpls = true;
}

/** decap() of Ethernet: the packet becomes packet_type=(1,ethertype), without L2 headers. */
export function decap(x: Xlate): void {
  const s = x.slots;
  if ((s.get('packet_type') ?? 0n) !== 0n) x.unsupported('decap() of a packet that is not Ethernet');
  if ((s.get('vlan_tci') ?? 0n) & VLAN_CFI) x.unsupported('decap() of a VLAN-tagged packet');
  // As OVS: what is pending goes out first (an encap(ethernet) just made is pushed, then
  // popped at the next commit); the pop_eth itself waits for the next commit.
  x.commit();
  x.encapState ??= { pending: null }; // so that the next commit (an output, a ct()) writes the pop_eth
  x.wc.set('dl_type', 0xffffn);
  s.set('packet_type', (1n << 16n) | (s.get('dl_type') ?? 0n));
  for (const k of ['dl_src', 'dl_dst', 'vlan_tci']) s.delete(k);
}

/**
 * The outer label stack entry, or null (after a trace line naming `action`) on a packet
 * without MPLS: the MPLS actions then do nothing (as OVS).
 */
function mplsLse(x: Xlate, action: string): bigint | null {
  const s = x.slots;
  const type = s.get('dl_type') ?? 0n;
  if (type !== 0x8847n && type !== 0x8848n) { x.detail(`${action}: not an MPLS packet, nothing to do`); return null; }
  return s.get('mpls_lse0') ?? 0n;
}

/** set_mpls_label / set_mpls_tc / set_mpls_ttl: `value` into the bits `mask << shift` of the outer entry. */
export function setMplsLse(x: Xlate, action: string, shift: number, mask: number, value: number): void {
  const lse = mplsLse(x, action);
  if (lse === null) return;
  const m = BigInt(mask), sh = BigInt(shift);
  x.slots.set('mpls_lse0', (lse & ~(m << sh)) | ((BigInt(value) & m) << sh));
}

export function decMplsTtl(x: Xlate): void {
  const lse = mplsLse(x, 'dec_mpls_ttl');
  if (lse === null) return;
  const ttl = lse & 0xffn;
  if (ttl <= 1n) {
    x.warn('MPLS decrement TTL exception');
    controller(x, { reason: 'invalid_ttl', maxLen: 65535, controllerId: 0, userdata: [], pause: false, meterId: null });
    x.stopList = true;
    return;
  }
  x.slots.set('mpls_lse0', (lse & ~0xffn) | (ttl - 1n));
}

// ---- check_pkt_larger ------------------------------------------------------------------------------
/**
 * OVS translates the rest of the action list twice, once with the destination bit set
 * (packet longer than `len`) and once clear, into the datapath's check_pkt_len(). Each
 * branch ends as a pass does (its action set runs, a freeze is finished), on one copy of
 * the set shared by both, so the second branch gets it emptied by the first. The list
 * stops there; the lists that resubmitted to it go on after the check_pkt_len(), and the
 * pass's own set runs at its end (recorded: test/oracle/actset-freeze/check-pkt-larger-*).
 */
export function checkPktLen(x: Xlate, len: number, dst: SubfieldRef): void {
  x.commit();
  const rest = x.curList.slice(x.curIndex + 1);
  const slots = x.slots.clone(), base = x.base.clone(), set = x.actionSet, stack = [...x.stack];
  const odp = x.odp, depth = x.depth, dpNat = getDpNat(x), wasMpls = x.wasMpls;
  const copy = copyActionSet(set);
  const branch = (bit: bigint): string => {
    x.slots.copyFrom(slots); x.base.copyFrom(base); setDpNat(x, dpNat); x.wasMpls = wasMpls;
    x.actionSet = copy; x.stack = [...stack]; x.exited = false;
    x.odp = [];
    x.writeSub(dst, bit);
    runBranch(x, rest, depth);
    x.commit();
    return x.odp.join(',');
  };
  const gt = branch(1n), le = branch(0n);
  x.odp = odp;
  x.odp.push(`check_pkt_len(size=${len},gt(${gt}),le(${le}))`);
  x.slots.copyFrom(slots); x.base.copyFrom(base); setDpNat(x, dpNat);
  x.actionSet = set; x.stack = stack; x.depth = depth;
  x.exited = false;
  x.stopList = true;
}

/**
 * check_pkt_larger with a tracker: only the branch the packet takes runs. Taken "greater"
 * with a non-empty set, the branch runs its copy of the set and the pass runs its own set
 * again at its end, as the datapath does with OVS's check_pkt_len() (recorded: a 200-byte
 * packet left port 2 twice, check-pkt-larger-set-big). "Less or equal" gets the copy the
 * first branch emptied: the rest simply runs on, and the pass's set once.
 */
export function checkPktLenTaken(x: Xlate, len: number, dst: SubfieldRef): void {
  const gt = x.pkt.frameLen > len;
  x.writeSub(dst, gt ? 1n : 0n);
  if (!gt || x.actionSetEmpty) return;
  const set = x.actionSet;
  x.actionSet = copyActionSet(set);
  runBranch(x, x.curList.slice(x.curIndex + 1), x.depth);
  x.actionSet = set;
  x.exited = false;
  x.stopList = true;
}

/** A branch's actions to the end as OVS runs them: a goto_table among them is looked up in the branch. */
function runBranch(x: Xlate, rest: readonly Action[], depth: number): void {
  x.executeList(rest, depth);
  const goto = x.pendingGoto;
  x.pendingGoto = null;
  if (goto !== null && !x.exited) x.lookupAndExecute(goto, depth);
  finishPass(x, depth);
}

// ---- meters ------------------------------------------------------------------------------------------
const METER_ORDER = new WeakMap<Pipeline, number[]>();

/**
 * The datapath id OVS gives meter M: ids are handed out from 0 in the order meters are
 * added. Without the meter list (a table traced alone), ctflow assumes they were added in
 * ascending id order, as the meter ids the flows use.
 */
export function dpMeterId(pp: Pipeline, id: number): number {
  let order = pp.meters ?? METER_ORDER.get(pp);
  if (!order) {
    const ids = new Set<number>();
    const walk = (acts: readonly Action[]) => {
      for (const a of acts) {
        const spec = actionByName(a.name);
        const m = spec?.meterId?.(a.args);
        if (m !== undefined) ids.add(m);
        const nested = spec?.nested?.(a.args);
        if (nested) walk(nested);
      }
    };
    for (const e of pp.classifier.entries()) walk(e.flow.actions);
    order = [...ids].sort((a, b) => a - b);
    METER_ORDER.set(pp, order);
  }
  const i = order.indexOf(id);
  return i >= 0 ? i : order.length;
}
