// The translation's ct() and ct_clear (datapath action, tracker, recirculation), with their own conntrack-slot state.
import { CS, CtUnsupportedError, type AlgName, type CtDropCause, type CtOptions } from '../conntrack/index.js';
import { ETH_IPV6, type Packet } from '../packet/packet.js';
import { toCtPacket } from '../packet/ct.js';
import { slotInfo } from '../packet/slots.js';
import { checkFrozenSetFits } from './action-set.js';
import { ctNote } from './ct-notes.js';
import { applyNatResult, hasDpNat, natText, sentFrame } from './ct-nat.js';
import { ExecError, type CtRequest } from './exec.js';
import { natSimFlow } from '../trace/nat-sim.js';
import type { Xlate } from './xlate.js';

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
  const nested = req.nested, trace = x.run.trace;
  // ofproto/trace prints ct()'s nested list as actions beside it: `drop` when empty, a nat
  // (written before or after exec()) as its own line, exec()'s actions as they run.
  if (trace && (!nested.length || nested[0] !== req.exec[0])) x.ev({ kind: 'action', depth: x.depth, text: nested.length ? x.actionText(nested[0]) : 'drop' });
  if (req.exec.length) {
    const wc = x.wc.w;
    const saved: number[] = [];
    for (let k = CT_ML_FROM; k < CT_ML_TO; k++) { saved.push(wc[k] | 0); wc[k] = 0; }
    x.executeList(req.exec, x.depth);
    // From the words: the 128-bit label's bigint is made only when exec() wrote it.
    markMask = BigInt(wc[MARK.word] >>> 0);
    for (let k = LABEL.word; k < LABEL.word + LABEL.words; k++) if (wc[k]) { labelMask = x.wc.get('ct_label'); break; }
    for (let k = CT_ML_FROM; k < CT_ML_TO; k++) wc[k] = saved[k - CT_ML_FROM];
  }
  const last = nested[nested.length - 1];
  if (trace && nested.length > 1 && last !== req.exec[req.exec.length - 1]) x.ev({ kind: 'action', depth: x.depth, text: x.actionText(last) });
  const v6 = x.slots.w[DL_TYPE] === ETH_IPV6_N;
  const odp = ctOdp(x, req, zone, markMask, labelMask, v6);
  x.odp.push(odp);
  // ct(table=N) freezes no action: OVS 3.1 aborts here when the action set holds any.
  if (req.table !== null && !x.actionSetEmpty) checkFrozenSetFits(x, `ct(table=${req.table})`, 0);

  const run = x.run;
  // The datapath runs ct() (and recirculates) on its own packet, which an earlier
  // table-less ct(nat) may have translated behind the translation's back.
  // The datapath's copy of the packet is for the tracker and the recirculation: a trace's
  // ct() without table= uses neither, and the translation's packet stands in (unused).
  const next = (run.conntrack && x.isIp) || req.table !== null ? (hasDpNat(x) ? sentFrame(x) : x.snapshot()) : x.pkt;
  const ns = next.slots;
  if (run.conntrack && x.isIp && x.dpDrop) {
    // The datapath freed the packet at an earlier ct(): this one is translated, never run.
    if (run.trace) x.note('not executed: the kernel datapath dropped the packet at an earlier ct() of this pass');
    if (req.table !== null) run.queueRecirc(x, req.table, next, 'tracker'); // the datapath action only
  } else if (run.conntrack && x.isIp) {
    const opts: CtOptions = { zone, commit: req.commit, force: req.force };
    // The tracker gets the nat as written: a bare `nat` and `nat(src)` / `nat(dst)` without
    // an address are different requests (src/conntrack/nat.ts, test/oracle/nat-null).
    if (req.nat) opts.nat = req.nat;
    if (req.commit && markMask) opts.setMark = { value: Number(ns.get('ct_mark') ?? 0n), mask: Number(markMask) };
    if (req.commit && labelMask) opts.setLabel = { value: ns.get('ct_label') ?? 0n, mask: labelMask };
    // alg=ftp|tftp (the only names ct() parses): the tracker's helper (src/conntrack/alg*.ts).
    if (req.alg) opts.helper = req.alg as AlgName;
    const ctPkt = toCtPacket(next);
    let r;
    try { r = run.conntrack.execute(ctPkt, opts, run.nowMs, run.ctCache); } catch (e) {
      // What the tracker does not emulate (NAT on some connections an FTP/TFTP expectation
      // made, SCTP without its chunks in the kernel profile) stops the run, named.
      if (e instanceof CtUnsupportedError) throw new ExecError(e.message);
      throw e;
    }
    run.ctEvents.push(...r.events);
    run.ctStates.push(r.ctState);
    run.ctCalls.push({ zone, commit: req.commit, failed: r.dpDrop !== undefined });
    if (r.dpDrop) return dropAtCt(x, req, r.dpDrop, zone, odp, next);
    if (run.trace) x.note(r.natExhausted ? natExhaustedNote(zone, !req.nat?.kind) : ctNote(run.conntrack, zone, ctPkt, r.ctState, req.commit, run.packetNo));
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
    // The recirculation's header shows this stand-in translation (src/trace/nat-sim.ts).
    const af = n?.addrMin === undefined ? null : v6 ? 6 : 4;
    const before = n && run.trace ? natSimFlow((f) => ns.get(f), af) : null;
    if (n?.kind && n.addrMin !== undefined) {
      // ofproto/trace shows the recirculated packet translated to the range's first address.
      const dst = n.kind === 'dst';
      ns.set(v6 ? (dst ? 'ipv6_dst' : 'ipv6_src') : (dst ? 'nw_dst' : 'nw_src'), n.addrMin);
      if (n.portMin !== undefined) ns.set(dst ? 'tp_dst' : 'tp_src', BigInt(n.portMin));
    }
    run.ctStates.push(flags.state);
    run.ctCalls.push({ zone, commit: req.commit, failed: false });
    run.queueRecirc(x, req.table, next, flags.source, before === null ? undefined : [before, natSimFlow((f) => ns.get(f), af)]);
  }
  endCt(x, req);
}

/** What ofproto/trace says after every ct(): the fork of a recirculation, the cleared ct fields. */
function endCt(x: Xlate, req: CtRequest): void {
  if (req.table !== null && x.run.trace) {
    x.detail(`A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table ${req.table}.`);
  }
  clearCtSlots(x);
  x.detail('Sets the packet to an untracked state, and clears all the conntrack fields.');
}

/** Where the kernel datapath dropped a pass's packet: how much of the run had happened by then. */
export interface DpDrop { outputs: number; sent: number; packetIns: number }

/** The cause in words (trace note, run output). */
const DROP_CAUSES = new Map<CtDropCause, (zone: number, req: CtRequest) => string>([
  ['nat-no-tuple', (zone) => `no free reply tuple for the NAT binding in zone ${zone}`],
  ['reply-clash', (zone, req) => `another connection in zone ${zone} holds this one's reply tuple, so the commit fails`
    + (req.nat && !req.nat.kind ? ' (a bare nat moves no port)' : '')],
  ['helper', () => 'the connection\'s FTP/TFTP helper refused the packet'],
]);

/**
 * The ct() failed in OVS's kernel datapath (net/openvswitch: ovs_ct_execute returns an
 * error and frees the packet, do_execute_actions returns at once; inside a clone the error
 * ends the enclosing lists too). OVS's translation knows nothing of it: the datapath
 * actions stay as translated, but the outputs, packet-ins and recirculations after this
 * point never happen (Xlate.dpDrop, run.ts).
 */
function dropAtCt(x: Xlate, req: CtRequest, cause: CtDropCause, zone: number, odp: string, next: Packet): void {
  const run = x.run;
  const why = DROP_CAUSES.get(cause)!(zone, req);
  x.dpDrop = { outputs: x.outputs.length, sent: run.sent.length, packetIns: run.controllerEvents.length };
  run.dpDrop ??= `the kernel datapath drops it at ${odp}: ${why}`;
  if (run.trace) {
    x.note(`the kernel datapath drops the packet at this ct(): ${why}. Nothing after it runs`
      + (req.table !== null ? `, nor the recirculation to table ${req.table}` : '') + ': what follows is translated, as OVS installs it, but never executed');
  }
  if (req.table !== null) run.queueRecirc(x, req.table, next, 'tracker'); // the datapath action only
  endCt(x, req);
}

/** At the end of a pass whose packet the kernel datapath dropped: what came after the drop is undone. */
export function undoAfterDrop(x: Xlate, d: DpDrop): void {
  x.outputs.length = Math.min(x.outputs.length, d.outputs);
  x.run.sent.length = Math.min(x.run.sent.length, d.sent);
  x.run.controllerEvents.length = Math.min(x.run.controllerEvents.length, d.packetIns);
}

/** Nothing committed and nothing in ct_state says so: OVS only logs a warning. */
const natExhaustedNote = (zone: number, bare: boolean): string =>
  `ct_state=new|trk: no free reply tuple for the NAT binding in zone ${zone}, so nothing is committed `
  + '(OVS logs "Unable to NAT due to tuple space exhaustion")'
  + (bare ? '; a bare nat has one candidate, src=0.0.0.0 with dport=0, and a connection of this client to this server port holds it' : '');

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
