// The translation of one pass of a packet through the tables (OVS's xlate): lookups,
// actions, the action set, resubmits, datapath actions and the trace. Recirculations
// (ct(table=…)) are queued on the packet's run and translated as passes of their own.
import { actionByName } from '../model/actions/index.js';
import type { Action, ActionSpec } from '../model/actions/types.js';
import { ones } from '../model/bits.js';
import type { FieldSpec } from '../model/fields.js';
import { formatActions, formatCtx } from '../model/print-flow.js';
import { printOpts } from '../trace/of-version.js';
import { subfieldIsNow } from '../trace/subfield.js';
import { formatMatch } from '../model/print-match.js';
import type { Flow } from '../model/flow.js';
import { clonePacket, isIp, type Packet } from '../packet/packet.js';
import { orSegs } from '../packet/field-io.js';
import { SlotStore, wordOf } from '../packet/slots.js';
import type { MatchedFlow, TraceEvent } from '../trace/events.js';
import { ExecError, type LearnLimits, type ControllerRequest, type CtRequest, type ExecCtx, type SubfieldRef } from './exec.js';
import { actionSetText, packetInFromSet, writeToActionSet } from './action-set.js';
import { commitOdp, nothingToCommit } from './odp.js';
import { finishPass, freezeForMpls, unrollFrozen } from './freeze.js';
import { waitsForParsedPacket } from '../model/actions/mpls.js';
import { applySet, type SetArgs } from './writes.js';
import { NEVER, prepare, type PreparedList } from './prepared.js';
import { packetHasAll } from './prereq.js';
import {
  dpPort, OFPP_ALL, OFPP_CONTROLLER, OFPP_FLOOD, OFPP_IN_PORT, OFPP_LOCAL, OFPP_MAX, OFPP_NONE, OFPP_NORMAL,
  OFPP_TABLE, portExists, type Pipeline,
} from './pipeline.js';
import type { PacketRun } from './run-types.js';
import { EMPTY, fresh } from './alloc.js';
import * as more from './xlate-more.js';
import * as ct from './xlate-ct.js';
import * as fields from './xlate-fields.js';
import * as resub from './xlate-resubmit.js';
import * as lb from './xlate-group.js';
import { commitEncap, encap as encapPacket, type EncapState } from './encap.js';
import { normal } from './normal.js';
import { flood } from './flood.js';
import type { BundleArgs } from '../model/actions/bundle.js';
import type { MultipathArgs } from '../model/actions/multipath.js';
import type { EncapArgs } from '../model/actions/encap.js';

/** The trace text of flows and actions, printed once per pipeline (a packet meets the same ones again and again). */
interface Texts { flows: WeakMap<Flow, MatchedFlow>; actions: WeakMap<Action, string> }
const TEXTS = new WeakMap<Pipeline, Texts>();
function textsOf(pp: Pipeline): Texts {
  let t = TEXTS.get(pp);
  if (!t) { t = { flows: new WeakMap(), actions: new WeakMap() }; TEXTS.set(pp, t); }
  return t;
}

const IN_PORT = wordOf('in_port');
const SKB_PRIORITY = wordOf('skb_priority');
const PACKET_TYPE = wordOf('packet_type');

const NO_ACTIONS: readonly Action[] = EMPTY;

/** The megaflow mask as a commit reads it: `wc` plus the masks of the flows matched. */
class WcView {
  constructor(private readonly x: Xlate) {}
  get(slot: string): bigint {
    let v = this.x.wc.get(slot);
    for (const f of this.x.wcFlows) { const b = f.match.masks.get(slot); if (b) v |= b; }
    return v;
  }
}

/** Stops the whole translation (OVS's xlate errors); the datapath actions become `drop`. */
export class XlateFailure extends Error {}

export class Xlate implements ExecCtx {
  readonly pkt: Packet;
  /**
   * The packet as the datapath has it (last commit). It may start as a store the pass
   * shares (its starting packet, never written): copied on first access, which a commit
   * that writes nothing does not make (a per-pass copy was ~1.5% of a packet).
   */
  private base_: SlotStore;
  private baseShared: boolean;
  get base(): SlotStore {
    if (this.baseShared) { this.base_ = this.base_.clone(); this.baseShared = false; }
    return this.base_;
  }
  readonly wc: SlotStore = new SlotStore(); // bits the actions read or wrote
  /** The masks of the flows matched: with `wc`, the megaflow mask, merged only for the slots a commit asks about. */
  readonly wcFlows: Flow[] = fresh(); // the flows, not their masks: one pointer fewer to follow per lookup
  /** What a commit reads of the megaflow mask; made on the first commit. */
  private wcView_: WcView | null = null;
  odp: string[] = fresh();
  outputs: number[] = fresh();
  events: TraceEvent[] = fresh();
  /** The action set (write_actions), made on first use: most translations never write one. */
  private actionSet_: Map<string, Action> | null = null;
  get actionSet(): Map<string, Action> { return (this.actionSet_ ??= new Map()); }
  set actionSet(set: Map<string, Action>) { this.actionSet_ = set; }
  /** Whether the action set is empty, without making one. */
  get actionSetEmpty(): boolean { return this.actionSet_ === null || this.actionSet_.size === 0; }
  stack: Array<{ value: bigint; bits: number }> = fresh();
  depth = 0;          // trace tree level of the current action (src/trace/events.ts)
  recursion = 0;      // resubmit nesting
  resubmits = 0;
  table = 0;          // the table whose flow is executing
  flow: Flow | null = null;
  exited = false;
  stopList = false;   // dec_ttl exception: stop the current action list
  /** goto_table's table, looked up when the flow's instructions are done. */
  pendingGoto: number | null = null;
  failure: string | null = null;
  /** pop_mpls took the last label and the datapath has not parsed the packet since (OVS's was_mpls). */
  wasMpls = false;
  /** Set by the first encap(): headers pushed but not yet committed (encap.ts). */
  encapState: EncapState | null = null;
  /** Kernel profile: a ct() failed in the datapath, which dropped the packet there (xlate-ct.ts). */
  dpDrop: ct.DpDrop | null = null;

  /** skb_priority when the translation started (pop_queue returns to it). */
  private readonly origPrio: number;
  get origPriority(): bigint { return BigInt(this.origPrio >>> 0); }

  /** `start`: the packet's slots at the start of the pass, if the caller keeps them unchanged (else copied). */
  constructor(readonly run: PacketRun, pkt: Packet, start?: SlotStore) {
    this.pkt = pkt;
    this.origPrio = pkt.slots.w[SKB_PRIORITY];
    this.base_ = start ?? pkt.slots.clone();
    this.baseShared = start !== undefined;
  }

  get slots(): SlotStore { return this.pkt.slots; }
  ev(e: TraceEvent): void { if (this.run.trace) this.events.push(e); }

  /** Translates from `table` (or resumes frozen actions) to the end: the pipeline, then the action set. */
  start(table: number, thaw?: (x: Xlate) => void): void {
    const sentBefore = this.run.sent.length;
    try {
      if (thaw) thaw(this); else this.lookupAndExecute(table, 0);
      // The action set (under the pass's first lookup, as in OVS; beside the thawed actions), or the freeze.
      finishPass(this, thaw ? 0 : 1);
      if (this.dpDrop) ct.undoAfterDrop(this, this.dpDrop);
    } catch (e) {
      if (!(e instanceof XlateFailure)) throw e;
      this.failure = e.message;
      this.odp = fresh();
      this.outputs = fresh();
      this.run.sent.length = sentBefore;
    }
  }

  /** One table lookup and the matched flow's instructions (xlate-resubmit.ts). */
  lookupAndExecute(table: number, depth: number, inPort: number | null = null, ct = false): void {
    resub.lookupAndExecute(this, table, depth, inPort, ct);
  }

  /** A resubmit ending a flow's actions, left for lookupAndExecute's loop: table (-1: none), depth, in_port, ct. */
  tailTable = -1;
  tailDepth = 0;
  tailPort: number | null = null;
  tailCt = false;
  tailDeepens = false;
  /** The list executing is a flow's own actions, run by lookupAndExecute (not a clone's, a bucket's…). */
  flowList = false;

  describe(f: Flow): MatchedFlow {
    const pp = this.run.pipeline;
    const texts = textsOf(pp);
    let d = texts.flows.get(f);
    if (!d) { d = this.describe__(f); texts.flows.set(f, d); }
    return d;
  }

  private describe__(f: Flow): MatchedFlow {
    const pp = this.run.pipeline;
    return {
      table: f.table, priority: f.priority, cookie: '0x' + f.cookie.toString(16),
      match: formatMatch(f.match, 32768, { portNames: pp.portNames }),
      actions: formatActions(f.actions, formatCtx(printOpts(pp))), line: f.line,
    };
  }

  actionText(a: Action): string {
    const pp = this.run.pipeline;
    const texts = textsOf(pp);
    let t = texts.actions.get(a);
    if (t === undefined) {
      t = formatActions([a], formatCtx(printOpts(pp, a)));
      texts.actions.set(a, t);
    }
    return t;
  }

  /** Executes an action list; `depth` is the trace tree level of its actions. */
  executeList(actions: readonly Action[], depth: number, prep = prepare(actions), flowList = false): void {
    const savedStop = this.stopList, savedList = this.curList, savedIndex = this.curIndex, savedPrep = this.curPrep;
    const savedFlowList = this.flowList;
    this.flowList = flowList;
    const { execs, args, specs, plain, needs, runs, runNeeds, ends, jumps } = prep, n = execs.length, trace = this.run.trace;
    this.stopList = false;
    this.curList = actions;
    this.curPrep = prep;
    for (let i = 0; i < n; i++) {
      if (this.wasMpls && !this.exited && waitsForParsedPacket(actions[i], specs[i])) freezeForMpls(this);
      if (this.exited || this.stopList) {
        if (this.exited) unrollFrozen(this, actions, i); // a frozen translation resumes with the rest
        break;
      }
      if (!trace && !this.wasMpls) { // after pop_mpls each write is asked on its own
        // A field write neither stops the list nor reads curIndex, depth or tail.
        // A run with prerequisites the packet lacks goes action by action (each write asks its own).
        const r = runs[i], rn = runNeeds[i];
        if (r !== null && (rn === null || (rn !== NEVER && packetHasAll(rn, this.slots)))) { applySet(r, this.slots, this.wc); i = ends[i]; continue; }
      }
      this.curIndex = i;
      this.depth = depth;
      this.tail = i === n - 1;
      if (trace) {
        this.ev({ kind: 'action', depth, text: this.actionText(actions[i]) });
        const w = plain[i];
        if (w !== null && needs[i] === null) { applySet(w, this.slots, this.wc); continue; }
      }
      const j = jumps[i];
      if (j !== null) { this.resubmit(j.inPort, j.table, j.ct); continue; }
      const exec = execs[i];
      if (!exec) this.executeSpec(actions[i], null); // fails, naming the action
      else exec.call(specs[i], args[i], this);
    }
    this.stopList = savedStop;
    this.curList = savedList;
    this.curIndex = savedIndex;
    this.curPrep = savedPrep;
    this.flowList = savedFlowList;
  }

  tail = false;
  /** The action list executing and the index of the current action (check_pkt_larger forks the rest). */
  curList: readonly Action[] = NO_ACTIONS;
  curIndex = 0;
  /** curList prepared (null outside executeList). */
  curPrep: PreparedList | null = null;

  execute(a: Action): void { this.executeSpec(a, actionByName(a.name) ?? null); }

  private executeSpec(a: Action, spec: ActionSpec | null): void {
    if (!spec?.execute) throw new ExecError(`action '${a.name}' cannot be executed yet (no execute in src/model/actions/)`);
    spec.execute(a.args, this);
  }

  // ---- fields: xlate-fields.ts ----------------------------------------------------------------
  readField(f: FieldSpec): bigint { return fields.readField(this, f); }
  read(sf: SubfieldRef): bigint { return fields.read(this, sf); }
  write(f: FieldSpec, value: bigint, mask: bigint): void { fields.write(this, f, value, mask); }
  setField(a: SetArgs): void { fields.setField(this, a); }
  move(a: { src: SubfieldRef; dst: SubfieldRef }): void { fields.move(this, a); }
  writeSub(sf: SubfieldRef, value: bigint): void { fields.writeSub(this, sf, value); }
  writeMetadata(value: bigint, mask: bigint): void { fields.writeMetadata(this, value, mask); }

  // ---- trace helpers -----------------------------------------------------------------------
  detail(text: string): void { this.ev({ kind: 'detail', depth: this.depth, text }); }
  warn(text: string): void { this.ev({ kind: 'warn', depth: this.depth, text }); }
  note(text: string): void { this.ev({ kind: 'note', depth: this.depth, text }); }
  error(text: string): void { this.ev({ kind: 'error', depth: this.depth, text }); }
  unsupported(what: string): never { throw new ExecError(`${what} is not supported by ctflow's interpreter`); }
  exit(): void { this.exited = true; }

  // ---- output ------------------------------------------------------------------------------
  commit(): void {
    if (this.encapState) commitEncap(this, this.encapState, this.odp);
    if (this.baseShared && nothingToCommit(this.slots, this.base_)) return;
    commitOdp(this.slots, this.base, (this.wcView_ ??= new WcView(this)), this.odp);
  }

  private emitOutput(port: number): void {
    if (this.slots.w[PACKET_TYPE] !== 0) {
      this.warn('Trying to send non-Ethernet packet through legacy L2 port. Dropping packet.');
      return;
    }
    this.commit();
    this.odp.push(String(dpPort(this.run.pipeline.ports, port)));
    this.outputs.push(port);
    more.noteSent(this);
  }

  output(port: number, maxLen = 0): void {
    const ports = this.run.pipeline.ports;
    const inPort = this.slots.w[IN_PORT] >>> 0;
    switch (port) {
      case OFPP_IN_PORT:
        if (portExists(ports, inPort)) this.emitOutput(inPort); else this.warn('Nonexistent output port');
        return;
      case OFPP_CONTROLLER:
        return this.controller({ reason: 'action', maxLen, controllerId: 0, userdata: [], pause: false, meterId: null });
      case OFPP_NONE: return;
      case OFPP_NORMAL: return normal(this);
      case OFPP_TABLE: return this.unsupported('output to TABLE');
      case OFPP_FLOOD: case OFPP_ALL: return flood(this);
      default: break;
    }
    if (port >= OFPP_MAX && port !== OFPP_LOCAL) return this.unsupported(`output to reserved port ${port}`);
    if (port === inPort) { this.warn('skipping output to input port'); return; }
    if (!portExists(ports, port)) { this.warn('Nonexistent output port'); return; }
    this.emitOutput(port);
  }

  outputField(sf: SubfieldRef): void {
    const port = this.read(sf);
    this.writeSegsWc(sf);
    this.detail(`output port is ${port}`);
    if (port <= 0xffffn) this.output(Number(port));
  }

  private writeSegsWc(sf: SubfieldRef): void {
    orSegs(this.wc, sf.field.segs, ones(sf.bits) << BigInt(sf.ofs));
  }

  // ---- resubmit / goto: xlate-resubmit.ts ------------------------------------------------------
  /** Runs `body` one resubmit level deeper, enforcing OVS's two limits. */
  recurse(body: () => void): void { resub.recurse(this, body); }
  /** goto_table: looked up once the current flow's instructions are done. */
  gotoTable(table: number): void { this.pendingGoto = table; }
  resubmit(inPort: number | null, table: number | null, ct: boolean): void { resub.resubmit(this, inPort, table, ct); }

  writeActions(actions: Action[]): void { writeToActionSet(this, actions); }
  clearActions(): void {
    if (this.run.trace) this.detail(actionSetText(this, 'was'));
    this.actionSet_?.clear();
    this.slots.delete('actset_output');
  }

  // ---- stack ---------------------------------------------------------------------------------
  stackPush(sf: SubfieldRef): void { this.stack.push({ value: this.read(sf), bits: sf.bits }); }
  stackPop(sf: SubfieldRef): void {
    const top = this.stack.pop();
    if (!top) { this.error('stack underflow'); return; }
    this.writeSub(sf, top.value);
    if (this.run.trace) this.detail(subfieldIsNow(sf, this.readField(sf.field)));
  }

  // ---- the rest lives in xlate-more.ts ---------------------------------------------------------
  clone(actions: Action[]): void { more.clone(this, actions); }
  pushVlan(tpid: number): void { more.pushVlan(this, tpid); }
  popVlan(): void { more.popVlan(this); }
  setVlanVid(vid: number, push: boolean): void { more.setVlan(this, 0xfffn, BigInt(vid), push); }
  setVlanPcp(pcp: number, push: boolean): void { more.setVlan(this, 0xe000n, BigInt(pcp) << 13n, push); }
  decTtl(ids: number[]): void { more.decTtl(this, ids); }
  controller(req: ControllerRequest): void { more.controller(this, packetInFromSet(this, req)); }
  conntrack(req: CtRequest): void { ct.conntrack(this, req); }
  ctClear(): void { ct.ctClear(this); }
  group(id: number): void { lb.group(this, id); }
  meter(id: number): void { this.odp.push(`meter(${more.dpMeterId(this.run.pipeline, id)})`); }
  multipath(a: MultipathArgs): void { lb.multipath(this, a); }
  bundle(a: BundleArgs): void { lb.bundle(this, a); }
  bundleLoad(a: BundleArgs): void { lb.bundleLoad(this, a); }
  setQueue(queue: number): void { more.setQueue(this, queue); }
  popQueue(report: boolean): void { more.popQueue(this, report); }
  setTunnel(id: bigint): void { this.slots.set('tun_id', id); }
  sample(): void { this.note('no IPFIX/sFlow collector is configured: nothing is sampled'); } // ofproto/trace says nothing
  pushMpls(ethertype: number): void { more.pushMpls(this, ethertype); }
  setMplsLse(action: string, shift: number, mask: number, value: number): void { more.setMplsLse(this, action, shift, mask, value); }
  decMplsTtl(): void { more.decMplsTtl(this); }
  popMpls(ethertype: number): void { more.popMpls(this, ethertype); }
  decapEthernet(): void { more.decap(this); }
  encap(a: EncapArgs): void { encapPacket(this, a); }
  learn(flow: Flow, limits?: LearnLimits): void { more.learn(this, flow, limits); }
  checkPktLarger(len: number, dst: SubfieldRef): void {
    // With a tracker (a real packet of known length) only the branch it takes runs; a
    // trace translates both, as ofproto/trace does (check_pkt_len(size=N,gt(…),le(…))).
    if (this.run.conntrack) return more.checkPktLenTaken(this, len, dst);
    more.checkPktLen(this, len, dst);
  }

  /** A copy of this translation's packet, e.g. for a recirculation. */
  snapshot(): Packet { return clonePacket(this.pkt); }
  get isIp(): boolean { return isIp(this.pkt); }
}
