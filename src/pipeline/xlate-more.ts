// The translation's less common actions: clone, VLAN push/pop, dec_ttl, controller,
// ct/ct_clear (with recirculation), groups and learn.
import { actionByName } from '../model/actions/index.js';
import type { Action } from '../model/actions/types.js';
import type { Flow } from '../model/flow.js';
import { CS, CtUnsupportedError, type AlgName, type CtOptions } from '../conntrack/index.js';
import { ETH_IP, ETH_IPV6, VLAN_CFI, VLAN_TCI1, VLAN_TPID, VLAN_TPID1 } from '../packet/packet.js';
import { toCtPacket } from '../packet/ct.js';
import { slotInfo } from '../packet/slots.js';
import { ctNote } from './ct-notes.js';
import { applyNatResult, getDpNat, hasDpNat, natText, sentFrame, setDpNat } from './ct-nat.js';
import { finishFreezing } from './freeze.js';
import { ExecError, type ControllerRequest, type CtRequest, type LearnLimits, type SubfieldRef } from './exec.js';
import type { Xlate } from './xlate.js';
import type { Pipeline } from './pipeline.js';

/** Records the frame an output sends (PacketResult.sent); only runs with a tracker need
 *  it (a trace without one applies no NAT, and the copy is not free per output). */
export function noteSent(x: Xlate): void {
  if (x.run.conntrack) x.run.sent.push(sentFrame(x));
}

const CT_SLOTS = ['ct_state', 'ct_zone', 'ct_mark', 'ct_label', 'ct_nw_src', 'ct_nw_dst', 'ct_ipv6_src',
  'ct_ipv6_dst', 'ct_nw_proto', 'ct_tp_src', 'ct_tp_dst'].map(slotInfo);

const CT_WORDS = CT_SLOTS.flatMap((i) => Array.from({ length: i.words }, (_, k) => i.word + k)).sort((a, b) => a - b);
// They are neighbours in the word layout: one loop clears them (Array#fill was slower).
const CT_FROM = CT_WORDS[0], CT_TO = CT_WORDS[CT_WORDS.length - 1] + 1;
if (CT_TO - CT_FROM !== CT_WORDS.length) throw new Error('internal: the conntrack slots are not adjacent');
const MARK = slotInfo('ct_mark'), LABEL = slotInfo('ct_label');
// ct_mark and ct_label are neighbours in the word layout: one range of wc words to save.
const CT_ML_FROM = Math.min(MARK.word, LABEL.word), CT_ML_TO = Math.max(MARK.word + MARK.words, LABEL.word + LABEL.words);
if (CT_ML_TO - CT_ML_FROM !== MARK.words + LABEL.words) throw new Error('internal: ct_mark and ct_label are not adjacent slots');
const DL_TYPE = slotInfo('dl_type').word;
const CT_STATE_W = slotInfo('ct_state').word, CT_ZONE_W = slotInfo('ct_zone').word;
const ETH_IPV6_N = Number(ETH_IPV6);

/** ct() and ct_clear leave the packet untracked: every conntrack slot reads 0. */
function clearCtSlots(x: Xlate): void {
  const w = x.slots.w;
  for (let k = CT_FROM; k < CT_TO; k++) w[k] = 0;
}

/** Runs `actions` on a copy of the packet; the original continues unchanged afterwards. */
export function clone(x: Xlate, actions: Action[]): void {
  const slots = x.slots.clone(), base = x.base.clone();
  const odp = x.odp, set = new Map(x.actionSet), stack = [...x.stack];
  const tail = x.tail, depth = x.depth, dpNat = getDpNat(x);
  x.odp = [];
  x.actionSet.clear();
  // The nesting depth goes on inside a clone, as in OVS: OVN's hop from one logical
  // datapath to the next, a clone(…resubmit(,8)), deepens it by one, its pipeline's
  // resubmits to later tables do not (xlate.ts enter()).
  x.executeList(actions, depth + 1);
  finishFreezing(x); // a freeze inside a clone resumes the clone's actions only
  const inner = x.odp;
  x.odp = odp;
  // OVS inlines a clone whose datapath actions can be undone by later set()s; ct and
  // recirculation cannot be undone, so they stay inside a datapath clone(). A dp_hash
  // group's hash(),recirc() does not count: OVS counts the group action undoable.
  const wrap = !tail && inner.some((a, i) => /^(ct\b|ct_clear)/.test(a) || (a.startsWith('recirc(') && !inner[i - 1]?.startsWith('hash(')));
  if (wrap) { x.odp.push(`clone(${inner.join(',')})`); x.base.copyFrom(base); } else x.odp.push(...inner);
  x.slots.copyFrom(slots);
  x.actionSet = set;
  x.stack = stack;
  x.depth = depth;
  setDpNat(x, dpNat); // a ct(nat) inside the clone translated only the clone's packet
}

/** An absent TPID (0) is the default 0x8100. */
const tpidOf = (v: bigint): bigint => v || 0x8100n;

// ---- VLAN ------------------------------------------------------------------------------------
export function pushVlan(x: Xlate, tpid: number): void {
  const s = x.slots;
  const outer = s.get('vlan_tci') ?? 0n;
  // The new outer header starts with VID 0, PCP 0 (what OVS 3.1 does; recorded).
  s.set(VLAN_TCI1, outer);
  s.set(VLAN_TPID1, tpidOf(s.get(VLAN_TPID)));
  s.set('vlan_tci', VLAN_CFI);
  s.set(VLAN_TPID, BigInt(tpid));
}

export function popVlan(x: Xlate): void {
  const s = x.slots;
  if (!((s.get('vlan_tci') ?? 0n) & VLAN_CFI)) return; // untagged: nothing to pop
  s.set('vlan_tci', s.get(VLAN_TCI1) ?? 0n);
  s.set(VLAN_TPID, tpidOf(s.get(VLAN_TPID1)));
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
    x.detail('pause: the translation is frozen for the controller to continue it');
    if (x.run.pipeline.controllerConnected) pushController(x, req);
    x.freeze();
    return;
  }
  pushController(x, req);
}

function pushController(x: Xlate, req: ControllerRequest): void {
  x.commit();
  const cookie = x.flow?.cookie ?? 0n;
  const id = x.run.controllerRecircId();
  // No controller is connected to an offline bridge: OVS marks the packet-in dont_send.
  const dontSend = x.run.pipeline.controllerConnected ? 0 : 1;
  x.odp.push(`userspace(pid=0,controller(reason=${REASONS.get(req.reason) ?? 1},dont_send=${dontSend},continuation=${req.pause ? 1 : 0},recirc_id=${id},rule_cookie=${cookie ? '0x' + cookie.toString(16) : '0'},controller_id=${req.controllerId},max_len=${req.maxLen}))`);
  x.run.controllerEvents.push(req);
}

// ---- conntrack -----------------------------------------------------------------------------
// OVS prints mark and label with %#x: a zero value is `0`, not `0x0` (recorded: mark=0/0x1).
// Module functions, not closures per ct(): those were most of the bytes a packet allocated.
const hexN = (v: number): string => (v ? '0x' + v.toString(16) : '0');
const hexB = (v: bigint): string => (v ? '0x' + v.toString(16) : '0');
const withPart = (s: string, part: string): string => (s ? s + ',' + part : part);

/** `ct(commit,zone=…,mark=…,label=…,helper=…,nat(…))` for this packet. */
function ctOdp(x: Xlate, req: CtRequest, zone: number, markMask: bigint, labelMask: bigint, v6: boolean): string {
  const f = req.odp;
  if (labelMask) return ctOdp__(x, req, zone, markMask, labelMask, v6);
  const key = zone * 2 + (v6 ? 1 : 0), mask = Number(markMask), mark = (x.slots.w[MARK.word] & mask) >>> 0;
  if (f.lastKey !== key || f.lastMask !== mask || f.lastMark !== mark) {
    f.last = ctOdp__(x, req, zone, markMask, 0n, v6);
    f.lastKey = key; f.lastMask = mask; f.lastMark = mark;
  }
  return f.last;
}
function ctOdp__(x: Xlate, req: CtRequest, zone: number, markMask: bigint, labelMask: bigint, v6: boolean): string {
  const f = req.odp;
  let tail = v6 ? f.tail6 : f.tail4;
  if (tail === null) {
    tail = [req.alg ? `helper=${req.alg}` : '', req.nat ? natText(req.nat, v6) : ''].filter(Boolean).join(',');
    if (v6) f.tail6 = tail; else f.tail4 = tail;
  }
  let s = f.head;
  if (zone) s = withPart(s, 'zone=' + zone);
  // The datapath action carries the written bits only: value & mask (recorded: a ct_mark of
  // 0x2 with bit 0 cleared by exec() prints mark=0/0x1).
  if (markMask) s = withPart(s, 'mark=' + hexN((x.slots.w[MARK.word] & Number(markMask)) >>> 0) + '/' + hexN(Number(markMask))); // 32 bits: no bigint
  if (labelMask) s = withPart(s, 'label=' + hexB(x.slots.get('ct_label') & labelMask) + '/' + hexB(labelMask));
  if (tail) s = withPart(s, tail);
  return s ? 'ct(' + s + ')' : 'ct';
}

export function conntrack(x: Xlate, req: CtRequest): void {
  x.commit();
  const zr = req.zoneRef;
  const zone = typeof req.zone === 'number' ? req.zone
    : zr !== null ? ((x.slots.w[zr.word] >>> zr.shift) & zr.mask) >>> 0 : Number(x.read(req.zone));
  // exec(): set_field/load of ct_mark / ct_label; the written bits become mark=/label=.
  // Word by word: the saved mask words are put back after exec(), and bigints are made
  // only when exec() wrote ct_mark or ct_label (most ct() have no exec()).
  let markMask = 0n, labelMask = 0n;
  if (req.exec.length) {
    const wc = x.wc.w;
    const saved: number[] = [];
    for (let k = CT_ML_FROM; k < CT_ML_TO; k++) { saved.push(wc[k] | 0); wc[k] = 0; }
    x.executeList(req.exec, x.depth + 1);
    // From the words: the 128-bit label's bigint is made only when exec() wrote it.
    markMask = BigInt(wc[MARK.word] >>> 0);
    for (let k = LABEL.word; k < LABEL.word + LABEL.words; k++) if (wc[k]) { labelMask = x.wc.get('ct_label'); break; }
    for (let k = CT_ML_FROM; k < CT_ML_TO; k++) wc[k] = saved[k - CT_ML_FROM];
  }
  const v6 = x.slots.w[DL_TYPE] === ETH_IPV6_N;
  x.odp.push(ctOdp(x, req, zone, markMask, labelMask, v6));

  const run = x.run;
  // The datapath runs ct() (and recirculates) on its own packet, which an earlier
  // table-less ct(nat) may have translated behind the translation's back.
  // The datapath's copy of the packet is for the tracker and the recirculation: a trace's
  // ct() without table= uses neither, and the translation's packet stands in (unused).
  const next = (run.conntrack && x.isIp) || req.table !== null ? (hasDpNat(x) ? sentFrame(x) : x.snapshot()) : x.pkt;
  const ns = next.slots;
  if (run.conntrack && x.isIp) {
    const opts: CtOptions = { zone, commit: req.commit, force: req.force };
    // nat(src)/nat(dst) without an address translates nothing; real OVS then sets no
    // snat/dnat bit (recorded OVN conversations), so the tracker gets a bare nat.
    if (req.nat) opts.nat = req.nat.kind && req.nat.addrMin === undefined ? {} : req.nat;
    if (req.commit && markMask) opts.setMark = { value: Number(ns.get('ct_mark') ?? 0n), mask: Number(markMask) };
    if (req.commit && labelMask) opts.setLabel = { value: ns.get('ct_label') ?? 0n, mask: labelMask };
    // alg=ftp|tftp (the only names ct() parses): the tracker's helper (src/conntrack/alg*.ts).
    if (req.alg) opts.helper = req.alg as AlgName;
    const ctPkt = toCtPacket(next);
    let r;
    try { r = run.conntrack.execute(ctPkt, opts, run.nowMs, run.ctCache); } catch (e) {
      // ALG uses the tracker does not emulate (with NAT, FTP over IPv6) stop the run, named.
      if (e instanceof CtUnsupportedError) throw new ExecError(e.message);
      throw e;
    }
    if (run.trace) x.note(ctNote(run.conntrack, zone, ctPkt, r.ctState, req.commit, run.packetNo));
    run.ctEvents.push(...r.events);
    run.ctStates.push(r.ctState);
    run.ctCalls.push({ zone, commit: req.commit });
    ns.set('ct_state', BigInt(r.ctState)); ns.set('ct_zone', BigInt(r.ctZone));
    ns.set('ct_mark', BigInt(r.ctMark)); ns.set('ct_label', r.ctLabel);
    ns.set('ct_nw_proto', BigInt(r.ct_nw_proto)); ns.set('ct_tp_src', BigInt(r.ct_tp_src)); ns.set('ct_tp_dst', BigInt(r.ct_tp_dst));
    for (const k of ['ct_nw_src', 'ct_nw_dst', 'ct_ipv6_src', 'ct_ipv6_dst'] as const) ns.set(k, r[k] ?? 0n);
    if (r.natted) applyNatResult(x, next, r.natted, v6, req.table !== null);
    if (req.table !== null) run.queueRecirc(x, req.table, next, 'tracker');
  } else if (req.table !== null) {
    const flags = run.nextCtState();
    const nw = ns.w;
    nw[CT_STATE_W] = flags.state | 0; nw[CT_ZONE_W] = zone & 0xffff;
    if (!req.commit) for (let k = CT_ML_FROM; k < CT_ML_TO; k++) nw[k] = 0;
    const n = req.nat;
    if (n?.kind && n.addrMin !== undefined) {
      // ofproto/trace shows the recirculated packet translated to the range's first address.
      const dst = n.kind === 'dst';
      ns.set(v6 ? (dst ? 'ipv6_dst' : 'ipv6_src') : (dst ? 'nw_dst' : 'nw_src'), n.addrMin);
      if (n.portMin !== undefined) ns.set(dst ? 'tp_dst' : 'tp_src', BigInt(n.portMin));
    }
    run.ctStates.push(flags.state);
    run.ctCalls.push({ zone, commit: req.commit });
    run.queueRecirc(x, req.table, next, flags.source);
  }
  if (req.table !== null && run.trace) {
    x.detail(`A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table ${req.table}.`);
  }
  clearCtSlots(x);
  x.detail('Sets the packet to an untracked state, and clears all the conntrack fields.');
}

export function ctClear(x: Xlate): void {
  if ((x.slots.get('ct_state') ?? 0n) & BigInt(CS.trk)) x.odp.push('ct_clear');
  clearCtSlots(x);
  x.run.clearCtCache();
}

/** resubmit(,T,ct): swaps the packet's tuple with the connection's original tuple. */
export function ctTupleUsable(x: Xlate): boolean {
  const s = x.slots;
  return x.isIp && ((s.get('ct_state') ?? 0n) & BigInt(CS.trk)) !== 0n && (s.get('ct_nw_proto') ?? 0n) !== 0n;
}

export function swapCtTuple(x: Xlate): void {
  const s = x.slots;
  const v6 = s.get('dl_type') === ETH_IPV6;
  const pairs: Array<[string, string]> = [
    [v6 ? 'ipv6_src' : 'nw_src', v6 ? 'ct_ipv6_src' : 'ct_nw_src'], [v6 ? 'ipv6_dst' : 'nw_dst', v6 ? 'ct_ipv6_dst' : 'ct_nw_dst'],
    ['nw_proto', 'ct_nw_proto'], ['tp_src', 'ct_tp_src'], ['tp_dst', 'ct_tp_dst'],
  ];
  for (const [a, b] of pairs) { const t = s.get(a) ?? 0n; s.set(a, s.get(b) ?? 0n); s.set(b, t); }
}

// ---- learn ------------------------------------------------------------------------------------
/** Flows each learn action installed (for its limit=), per pipeline. */
const LEARNED = new WeakMap<Pipeline, WeakMap<object, Set<string>>>();

export function learn(x: Xlate, flow: Flow, limits?: LearnLimits): void {
  if (!x.run.learn) { x.detail('learn: not installed (trace without -generate)'); return; }
  if (limits?.limit) {
    // limit=N: the action installs at most N distinct flows; result_dst says whether it did.
    const key = learnedKey(x, limits.action);
    const id = `${flow.priority}|${[...flow.match.values].join(';')}|${[...flow.match.masks].join(';')}`;
    if (!key.has(id) && key.size >= limits.limit) {
      x.detail(`learn: limit ${limits.limit} reached, no flow installed`);
      if (limits.resultDst) x.writeSub(limits.resultDst, 0n);
      return;
    }
    key.add(id);
  }
  x.run.pipeline.classifier.add(flow);
  x.detail(`table=${flow.table} gains a learned flow`);
  if (limits?.resultDst) x.writeSub(limits.resultDst, 1n);
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
export function popQueue(x: Xlate): void { x.slots.set('skb_priority', x.origPriority); }

const L3_SLOTS = ['nw_src', 'nw_dst', 'ipv6_src', 'ipv6_dst', 'ipv6_label', 'nw_proto', 'nw_tos', 'nw_ttl', 'nw_frag',
  'tp_src', 'tp_dst', 'tcp_flags', 'arp_sha', 'arp_tha', 'nd_target'];

/** push_mpls on a packet without MPLS: label 0 (2 for IPv6), TC from DSCP, TTL from IP (else 64), BOS. */
export function pushMpls(x: Xlate, ethertype: number): void {
  const s = x.slots;
  const type = s.get('dl_type') ?? 0n;
  if (type === 0x8847n || type === 0x8848n) x.unsupported('push_mpls on a packet that already has an MPLS label');
  x.commit();
  const ip = type === ETH_IP || type === ETH_IPV6;
  const label = type === ETH_IPV6 ? 2n : 0n;
  const tc = ip ? (((s.get('nw_tos') ?? 0n) & 0xfcn) >> 2n) & 7n : 0n;
  const ttl = ip && (s.get('nw_ttl') ?? 0n) ? s.get('nw_ttl')! : 64n;
  s.set('mpls_lse0', (label << 12n) | (tc << 9n) | (1n << 8n) | ttl);
  for (const k of L3_SLOTS) s.delete(k);
  s.set('dl_type', BigInt(ethertype));
}

/** decap() of Ethernet: the packet becomes packet_type=(1,ethertype), without L2 headers. */
export function decap(x: Xlate): void {
  const s = x.slots;
  if ((s.get('packet_type') ?? 0n) !== 0n) x.unsupported('decap() of a packet that is not Ethernet');
  if ((s.get('vlan_tci') ?? 0n) & VLAN_CFI) x.unsupported('decap() of a VLAN-tagged packet');
  s.set('packet_type', (1n << 16n) | (s.get('dl_type') ?? 0n));
  for (const k of ['dl_src', 'dl_dst', 'vlan_tci']) s.delete(k);
}

const MPLS_PART = new Map<string, { shift: bigint; mask: bigint }>([
  ['set_mpls_label', { shift: 12n, mask: 0xfffffn }], ['set_mpls_tc', { shift: 9n, mask: 7n }], ['set_mpls_ttl', { shift: 0n, mask: 0xffn }],
]);

/** The MPLS actions change the outer label stack entry; on a packet without MPLS they do nothing (as OVS). */
export function setMpls(x: Xlate, action: string, value: number): void {
  const s = x.slots;
  const type = s.get('dl_type') ?? 0n;
  if (type !== 0x8847n && type !== 0x8848n) { x.detail(`${action}: not an MPLS packet, nothing to do`); return; }
  const lse = s.get('mpls_lse0') ?? 0n;
  if (action === 'dec_mpls_ttl') {
    const ttl = lse & 0xffn;
    if (ttl <= 1n) {
      x.warn('MPLS decrement TTL exception');
      controller(x, { reason: 'invalid_ttl', maxLen: 65535, controllerId: 0, userdata: [], pause: false, meterId: null });
      x.stopList = true;
      return;
    }
    s.set('mpls_lse0', (lse & ~0xffn) | (ttl - 1n));
    return;
  }
  const p = MPLS_PART.get(action)!;
  s.set('mpls_lse0', (lse & ~(p.mask << p.shift)) | ((BigInt(value) & p.mask) << p.shift));
}

// ---- check_pkt_larger ------------------------------------------------------------------------------
/**
 * OVS translates the rest of the action list twice, once with the destination bit set
 * (packet longer than `len`) and once clear, into the datapath's check_pkt_len(); the
 * translation ends there (what follows the list in outer flows is not run).
 */
export function checkPktLen(x: Xlate, len: number, dst: SubfieldRef): void {
  x.commit();
  const rest = x.curList.slice(x.curIndex + 1);
  const slots = x.slots.clone(), base = x.base.clone(), set = new Map(x.actionSet), stack = [...x.stack];
  const odp = x.odp, depth = x.depth, dpNat = getDpNat(x);
  const branch = (bit: bigint): string => {
    x.slots.copyFrom(slots); x.base.copyFrom(base); setDpNat(x, dpNat);
    x.actionSet = new Map(set); x.stack = [...stack]; x.exited = false;
    x.odp = [];
    x.writeSub(dst, bit);
    x.executeList(rest, depth);
    x.commit();
    return x.odp.join(',');
  };
  const gt = branch(1n), le = branch(0n);
  x.odp = odp;
  x.odp.push(`check_pkt_len(size=${len},gt(${gt}),le(${le}))`);
  x.slots.copyFrom(slots); x.base.copyFrom(base); setDpNat(x, dpNat);
  x.actionSet = set; x.stack = stack; x.depth = depth;
  x.exit();
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
